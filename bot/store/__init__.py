"""The framework's own store (SQLAlchemy): one repository per aggregate, on one engine."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.agents import AgentRepository
from bot.store.answer_claims import AnswerClaims
from bot.store.audit import AuditRepository
from bot.store.channel_store import ChannelStore
from bot.store.credentials import CredentialRepository
from bot.store.customers import CustomerRepository
from bot.store.database import create_engine
from bot.store.messages import MessageRepository
from bot.store.outbox import Outbox
from bot.store.sign_ins import DatabaseSignInFailures
from bot.store.threads import ThreadRepository

__all__ = [
    "AgentRepository",
    "CredentialRepository",
    "CustomerRepository",
    "Database",
    "MessageRepository",
    "ThreadRepository",
]


class Database:
    """The repositories over one database, one per aggregate.

    `agents` are the agents' rows and presence, `credentials` their tokens, passwords
    and console sessions; `outbox` is the messages' delivery, `claims` who answers a
    customer message, `sign_in_failures` the failed sign-ins when no Redis is configured.

    Reviews (`bot.designer.inbox.ReviewStore`) and channels' own state
    (`channel_state`) are built on the same `engine`.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.threads = ThreadRepository(engine)
        self.messages = MessageRepository(engine)
        self.agents = AgentRepository(engine)
        self.credentials = CredentialRepository(engine)
        self.outbox = Outbox(engine)
        self.claims = AnswerClaims(engine, self.messages)
        self.customers = CustomerRepository(engine)
        self.audit = AuditRepository(engine)
        self.sign_in_failures = DatabaseSignInFailures(engine)

    @classmethod
    def connect(
        cls, url: str, *, connect_timeout: float = 5.0, statement_timeout: float = 10.0
    ) -> Database:
        """The store on the database at `url` (SQLite or PostgreSQL), with its time limits."""
        return cls(
            create_engine(url, connect_timeout=connect_timeout, statement_timeout=statement_timeout)
        )

    def channel_state(self, channel: str) -> ChannelStore:
        """A channel's own keys and values (e.g. Telegram's update offset)."""
        return ChannelStore(self.engine, channel)

    async def close(self) -> None:
        """Release the connection pool."""
        await self.engine.dispose()
