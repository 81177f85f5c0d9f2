"""Which threads a report covers: a date range, and optionally a channel, team, agent, language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import ColumnElement

from bot.errors import BadRequest
from bot.store.repository import as_utc
from bot.store.schema import agents, threads

MAX_DAYS = 3660
FIELDS = ("channel", "team", "agent", "language")
WIDE_SHARE = 0.3


@dataclass(frozen=True)
class ReportFilter:
    """Threads started in [start, end), narrowed by the optional fields.

    Attributes:
        start: The first moment counted (UTC).
        end: The first moment no longer counted (UTC).
        channel: Only this channel (`telegram`, `webchat`...).
        team: Only threads routed to this team.
        agent: Only threads an agent (by login) holds or held last.
        language: Only threads in this language.
    """

    start: datetime
    end: datetime
    channel: str | None = None
    team: str | None = None
    agent: str | None = None
    language: str | None = None
    # The range holds most threads: compare dates row by row instead of through the
    # index (SQLite's planner cannot tell how many rows a range holds; see `planned`).
    wide: bool = False

    @property
    def days(self) -> int:
        """How many days the range spans (at least 1)."""
        return max(1, -(-int((self.end - self.start).total_seconds()) // 86400))

    def conditions(self) -> list[ColumnElement[bool]]:
        """WHERE conditions on the `threads` table."""
        created = threads.c.created_at
        if self.wide:  # a function of the column is never looked up in an index
            created = sa.func.coalesce(created, created)
        found: list[ColumnElement[bool]] = [created >= self.start, created < self.end]
        for name in ("channel", "team", "language"):
            value = getattr(self, name)
            if value is not None:
                found.append(threads.c[name] == value)
        if self.agent is not None:
            agent_id = sa.select(agents.c.id).where(agents.c.login == self.agent)
            found.append(threads.c.agent_id == agent_id.scalar_subquery())
        return found

    def as_dict(self) -> dict[str, Any]:
        """For JSON: the range as dates, with the end inclusive."""
        return {
            "from": self.start.date().isoformat(),
            "to": (self.end - timedelta(microseconds=1)).date().isoformat(),
            **{name: getattr(self, name) for name in FIELDS},
        }


def parse_day(text: str, name: str) -> date:
    """A `YYYY-MM-DD` date, or a 400 naming the parameter."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(f"{name} must be a date like 2026-12-01, not {text!r}") from None


def report_filter(
    start: str | None,
    end: str | None,
    *,
    today: date | None = None,
    **narrow: str | None,
) -> ReportFilter:
    """The filter for an inclusive `from`-`to` range of days (the last 7 by default).

    Raises:
        BadRequest: A date cannot be read, the range is backwards or over ten years,
            or a narrowing value is empty or too long.
    """
    last = parse_day(end, "to") if end else (today or datetime.now(timezone.utc).date())
    first = parse_day(start, "from") if start else last - timedelta(days=6)
    if first > last:
        raise BadRequest(f"from ({first}) is after to ({last})")
    if (last - first).days > MAX_DAYS:
        raise BadRequest(f"the range is over {MAX_DAYS} days; pick a shorter one")
    values: dict[str, str | None] = {}
    for name in FIELDS:
        value = narrow.get(name)
        value = value.strip() if isinstance(value, str) else None
        if value is not None and (not value or len(value) > 64):
            raise BadRequest(f"{name} must be 1 to 64 characters")
        values[name] = value or None
    return ReportFilter(
        start=datetime.combine(first, time.min, timezone.utc),
        end=datetime.combine(last + timedelta(days=1), time.min, timezone.utc),
        channel=values["channel"],
        team=values["team"],
        agent=values["agent"],
        language=values["language"],
    )


def from_query(args: Mapping[str, Any], *, today: date | None = None) -> ReportFilter:
    """The filter of a request's query string (`from`, `to`, `channel`, ...)."""

    def one(name: str) -> str | None:
        value = args.get(name)
        return str(value) if value is not None else None

    return report_filter(
        one("from"), one("to"), today=today, **{name: one(name) for name in FIELDS}
    )


async def planned(conn: AsyncConnection, report: ReportFilter) -> ReportFilter:
    """The filter, marked `wide` when its range spans most of the stored threads' dates.

    Reading every row in order is then many times faster than an index lookup per
    row; the first and last thread dates come from the index at no cost.
    """
    first, last = (
        await conn.execute(
            sa.select(sa.func.min(threads.c.created_at), sa.func.max(threads.c.created_at))
        )
    ).one()
    if first is None or last is None:
        return report
    first, last = as_utc(first), as_utc(last)
    span = (last - first).total_seconds()
    covered = (min(report.end, last) - max(report.start, first)).total_seconds()
    return replace(report, wide=span <= 0 or covered / span > WIDE_SHARE)
