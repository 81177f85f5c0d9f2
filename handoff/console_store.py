"""The console's reads and writes: passwords, sign-in sessions, snippets, customer history.

Only hashes of passwords and session secrets are stored; a session is found by the
SHA-256 of its secret, like an API token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.messages import Author
from bot.store.repository import as_utc, utcnow
from bot.store.schema import agent_credentials, agent_sessions, messages, snippets, threads

PASSWORD = "password"


@dataclass(frozen=True)
class SessionRow:
    """A stored sign-in."""

    agent_id: int
    expires_at: datetime
    revoked: bool


@dataclass(frozen=True)
class Snippet:
    """An agent's own canned answer."""

    id: int
    title: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class ThreadSummary:
    """One of a customer's threads, in a line."""

    id: int
    state: str
    created_at: datetime
    closed_at: datetime | None
    escalation_reason: str | None
    rating: int | None
    agent_id: int | None
    message_count: int
    preview: str | None


class ConsoleStore:
    """Console queries over the framework's database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    # Passwords

    async def set_password(self, agent_id: int, password_hash: str) -> None:
        """Store a new password hash; the agent's earlier passwords stop working."""
        now = utcnow()
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(agent_credentials)
                .where(
                    agent_credentials.c.agent_id == agent_id,
                    agent_credentials.c.kind == PASSWORD,
                    agent_credentials.c.revoked_at.is_(None),
                )
                .values(revoked_at=now)
            )
            await conn.execute(
                sa.insert(agent_credentials).values(
                    agent_id=agent_id, kind=PASSWORD, secret_hash=password_hash, created_at=now
                )
            )

    async def password_hash(self, agent_id: int) -> str | None:
        """The agent's current password hash, if they have one."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                sa.select(agent_credentials.c.secret_hash)
                .where(
                    agent_credentials.c.agent_id == agent_id,
                    agent_credentials.c.kind == PASSWORD,
                    agent_credentials.c.revoked_at.is_(None),
                )
                .order_by(agent_credentials.c.id.desc())
                .limit(1)
            )
            found = result.scalar_one_or_none()
        return str(found) if found is not None else None

    # Sessions

    async def create_session(self, agent_id: int, secret_hash: str, expires_at: datetime) -> None:
        """Record a sign-in."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(agent_sessions).values(
                    agent_id=agent_id,
                    secret_hash=secret_hash,
                    created_at=utcnow(),
                    expires_at=expires_at,
                )
            )

    async def session(self, secret_hash: str) -> SessionRow | None:
        """A sign-in by the hash of its secret, expired and revoked ones included."""
        async with self.engine.connect() as conn:
            row = (
                (
                    await conn.execute(
                        sa.select(agent_sessions).where(agent_sessions.c.secret_hash == secret_hash)
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        return SessionRow(
            agent_id=int(row["agent_id"]),
            expires_at=as_utc(row["expires_at"]),
            revoked=row["revoked_at"] is not None,
        )

    async def revoke_session(self, secret_hash: str) -> None:
        """Sign out: the session's cookie stops working."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(agent_sessions)
                .where(
                    agent_sessions.c.secret_hash == secret_hash,
                    agent_sessions.c.revoked_at.is_(None),
                )
                .values(revoked_at=utcnow())
            )

    async def delete_expired_sessions(self, before: datetime) -> None:
        """Forget sessions that expired before the given moment."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(agent_sessions).where(agent_sessions.c.expires_at < before)
            )

    # Snippets

    async def snippets(self, agent_id: int) -> list[Snippet]:
        """An agent's snippets, by title."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(snippets)
                    .where(snippets.c.agent_id == agent_id)
                    .order_by(snippets.c.title, snippets.c.id)
                )
            ).mappings()
            return [_snippet(row) for row in rows]

    async def add_snippet(self, agent_id: int, title: str, text: str) -> Snippet:
        """Save a new snippet for an agent."""
        now = utcnow()
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.insert(snippets).values(
                    agent_id=agent_id, title=title, text=text, created_at=now
                )
            )
            snippet_id = int(result.inserted_primary_key[0])
        return Snippet(id=snippet_id, title=title, text=text, created_at=now)

    async def delete_snippet(self, agent_id: int, snippet_id: int) -> bool:
        """Delete one of the agent's snippets; False when they have no such snippet."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.delete(snippets).where(
                    snippets.c.id == snippet_id, snippets.c.agent_id == agent_id
                )
            )
            return bool(result.rowcount == 1)

    # History

    async def customer_threads(self, customer_id: int) -> list[ThreadSummary]:
        """A customer's threads, newest first, with message counts and their first line."""
        count = (
            sa.select(sa.func.count())
            .where(messages.c.thread_id == threads.c.id, messages.c.author != Author.NOTE.value)
            .scalar_subquery()
        )
        first = messages.alias("first_message")
        preview = (
            sa.select(first.c.text)
            .where(first.c.thread_id == threads.c.id, first.c.author == Author.CUSTOMER.value)
            .order_by(first.c.id)
            .limit(1)
            .scalar_subquery()
        )
        query = (
            sa.select(threads, count.label("message_count"), preview.label("preview"))
            .where(threads.c.customer_id == customer_id)
            .order_by(threads.c.id.desc())
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            ThreadSummary(
                id=row["id"],
                state=row["state"],
                created_at=as_utc(row["created_at"]),
                closed_at=as_utc(row["closed_at"]),
                escalation_reason=row["escalation_reason"],
                rating=row["rating"],
                agent_id=row["agent_id"],
                message_count=int(row["message_count"] or 0),
                preview=row["preview"],
            )
            for row in rows
        ]


def _snippet(row: sa.engine.RowMapping) -> Snippet:
    return Snippet(
        id=row["id"], title=row["title"], text=row["text"], created_at=as_utc(row["created_at"])
    )
