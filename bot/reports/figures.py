"""The report's sections, each a few SQL aggregates over the filtered threads.

Every function takes an open connection and a `ReportFilter` and returns plain,
JSON-ready data; nothing here loads rows one by one. The peak-hours grid is in
`bot.reports.staffing`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import ColumnElement

from bot.reports.filters import ReportFilter
from bot.reports.presence import time_online
from bot.reports.sql import EMPTY, part, seconds_between, spread, spreads
from bot.store.schema import agents, messages, thread_events, threads

T = threads.c
# The strongest signal comes first in a reason ("complaint 0.91, shouting"): the first
# matching pattern, in this order, names the kind.
REASONS: list[tuple[str, list[str]]] = [
    ("complaint in public", ["complaint in public%"]),
    ("continued from public", ["continued from public%"]),
    ("asked for a person", ["asked for a person%", "the conversation asked%"]),
    ("complaint", ["complaint%", "the customer complained%"]),
    ("bot did not understand", ["%fallbacks in a row%", "low confidence%"]),
    ("repeated themselves", ["repeated themselves%"]),
    ("upset", ["upset over%"]),
    ("anger", ["shouting%", "strong words%", "emphatic%"]),
    ("priority customer", ["% customer"]),
    ("complaint", ["% intent %"]),
]
REPLIES = ("bot", "agent", "system")


def reason_group(reason: ColumnElement[Any]) -> ColumnElement[Any]:
    """The kind of escalation, from its reason's leading signal."""
    whens = [
        (sa.or_(*(reason.like(pattern) for pattern in patterns)), name)
        for name, patterns in REASONS
    ]
    return sa.case(*whens, else_="other")


def _threads(report: ReportFilter) -> sa.Select:
    return sa.select(sa.literal(1)).select_from(threads).where(*report.conditions())


async def volume(conn: AsyncConnection, report: ReportFilter) -> dict[str, Any]:
    """Conversations, messages by author, containment, escalations and their reasons."""
    row = (
        await conn.execute(
            _threads(report).with_only_columns(
                sa.func.count(),
                sa.func.count(T.escalated_at),
                sa.func.count(T.resolved_at),
            )
        )
    ).one()
    conversations, escalated, resolved = (int(value) for value in row)
    by_author = dict(
        (
            await conn.execute(
                sa.select(messages.c.author, sa.func.count())
                .select_from(messages.join(threads, messages.c.thread_id == T.id))
                .where(*report.conditions())
                .group_by(messages.c.author)
            )
        ).all()
    )
    group = reason_group(T.escalation_reason).label("reason")
    reasons = (
        await conn.execute(
            _threads(report)
            .with_only_columns(group, sa.func.count())
            .where(T.escalated_at.is_not(None))
            .group_by(sa.literal_column("reason"))
            .order_by(sa.func.count().desc())
        )
    ).all()
    signed = await _signed(conn, report)
    contained = conversations - escalated
    return {
        "conversations": conversations,
        "messages": sum(int(n) for n in by_author.values()),
        "messages_by_author": {str(k): int(v) for k, v in sorted(by_author.items())},
        "contained": contained,
        "containment": _share(contained, conversations),
        "escalations": escalated,
        "escalation_rate": _share(escalated, conversations),
        "resolved": resolved,
        "reasons": [{"reason": str(name), "count": int(count)} for name, count in reasons],
        "agent_messages": int(by_author.get("agent", 0)),
        "agent_messages_signed": signed,
        "signed_share": _share(signed, int(by_author.get("agent", 0))),
    }


async def _signed(conn: AsyncConnection, report: ReportFilter) -> int:
    """Agents' messages that carry the agent's name for the customer."""
    named = sa.cast(messages.c.payload, sa.Text).like('%"agent_name"%')
    return int(
        (
            await conn.execute(
                sa.select(sa.func.count())
                .select_from(messages.join(threads, messages.c.thread_id == T.id))
                .where(messages.c.author == "agent", named, *report.conditions())
            )
        ).scalar_one()
    )


async def speed(conn: AsyncConnection, report: ReportFilter, sla_minutes: float) -> dict[str, Any]:
    """Bot answer time; escalation to first human; first, next and resolution times; SLA.

    The bot's answer time is per answer: from the customer's message to each bot
    message replying to it. A public complaint that moved to a private chat before
    anyone answered it in public is counted once, where it went on (the private thread
    is escalated since the same moment).
    """
    asked, answer = messages.alias("asked"), messages.alias("answer")
    bot = await spread(
        conn,
        seconds_between(answer.c.created_at, asked.c.created_at),
        sa.select(sa.literal(1))
        .select_from(
            answer.join(asked, answer.c.reply_to_id == asked.c.id).join(
                threads, asked.c.thread_id == T.id
            )
        )
        .where(answer.c.author == "bot", *report.conditions()),
    )
    escalated = _threads(report).where(T.escalated_at.is_not(None), ~_moved_on_unanswered())
    to_human_seconds = seconds_between(T.first_response_at, T.escalated_at)
    to_human = await spread(conn, to_human_seconds, escalated)
    sla_seconds = sla_minutes * 60
    counts = (
        await conn.execute(
            escalated.with_only_columns(
                sa.func.count(),
                sa.func.count(T.first_response_at),
                sa.func.count(sa.case((to_human_seconds <= sla_seconds, 1))),
                sa.func.count(T.sla_breached_at),
            )
        )
    ).one()
    total, answered, within, breached = (int(value) for value in counts)
    first = await spread(conn, seconds_between(T.first_response_at, T.created_at), escalated)
    resolution = await spread(conn, seconds_between(T.resolved_at, T.escalated_at), escalated)
    return {
        "sla_minutes": sla_minutes,
        "bot_answer": bot.as_dict(),
        "escalation_to_human": to_human.as_dict(),
        "within_sla": within,
        "within_sla_share": _share(within, total),
        "escalations_unanswered": total - answered,
        "first_response": first.as_dict(),
        "next_response": (await _next_response(conn, report)).as_dict(),
        "resolution": resolution.as_dict(),
        "sla_breaches": breached,
        "sla_breach_share": _share(breached, total),
    }


def _moved_on_unanswered() -> ColumnElement[bool]:
    """A public thread continued in a private one before an agent answered it in public."""
    continued = sa.exists().where(
        thread_events.c.thread_id == T.id, thread_events.c.reason.like("continued privately%")
    )
    return sa.and_(T.first_response_at.is_(None), T.public.is_(True), continued)


async def _next_response(conn: AsyncConnection, report: ReportFilter) -> Any:
    """How long customers waited for each agent answer after the first one.

    In each escalated thread's customer and agent messages, in the order stored: an
    agent message whose previous one is the customer's, and that has an earlier agent
    message, counts, from that customer message. Each agent message finds its previous
    message and the thread's first agent message through the `thread_id` index
    (a window over every message sorts them all: several times slower on SQLite).
    """
    answer, before, asked, first = (
        messages.alias(name) for name in ("answer", "before", "asked", "first")
    )
    talk = ("customer", "agent")
    previous = (
        sa.select(sa.func.max(before.c.id))
        .where(
            before.c.thread_id == answer.c.thread_id,
            before.c.id < answer.c.id,
            before.c.author.in_(talk),
        )
        .scalar_subquery()
    )
    first_agent = (
        sa.select(sa.func.min(first.c.id))
        .where(first.c.thread_id == answer.c.thread_id, first.c.author == "agent")
        .scalar_subquery()
    )
    escalated = _threads(report).where(T.escalated_at.is_not(None)).with_only_columns(T.id)
    return await spread(
        conn,
        seconds_between(answer.c.created_at, asked.c.created_at),
        sa.select(sa.literal(1))
        .select_from(answer.join(asked, asked.c.id == previous))
        .where(
            answer.c.author == "agent",
            asked.c.author == "customer",
            answer.c.id > first_agent,
            answer.c.thread_id.in_(escalated),
        ),
    )


async def satisfaction(conn: AsyncConnection, report: ReportFilter) -> dict[str, Any]:
    """The 1-5 ratings: distribution, average, response rate."""
    rated = _threads(report).where(T.rating.is_not(None))
    distribution = dict(
        (
            await conn.execute(
                rated.with_only_columns(T.rating, sa.func.count()).group_by(T.rating)
            )
        ).all()
    )
    average = (await conn.execute(rated.with_only_columns(sa.func.avg(T.rating)))).scalar()
    asked = (
        await conn.execute(
            _threads(report).with_only_columns(sa.func.count()).where(T.resolved_at.is_not(None))
        )
    ).scalar_one()
    count = sum(int(n) for n in distribution.values())
    return {
        "distribution": {str(score): int(distribution.get(score, 0)) for score in range(1, 6)},
        "ratings": count,
        "average": round(float(average), 2) if average is not None else None,
        "asked": int(asked),
        "response_rate": _share(count, int(asked)),
    }


async def per_agent(
    conn: AsyncConnection,
    report: ReportFilter,
    names: dict[str, str] | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Each agent: threads handled, first-human and resolution times, ratings, activity.

    "Hours active" counts the clock hours in which the agent wrote at least once;
    "time online" adds up their online spans from the presence log
    (`bot.reports.presence`). An agent online without a thread is listed too.
    """
    held = _threads(report).where(T.agent_id.is_not(None))
    rows = (
        await conn.execute(
            held.with_only_columns(
                T.agent_id,
                sa.func.count(),
                sa.func.count(T.resolved_at),
                sa.func.count(T.rating),
                sa.func.avg(T.rating),
                sa.func.count(T.sla_breached_at),
            ).group_by(T.agent_id)
        )
    ).all()
    to_human = await spreads(
        conn, seconds_between(T.first_response_at, T.escalated_at), held, [T.agent_id]
    )
    resolution = await spreads(
        conn, seconds_between(T.resolved_at, T.escalated_at), held, [T.agent_id]
    )
    written = messages.join(threads, messages.c.thread_id == T.id)
    hour = part(messages.c.created_at, "hourstamp")
    activity = {
        agent_id: (int(sent), int(hours))
        for agent_id, sent, hours in await conn.execute(
            sa.select(messages.c.agent_id, sa.func.count(), sa.func.count(sa.distinct(hour)))
            .select_from(written)
            .where(messages.c.author == "agent", *report.conditions())
            .group_by(messages.c.agent_id)
        )
    }
    logins = dict((await conn.execute(sa.select(agents.c.id, agents.c.login))).all())
    online = await time_online(conn, report, now)
    holders = {row[0] for row in rows}
    rows = [*rows, *((agent, 0, 0, 0, None, 0) for agent in online if agent not in holders)]
    found = []
    for agent_id, handled, resolved, ratings, average, breaches in rows:
        login = logins.get(agent_id, f"#{agent_id}")
        sent, hours = activity.get(agent_id, (0, 0))
        found.append(
            {
                "agent": login,
                "name": (names or {}).get(login, login),
                "threads": int(handled),
                "resolved": int(resolved),
                "escalation_to_human": to_human.get((agent_id,), EMPTY).as_dict(),
                "resolution": resolution.get((agent_id,), EMPTY).as_dict(),
                "ratings": int(ratings),
                "average_rating": round(float(average), 2) if average is not None else None,
                "sla_breaches": int(breaches),
                "messages": sent,
                "hours_active": hours,
                "time_online_seconds": online.get(agent_id, 0.0),
            }
        )
    return sorted(found, key=lambda agent: (-agent["threads"], agent["agent"]))


async def public_private(conn: AsyncConnection, report: ReportFilter) -> dict[str, Any]:
    """Escalations first seen in public against private, and how fast public ones were answered."""
    out: dict[str, Any] = {}
    escalated = _threads(report).where(T.escalated_at.is_not(None))
    for label, public in (("public", True), ("private", False)):
        chosen = escalated.where(T.public.is_(public))
        count = (await conn.execute(chosen.with_only_columns(sa.func.count()))).scalar_one()
        human = await spread(conn, seconds_between(T.first_response_at, T.escalated_at), chosen)
        out[label] = {"escalations": int(count), "escalation_to_human": human.as_dict()}
    customer_first = sa.func.min(sa.case((messages.c.author == "customer", messages.c.created_at)))
    reply_first = sa.func.min(sa.case((messages.c.author.in_(REPLIES), messages.c.created_at)))
    answers = (
        sa.select(customer_first.label("asked"), reply_first.label("answered"))
        .select_from(messages.join(threads, messages.c.thread_id == T.id))
        .where(T.public.is_(True), T.escalated_at.is_not(None), *report.conditions())
        .group_by(messages.c.thread_id)
        .subquery()
    )
    waited = seconds_between(answers.c.answered, answers.c.asked)
    answered = await spread(conn, waited, sa.select(sa.literal(1)).select_from(answers))
    within = (
        await conn.execute(sa.select(sa.func.count()).select_from(answers).where(waited <= 5))
    ).scalar_one()
    moved = (
        await conn.execute(
            sa.select(sa.func.count(sa.distinct(thread_events.c.thread_id)))
            .select_from(thread_events.join(threads, thread_events.c.thread_id == T.id))
            .where(
                T.public.is_(True),
                thread_events.c.reason.like("continued privately%"),
                *report.conditions(),
            )
        )
    ).scalar_one()
    total = out["public"]["escalations"]
    out["public"].update(
        answered_in_public=answered.count,
        answered_in_public_within_5s=int(within),
        answered_in_public_share=_share(answered.count, total),
        public_answer=answered.as_dict(),
        moved_to_private=int(moved),
        moved_to_private_share=_share(int(moved), total),
    )
    return out


def _share(part_count: int, whole: int) -> float | None:
    return round(part_count / whole, 4) if whole else None
