"""The threads repository: threads with their customers, their moves and their close.

Every move is one compare-and-set: `UPDATE threads ... WHERE state = <decided on>
AND agent_id = <decided on>`. Of two agents claiming one thread at the same moment
exactly one update matches, on SQLite and PostgreSQL alike, and only the winner's
move is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.repository import as_utc, thread_from_row, utcnow
from bot.store.schema import agents, customers, messages, thread_events, threads
from core.clock import Clock
from core.messages import Author, Thread, ThreadState
from core.records import Move, ThreadSummary
from core.states import Transition

OPEN_BY_PEOPLE = (ThreadState.QUEUED.value, ThreadState.WITH_AGENT.value)


async def close_thread(
    conn: AsyncConnection, thread_id: int, now: datetime, rating: int | None = None
) -> None:
    """Close a thread for good at `now`, in the caller's transaction (the one place that does)."""
    await conn.execute(
        sa.update(threads)
        .where(threads.c.id == thread_id, threads.c.closed_at.is_(None))
        .values(closed_at=now, rating=rating)
    )


class ThreadRepository:
    """Reads threads, and moves and closes them."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    async def thread(self, thread_id: int) -> Thread | None:
        """A thread by id."""
        async with self.engine.connect() as conn:
            query = sa.select(threads).where(threads.c.id == thread_id)
            row = (await conn.execute(query)).mappings().first()
        return thread_from_row(row) if row is not None else None

    async def open_thread(self, channel: str, chat_id: str) -> Thread | None:
        """The chat's open thread, if any."""
        query = sa.select(threads).where(
            threads.c.channel == channel,
            threads.c.chat_id == chat_id,
            threads.c.closed_at.is_(None),
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).mappings().first()
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

    async def apply(
        self, transition: Transition, *, reason: str | None = None, **changes: Any
    ) -> Thread | None:
        """Apply a decided move if the thread is still as it was decided on; record it.

        Args:
            transition: The move (`core.states.decide`).
            reason: Why, kept with the recorded move.
            changes: Other columns the move sets (assignee, team, escalation...).

        Returns:
            The moved thread, or None when someone else moved it first.
        """
        same_agent = (
            threads.c.agent_id.is_(None)
            if transition.agent_id is None
            else threads.c.agent_id == transition.agent_id
        )
        condition = sa.and_(
            threads.c.id == transition.thread_id,
            threads.c.state == transition.from_state.value,
            same_agent,
            threads.c.closed_at.is_(None),
        )
        now = self.clock()
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(threads)
                .where(condition)
                .values(state=transition.to_state.value, updated_at=now, **changes)
            )
            if result.rowcount != 1:
                return None
            await conn.execute(
                sa.insert(thread_events).values(
                    thread_id=transition.thread_id,
                    event=transition.event.value,
                    from_state=transition.from_state.value,
                    to_state=transition.to_state.value,
                    actor=transition.actor,
                    reason=reason,
                    created_at=now,
                )
            )
            assignee = changes.get("agent_id")
            if assignee is not None and transition.to_state is ThreadState.WITH_AGENT:
                await conn.execute(
                    sa.update(agents).where(agents.c.id == assignee).values(last_assigned_at=now)
                )
            query = sa.select(threads).where(threads.c.id == transition.thread_id)
            return thread_from_row((await conn.execute(query)).mappings().one())

    async def mark_first_response(self, thread_id: int) -> None:
        """Record the first agent answer of the current escalation, once."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(threads)
                .where(threads.c.id == thread_id, threads.c.first_response_at.is_(None))
                .values(first_response_at=self.clock())
            )

    async def claim_breach(self, thread_id: int) -> bool:
        """Flag an SLA breach; True only for the caller that flagged it first."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(threads)
                .where(threads.c.id == thread_id, threads.c.sla_breached_at.is_(None))
                .values(sla_breached_at=self.clock())
            )
            return bool(result.rowcount == 1)

    async def close(self, thread_id: int, *, rating: int | None = None) -> None:
        """Close a thread for good (after its rating, or when the customer moved on)."""
        async with self.engine.begin() as conn:
            await close_thread(conn, thread_id, self.clock(), rating)

    async def note_language(self, thread_id: int, language: str) -> None:
        """The language the customer writes in the thread, as last found."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(threads).where(threads.c.id == thread_id).values(language=language)
            )

    async def moves(self, thread_id: int) -> list[Move]:
        """A thread's recorded moves, in order."""
        query = (
            sa.select(thread_events)
            .where(thread_events.c.thread_id == thread_id)
            .order_by(thread_events.c.id)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            Move(
                event=row["event"],
                from_state=row["from_state"],
                to_state=row["to_state"],
                actor=row["actor"],
                reason=row["reason"],
                created_at=as_utc(row["created_at"]),
            )
            for row in rows
        ]

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
                state=ThreadState(row["state"]),
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

    async def customer_name(self, customer_id: int) -> str | None:
        """The customer's display name, when the channel gave one."""
        query = sa.select(customers.c.display_name).where(customers.c.id == customer_id)
        async with self.engine.connect() as conn:
            name = (await conn.execute(query)).scalar_one_or_none()
        return str(name) if name is not None else None
