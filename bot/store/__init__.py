"""The framework's own store (SQLAlchemy): one repository per aggregate, on one engine."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.agents import AgentRepository
from bot.store.audit import AuditRepository
from bot.store.channel_store import ChannelStore
from bot.store.database import create_engine
from bot.store.messages import MessageRepository
from bot.store.sign_ins import DatabaseSignInFailures
from bot.store.threads import ThreadRepository

__all__ = ["AgentRepository", "Database", "MessageRepository", "ThreadRepository"]


class Database:
    """The repositories over one database: `threads`, `messages`, `agents`, `audit`.

    Reviews (`bot.designer.inbox.ReviewStore`) and channels' own state
    (`channel_state`) are built on the same `engine`.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.threads = ThreadRepository(engine)
        self.messages = MessageRepository(engine)
        self.agents = AgentRepository(engine)
        self.audit = AuditRepository(engine)
        self.sign_in_failures = DatabaseSignInFailures(engine)

    @classmethod
    def connect(cls, url: str) -> Database:
        """The store on the database at `url` (SQLite or PostgreSQL)."""
        return cls(create_engine(url))

    def channel_state(self, channel: str) -> ChannelStore:
        """A channel's own keys and values (e.g. Telegram's update offset)."""
        return ChannelStore(self.engine, channel)

    async def close(self) -> None:
        """Release the connection pool."""
        await self.engine.dispose()
