"""The framework's own store (SQLAlchemy): customers, threads, messages."""

from bot.store.repository import Store

__all__ = ["Store"]
