"""Each agent's time online over a report's range, from the presence log, in SQL.

Every row of `presence_log` opens a span that lasts until the agent's next row
(SQL's `LEAD`, on SQLite and PostgreSQL); the online spans are clipped to the range
and added up. The span still open counts until `now`, or the range's end if sooner.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.reports.filters import ReportFilter
from bot.reports.sql import seconds_between
from bot.store.schema import agents, presence_log
from core.actors import Presence
from core.clock import utcnow

L = presence_log.c


def _moment(value: datetime) -> Any:
    return sa.literal(value, sa.DateTime(timezone=True))


async def time_online(
    conn: AsyncConnection, report: ReportFilter, now: datetime | None = None
) -> dict[int, float]:
    """Seconds online in [report.start, report.end) by agent id (agents never online: absent)."""
    cap = min(report.end, now or utcnow())
    until = sa.func.lead(L.changed_at).over(partition_by=L.agent_id, order_by=(L.changed_at, L.id))
    spans = (
        sa.select(L.agent_id, L.presence, L.changed_at.label("since"), until.label("until"))
        .where(L.changed_at < report.end)  # a later change leaves the last span open to the end
        .subquery()
    )
    start, end = _moment(report.start), _moment(cap)
    low = sa.case((spans.c.since < start, start), else_=spans.c.since)
    high = sa.case((spans.c.until.is_(None), end), (spans.c.until > end, end), else_=spans.c.until)
    seconds = seconds_between(high, low)
    query = (
        sa.select(spans.c.agent_id, sa.func.sum(sa.case((seconds > 0, seconds), else_=0.0)))
        .where(spans.c.presence == Presence.ONLINE.value)
        .group_by(spans.c.agent_id)
    )
    if report.agent is not None:
        chosen = sa.select(agents.c.id).where(agents.c.login == report.agent).scalar_subquery()
        query = query.where(spans.c.agent_id == chosen)
    rows = (await conn.execute(query)).all()
    return {int(agent_id): round(float(total or 0.0), 1) for agent_id, total in rows}
