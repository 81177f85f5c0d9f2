"""The whole report: every section over one filter, each timed."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.errors import NotFound
from bot.reports import figures, staffing
from bot.reports.filters import ReportFilter, planned
from bot.reports.topics import complaint_topics
from core.clock import Clock, utcnow


@dataclass(frozen=True)
class ReportSettings:
    """What the figures are measured against, from `config/handoff.yml`."""

    sla_minutes: float = 5.0
    handle_time_minutes: float = 6.0
    names: dict[str, str] = field(default_factory=dict)  # login -> display name
    # "Now" for what is still going on (an agent online counts until then): the
    # server's clock, which a simulation runs faster than real time.
    clock: Clock = utcnow


# This process's CPU time per section (with SQLite, the database's work too).
_CPU: dict[str, float] = {}

Section = Callable[[AsyncConnection, ReportFilter, ReportSettings], Awaitable[Any]]

SECTIONS: dict[str, Section] = {
    "volume": lambda conn, report, _: figures.volume(conn, report),
    "speed": lambda conn, report, s: figures.speed(conn, report, s.sla_minutes),
    "satisfaction": lambda conn, report, _: figures.satisfaction(conn, report),
    "agents": lambda conn, report, s: figures.per_agent(conn, report, s.names, s.clock()),
    "topics": lambda conn, report, _: complaint_topics(conn, report),
    "peak_hours": lambda conn, report, s: staffing.peak_hours(conn, report, s.handle_time_minutes),
    "public": lambda conn, report, _: figures.public_private(conn, report),
}


async def build_section(
    engine: AsyncEngine, name: str, report: ReportFilter, settings: ReportSettings
) -> tuple[Any, float]:
    """One section and the seconds it took.

    Raises:
        NotFound: No section has that name.
    """
    if name not in SECTIONS:
        raise NotFound(f"no report {name!r}; reports: {', '.join(SECTIONS)}")
    started, cpu = time.perf_counter(), time.process_time()
    async with engine.connect() as conn:
        value = await SECTIONS[name](conn, await planned(conn, report), settings)
    _CPU[name] = time.process_time() - cpu
    return value, time.perf_counter() - started


async def build_report(
    engine: AsyncEngine,
    report: ReportFilter,
    settings: ReportSettings,
    sections: list[str] | None = None,
) -> dict[str, Any]:
    """Every section (or the named ones), with the filter and each section's seconds.

    `seconds` is wall time; `cpu_seconds` is this process's CPU time, which on SQLite
    includes the queries and tells the cost apart from waiting on a busy machine.
    """
    out: dict[str, Any] = {"filter": report.as_dict(), "seconds": {}, "cpu_seconds": {}}
    for name in sections or list(SECTIONS):
        out[name], seconds = await build_section(engine, name, report, settings)
        out["seconds"][name] = round(seconds, 3)
        out["cpu_seconds"][name] = round(_CPU.pop(name, 0.0), 3)
    return out
