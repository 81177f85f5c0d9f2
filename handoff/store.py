"""The handoff's reads and writes: agents, credentials, ownership moves, queue, SLA.

Every move of a thread is a compare-and-set: `UPDATE threads ... WHERE state IN (...)`.
Of two agents claiming one thread at the same moment exactly one update matches, on
SQLite and PostgreSQL alike, and only the winner's event is recorded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.messages import Author, StoredMessage, Thread
from bot.store.repository import as_utc, message_from_row, thread_from_row, utcnow
from bot.store.schema import agent_credentials, agents, customers, messages, thread_events, threads
from handoff.routing import Presence
from handoff.states import ThreadEvent, ThreadState

OPEN_BY_PEOPLE = (ThreadState.QUEUED.value, ThreadState.WITH_AGENT.value)


@dataclass(frozen=True)
class AgentRow:
    """An agent's changing state, as stored."""

    id: int
    login: str
    presence: Presence
    last_assigned_at: datetime | None
    active_threads: int


@dataclass(frozen=True)
class ThreadEventRow:
    """One recorded move of a thread."""

    event: str
    from_state: str
    to_state: str
    actor: str
    reason: str | None
    created_at: datetime


def hash_secret(secret: str) -> str:
    """The stored form of a token: tokens are long and random, so SHA-256 suffices."""
    return hashlib.sha256(secret.encode()).hexdigest()


class HandoffStore:
    """Handoff queries over the framework's database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def sync_agents(self, logins: Iterable[str]) -> dict[str, int]:
        """Make sure every configured agent has a row; return their ids by login."""
        wanted = list(logins)
        async with self.engine.begin() as conn:
            existing = {
                row.login: row.id
                for row in await conn.execute(sa.select(agents.c.login, agents.c.id))
            }
            now = utcnow()
            for login in wanted:
                if login not in existing:
                    result = await conn.execute(
                        sa.insert(agents).values(
                            login=login,
                            presence=Presence.OFFLINE.value,
                            presence_changed_at=now,
                            created_at=now,
                        )
                    )
                    existing[login] = int(result.inserted_primary_key[0])
        return {login: existing[login] for login in wanted}

    async def agent_rows(self) -> list[AgentRow]:
        """Every agent with presence and current load (threads they hold)."""
        load = (
            sa.select(threads.c.agent_id, sa.func.count().label("active"))
            .where(threads.c.state == ThreadState.WITH_AGENT.value)
            .group_by(threads.c.agent_id)
            .subquery()
        )
        query = sa.select(agents, sa.func.coalesce(load.c.active, 0).label("active")).outerjoin(
            load, load.c.agent_id == agents.c.id
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            AgentRow(
                id=row["id"],
                login=row["login"],
                presence=Presence(row["presence"]),
                last_assigned_at=as_utc(row["last_assigned_at"]),
                active_threads=int(row["active"]),
            )
            for row in rows
        ]

    async def set_presence(self, agent_id: int, presence: Presence) -> None:
        """Record an agent's presence."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(agents)
                .where(agents.c.id == agent_id)
                .values(presence=presence.value, presence_changed_at=utcnow())
            )

    async def add_credential(self, agent_id: int, kind: str, secret_hash: str) -> None:
        """Store a hashed token or password for an agent."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(agent_credentials).values(
                    agent_id=agent_id, kind=kind, secret_hash=secret_hash, created_at=utcnow()
                )
            )

    async def agent_for_token(self, token: str) -> int | None:
        """The agent a bearer token belongs to, if it is valid and not revoked."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                sa.select(agent_credentials.c.agent_id).where(
                    agent_credentials.c.secret_hash == hash_secret(token),
                    agent_credentials.c.kind == "token",
                    agent_credentials.c.revoked_at.is_(None),
                )
            )
            found = result.scalar_one_or_none()
        return int(found) if found is not None else None

    async def move(
        self,
        thread_id: int,
        event: ThreadEvent,
        from_states: Iterable[ThreadState],
        to_state: ThreadState,
        *,
        actor: str,
        reason: str | None = None,
        only_if_agent: int | None = None,
        **columns: Any,
    ) -> Thread | None:
        """Move an open thread if it is in one of `from_states`; record the event.

        Returns:
            The updated thread, or None when it was not in those states (someone
            else moved it first).
        """
        allowed = [state.value for state in from_states]
        async with self.engine.begin() as conn:
            before = (
                await conn.execute(sa.select(threads.c.state).where(threads.c.id == thread_id))
            ).scalar_one_or_none()
            condition = sa.and_(
                threads.c.id == thread_id,
                threads.c.state.in_(allowed),
                threads.c.closed_at.is_(None),
            )
            if only_if_agent is not None:
                condition = sa.and_(condition, threads.c.agent_id == only_if_agent)
            result = await conn.execute(
                sa.update(threads)
                .where(condition)
                .values(state=to_state.value, updated_at=utcnow(), **columns)
            )
            if result.rowcount != 1:
                return None
            await conn.execute(
                sa.insert(thread_events).values(
                    thread_id=thread_id,
                    event=event.value,
                    from_state=before,
                    to_state=to_state.value,
                    actor=actor,
                    reason=reason,
                    created_at=utcnow(),
                )
            )
            if columns.get("agent_id") is not None and to_state is ThreadState.WITH_AGENT:
                await conn.execute(
                    sa.update(agents)
                    .where(agents.c.id == columns["agent_id"])
                    .values(last_assigned_at=utcnow())
                )
            row = (
                (await conn.execute(sa.select(threads).where(threads.c.id == thread_id)))
                .mappings()
                .one()
            )
            return thread_from_row(row)

    async def update_thread(self, thread_id: int, **columns: Any) -> None:
        """Set columns of a thread without moving it."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(threads).where(threads.c.id == thread_id).values(**columns)
            )

    async def mark_first_response(self, thread_id: int) -> None:
        """Record the first agent answer of the current escalation, once."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(threads)
                .where(threads.c.id == thread_id, threads.c.first_response_at.is_(None))
                .values(first_response_at=utcnow())
            )

    async def claim_breach(self, thread_id: int) -> bool:
        """Flag an SLA breach; True only for the caller that flagged it first."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(threads)
                .where(threads.c.id == thread_id, threads.c.sla_breached_at.is_(None))
                .values(sla_breached_at=utcnow())
            )
            return bool(result.rowcount == 1)

    async def thread(self, thread_id: int) -> Thread | None:
        """A thread by id."""
        async with self.engine.connect() as conn:
            row = (
                (await conn.execute(sa.select(threads).where(threads.c.id == thread_id)))
                .mappings()
                .first()
            )
        return thread_from_row(row) if row is not None else None

    async def threads_in(
        self, states: Iterable[ThreadState], *, agent_id: int | None = None
    ) -> list[Thread]:
        """Open threads in the given states, oldest escalation first."""
        query = sa.select(threads).where(
            threads.c.state.in_([s.value for s in states]), threads.c.closed_at.is_(None)
        )
        if agent_id is not None:
            query = query.where(threads.c.agent_id == agent_id)
        query = query.order_by(threads.c.escalated_at.nulls_last(), threads.c.id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [thread_from_row(row) for row in rows]

    async def overdue(self, escalated_before: datetime) -> list[Thread]:
        """Threads escalated before the cut-off with no agent answer and no breach yet."""
        query = sa.select(threads).where(
            threads.c.state.in_(OPEN_BY_PEOPLE),
            threads.c.closed_at.is_(None),
            threads.c.escalated_at < escalated_before,
            threads.c.first_response_at.is_(None),
            threads.c.sla_breached_at.is_(None),
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [thread_from_row(row) for row in rows]

    async def events(self, thread_id: int) -> list[ThreadEventRow]:
        """A thread's recorded moves, in order."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(thread_events)
                    .where(thread_events.c.thread_id == thread_id)
                    .order_by(thread_events.c.id)
                )
            ).mappings()
            return [
                ThreadEventRow(
                    event=row["event"],
                    from_state=row["from_state"],
                    to_state=row["to_state"],
                    actor=row["actor"],
                    reason=row["reason"],
                    created_at=as_utc(row["created_at"]),
                )
                for row in rows
            ]

    async def recent_customer_messages(self, thread_id: int, limit: int) -> list[StoredMessage]:
        """The customer's last messages in a thread, oldest first."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(messages)
                    .where(
                        messages.c.thread_id == thread_id,
                        messages.c.author == Author.CUSTOMER.value,
                    )
                    .order_by(messages.c.id.desc())
                    .limit(limit)
                )
            ).mappings()
            return [message_from_row(row) for row in rows][::-1]

    async def annotate(
        self, message_id: int, *, intent: str | None, confidence: float | None, negativity: float
    ) -> None:
        """Keep what the engine and the detector made of a customer message."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(messages)
                .where(messages.c.id == message_id)
                .values(intent=intent, intent_confidence=confidence, negativity=negativity)
            )

    async def close(self, thread_id: int, *, rating: int | None = None) -> None:
        """Close a thread for good (after its rating, or when the customer moved on)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(threads)
                .where(threads.c.id == thread_id, threads.c.closed_at.is_(None))
                .values(closed_at=utcnow(), rating=rating)
            )

    async def customer_threads(self, customer_id: int) -> list[Thread]:
        """All of a customer's threads, newest first."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(threads)
                    .where(threads.c.customer_id == customer_id)
                    .order_by(threads.c.id.desc())
                )
            ).mappings()
            return [thread_from_row(row) for row in rows]

    async def customer_name(self, customer_id: int) -> str | None:
        """The customer's display name, when the channel gave one."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                sa.select(customers.c.display_name).where(customers.c.id == customer_id)
            )
            name = result.scalar_one_or_none()
        return str(name) if name is not None else None
