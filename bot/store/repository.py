"""Rows to domain types and back: what every repository of the store shares.

The repositories, one per aggregate, are `threads` (threads, their customers and
moves), `messages` (messages and their delivery) and `agents` (agents with their
credentials, sessions, presence and snippets); `channel_store` keeps channels' own
state. Each public method of a repository is one transaction.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timezone
from typing import Any

from core.clock import utcnow
from core.messages import Author, StoredMessage, Thread, ThreadState

__all__ = ["as_utc", "message_from_row", "thread_from_row", "utcnow"]

_THREAD_FIELDS = [f.name for f in fields(Thread)]
_MESSAGE_FIELDS = [f.name for f in fields(StoredMessage)]


def thread_from_row(row: Any) -> Thread:
    """A `Thread` from a row of `threads`."""
    values = {name: as_utc(row[name]) for name in _THREAD_FIELDS}
    values["state"] = ThreadState(values["state"])
    return Thread(**values)


def message_from_row(row: Any) -> StoredMessage:
    """A `StoredMessage` from a row of `messages`."""
    values = {name: as_utc(row[name]) for name in _MESSAGE_FIELDS}
    values["author"] = Author(values["author"])
    return StoredMessage(**values)


def as_utc(value: Any) -> Any:
    """SQLite returns naive datetimes; the store writes UTC, so say so."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value
