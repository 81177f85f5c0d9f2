"""The peak-hours section: day of week x hour, demand against the agents at work.

Like `bot.reports.figures`, it takes an open connection and a `ReportFilter` and
returns JSON-ready data from a few SQL aggregates.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import ColumnElement

from bot.reports.filters import ReportFilter
from bot.reports.sql import part
from bot.store.schema import messages, threads

T = threads.c


async def peak_hours(
    conn: AsyncConnection, report: ReportFilter, handle_time_minutes: float
) -> dict[str, Any]:
    """Day-of-week x hour: incoming messages, escalations, agents active, and shortfalls.

    Rows are days Monday to Sunday, columns hours 0-23 (UTC). Counts are averages per
    occurrence of that weekday in the range. A cell falls short when its escalations
    exceed what its active agents can take at `handle_time_minutes` per thread.
    """
    conditions = report.conditions()
    incoming = _grid(
        await conn.execute(
            _by_hour(messages.c.created_at)
            .select_from(messages.join(threads, messages.c.thread_id == T.id))
            .where(messages.c.author == "customer", *conditions)
            .group_by("dow", "hour")
        )
    )
    escalations = _grid(
        await conn.execute(
            _by_hour(T.escalated_at)
            .where(T.escalated_at.is_not(None), *conditions)
            .group_by("dow", "hour")
        )
    )
    active = (
        sa.select(
            messages.c.agent_id,
            part(messages.c.created_at, "day").label("day"),
            part(messages.c.created_at, "dow").label("dow"),
            part(messages.c.created_at, "hour").label("hour"),
        )
        .select_from(messages.join(threads, messages.c.thread_id == T.id))
        .where(messages.c.author == "agent", *conditions)
        .distinct()
        .subquery()
    )
    staffed = _grid(
        await conn.execute(
            sa.select(active.c.dow, active.c.hour, sa.func.count()).group_by(
                active.c.dow, active.c.hour
            )
        )
    )
    weekdays = _weekday_counts(report)
    per_agent_hour = 60.0 / handle_time_minutes

    def average(grid: list[list[int]]) -> list[list[float]]:
        return [[round(n / weekdays[d], 2) for n in row] for d, row in enumerate(grid)]

    escalation_avg, staffed_avg = average(escalations), average(staffed)
    short = [
        [escalation_avg[d][h] > staffed_avg[d][h] * per_agent_hour for h in range(24)]
        for d in range(7)
    ]
    return {
        "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "incoming": average(incoming),
        "escalations": escalation_avg,
        "agents_active": staffed_avg,
        "short": short,
        "short_hours": sum(row.count(True) for row in short),
    }


def _by_hour(moment: ColumnElement[Any]) -> sa.Select:
    return sa.select(
        part(moment, "dow").label("dow"), part(moment, "hour").label("hour"), sa.func.count()
    )


def _grid(rows: Any) -> list[list[int]]:
    """7 x 24 counts from (dow with Sunday = 0, hour, count) rows, Monday first."""
    grid = [[0] * 24 for _ in range(7)]
    for dow, hour, count in rows:
        grid[(int(dow) + 6) % 7][int(hour)] += int(count)
    return grid


def _weekday_counts(report: ReportFilter) -> list[int]:
    """How many Mondays ... Sundays the range holds (at least 1 each, to divide by)."""
    counts = [0] * 7
    day = report.start
    while day < report.end:
        counts[day.weekday()] += 1
        day += timedelta(days=1)
    return [max(1, n) for n in counts]
