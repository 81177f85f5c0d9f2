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
from bot.store.presence_log import PresenceLog
from bot.store.sign_ins import DatabaseSignInFailures
from bot.store.threads import ThreadRepository
from core.clock import Clock, utcnow

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
    customer message, `presence_log` the agents' presence over time, `sign_in_failures`
    the failed sign-ins when no Redis is configured. Every row is stamped by `clock`
    (the composition root's: real time, or a simulation's).

    Reviews (`bot.designer.inbox.ReviewStore`) and channels' own state
    (`channel_state`) are built on the same `engine`.
    """

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self.threads = ThreadRepository(engine, clock)
        self.messages = MessageRepository(engine, clock)
        self.agents = AgentRepository(engine, clock)
        self.credentials = CredentialRepository(engine, clock)
        self.outbox = Outbox(engine, clock)
        self.claims = AnswerClaims(engine, self.messages, clock)
        self.customers = CustomerRepository(engine, clock)
        self.audit = AuditRepository(engine, clock)
        self.presence_log = PresenceLog(engine)
        self.sign_in_failures = DatabaseSignInFailures(engine)

    @classmethod
    def connect(
        cls,
        url: str,
        *,
        connect_timeout: float = 5.0,
        statement_timeout: float = 10.0,
        clock: Clock = utcnow,
    ) -> Database:
        """The store on the database at `url` (SQLite or PostgreSQL), with its time limits.

        The time limits are real seconds whatever the clock: they guard real I/O.
        """
        engine = create_engine(
            url, connect_timeout=connect_timeout, statement_timeout=statement_timeout
        )
        return cls(engine, clock)

    def channel_state(self, channel: str) -> ChannelStore:
        """A channel's own keys and values (e.g. Telegram's update offset)."""
        return ChannelStore(self.engine, channel, self.clock)

    async def close(self) -> None:
        """Release the connection pool."""
        await self.engine.dispose()
