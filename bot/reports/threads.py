"""The supervisors' thread list: search past and open threads, export them, read one.

Search narrows by customer (name or id on the channel), channel, agent, words in the
messages, dates and rating, newest first, a page at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.errors import BadRequest, NotFound
from bot.reports.filters import ReportFilter
from bot.reports.sql import seconds_between
from bot.store.repository import as_utc
from bot.store.schema import agents, customers, messages, threads
from bot.web.validation import MAX_ID, MIN_ID

T = threads.c
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
CSV_COLUMNS = [
    "thread_id", "channel", "customer", "agent", "team", "language", "state", "public",
    "created_at", "escalated_at", "first_response_at", "resolved_at", "sla_breached_at",
    "escalation_reason", "escalation_to_human_seconds", "resolution_seconds", "rating",
]  # fmt: skip


@dataclass(frozen=True)
class ThreadSearch:
    """What to look for, beyond the report's filter."""

    customer: str | None = None
    text: str | None = None
    rating: int | None = None
    state: str | None = None
    limit: int = PAGE_SIZE
    before_id: int | None = None  # the next page starts below the last id seen

    @classmethod
    def from_query(cls, args: Any) -> ThreadSearch:
        """From a query string; a 400 for a bad rating, state, limit or cursor."""

        def text(name: str) -> str | None:
            value = str(args.get(name) or "").strip()
            if len(value) > 200:
                raise BadRequest(f"{name} is over 200 characters")
            return value or None

        rating = _int(text("rating"), "rating", 1, 5)
        limit = _int(text("limit"), "limit", 1, MAX_PAGE_SIZE) or PAGE_SIZE
        state = text("state")
        if state is not None and state not in ("bot", "queued", "with_agent", "resolved"):
            raise BadRequest("state must be one of bot, queued, with_agent, resolved")
        return cls(
            customer=text("customer"),
            text=text("q"),
            rating=rating,
            state=state,
            limit=limit,
            before_id=_int(text("before"), "before", MIN_ID, MAX_ID),
        )


def _int(value: str | None, name: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number") from None
    if not low <= number <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return number


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _columns() -> list[Any]:
    return [
        T.id, T.channel, sa.func.coalesce(customers.c.display_name, customers.c.external_id),
        agents.c.login, T.team, T.language, T.state, T.public, T.created_at, T.escalated_at,
        T.first_response_at, T.resolved_at, T.sla_breached_at, T.escalation_reason,
        seconds_between(T.first_response_at, T.escalated_at),
        seconds_between(T.resolved_at, T.escalated_at), T.rating,
    ]  # fmt: skip


def _query(report: ReportFilter, search: ThreadSearch) -> sa.Select:
    query = (
        sa.select(*_columns())
        .select_from(
            threads.join(customers, T.customer_id == customers.c.id).outerjoin(
                agents, T.agent_id == agents.c.id
            )
        )
        .where(*report.conditions())
    )
    if search.customer:
        pattern = _like(search.customer)
        query = query.where(
            sa.or_(
                sa.func.lower(customers.c.display_name).like(pattern, escape="\\"),
                sa.func.lower(customers.c.external_id).like(pattern, escape="\\"),
            )
        )
    if search.text:
        said = sa.select(messages.c.id).where(
            messages.c.thread_id == T.id,
            messages.c.author != "note",
            sa.func.lower(messages.c.text).like(_like(search.text), escape="\\"),
        )
        query = query.where(said.exists())
    if search.rating is not None:
        query = query.where(T.rating == search.rating)
    if search.state is not None:
        query = query.where(T.state == search.state)
    return query


def _row(row: Any) -> dict[str, Any]:
    values = dict(zip(CSV_COLUMNS, row, strict=True))
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = as_utc(value).isoformat()
        elif isinstance(value, float):
            values[name] = round(value, 1)
    values["public"] = bool(values["public"])
    return values


async def search_threads(
    conn: AsyncConnection, report: ReportFilter, search: ThreadSearch
) -> dict[str, Any]:
    """A page of matching threads, newest first, with the cursor of the next page."""
    query = _query(report, search)
    if search.before_id is not None:
        query = query.where(T.id < search.before_id)
    rows = (await conn.execute(query.order_by(T.id.desc()).limit(search.limit + 1))).all()
    page = [_row(row) for row in rows[: search.limit]]
    more = len(rows) > search.limit
    return {"threads": page, "next_before": page[-1]["thread_id"] if more and page else None}


async def thread_rows(
    engine: AsyncEngine, report: ReportFilter, search: ThreadSearch | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Every matching thread in id order, streamed (for the CSV export)."""
    query = _query(report, search or ThreadSearch()).order_by(T.id)
    async with engine.connect() as conn:
        result = await conn.stream(query.execution_options(yield_per=2000))
        async for row in result:
            yield _row(row)


async def transcript(conn: AsyncConnection, thread_id: int) -> dict[str, Any]:
    """A thread's messages (with notes) and who wrote them."""
    exists = (await conn.execute(sa.select(T.id).where(T.id == thread_id))).first()
    if exists is None:
        raise NotFound(f"no thread {thread_id}")
    rows = await conn.execute(
        sa.select(
            messages.c.id,
            messages.c.author,
            messages.c.text,
            messages.c.created_at,
            agents.c.login,
        )
        .select_from(messages.outerjoin(agents, messages.c.agent_id == agents.c.id))
        .where(messages.c.thread_id == thread_id)
        .order_by(messages.c.id)
        .limit(5000)
    )
    return {
        "thread_id": thread_id,
        "messages": [
            {
                "id": message_id,
                "author": author,
                "text": text,
                "created_at": as_utc(created_at).isoformat(),
                "agent": login,
            }
            for message_id, author, text, created_at, login in rows
        ],
    }
