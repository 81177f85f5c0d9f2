"""Time online per agent from the presence log, in SQL, on real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.reports import figures
from bot.reports.filters import report_filter
from bot.reports.presence import time_online
from bot.reports.render import as_csv, as_text
from bot.reports.report import ReportSettings, build_report
from bot.store import Database
from bot.store.agents import AgentRepository
from core.actors import Presence

DAY = "2026-11-02"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)


class Turned:
    def __init__(self) -> None:
        self.now = at(1, 0)

    def __call__(self) -> datetime:
        return self.now


async def log(store: Database, changes: list[tuple[str, datetime, Presence]]) -> dict[str, int]:
    clock = Turned()
    agents = AgentRepository(store.engine, clock)
    ids = await agents.sync_agents(sorted({login for login, _, _ in changes}))
    for login, moment, presence in sorted(changes, key=lambda change: change[1]):
        clock.now = moment
        await agents.set_presence(ids[login], presence)
    return ids


CHANGES = [
    ("ana", at(2, 8), Presence.ONLINE),
    ("ana", at(2, 10), Presence.AWAY),  # away is not online
    ("ana", at(2, 11), Presence.ONLINE),
    ("ana", at(2, 11, 30), Presence.ONLINE),  # the same again: still one span
    ("ana", at(2, 12, 30), Presence.OFFLINE),
    ("ben", at(1, 22), Presence.ONLINE),  # from the day before: counted from midnight
    ("ben", at(2, 1), Presence.OFFLINE),
    ("ben", at(2, 23), Presence.ONLINE),  # still online: counted until now or the day's end
    ("cid", at(3, 9), Presence.ONLINE),  # the next day only
]


async def test_time_online_adds_up_online_spans_clipped_to_the_range(store: Database) -> None:
    ids = await log(store, CHANGES)
    day = report_filter(DAY, DAY)
    async with store.engine.connect() as conn:
        later = await time_online(conn, day, now=at(4, 0))
        meanwhile = await time_online(conn, day, now=at(2, 23, 30))
        only_ana = await time_online(conn, report_filter(DAY, DAY, agent="ana"), now=at(4, 0))
        before = await time_online(conn, report_filter("2026-10-01", "2026-10-31"), now=at(4, 0))
    assert later == {ids["ana"]: 3.5 * 3600, ids["ben"]: 2 * 3600}
    assert meanwhile[ids["ben"]] == 1.5 * 3600  # the open span ends now
    assert only_ana == {ids["ana"]: 3.5 * 3600}
    assert before == {}


async def test_the_agents_report_shows_time_online_also_for_agents_without_threads(
    store: Database,
) -> None:
    await log(store, CHANGES)
    day = report_filter(DAY, DAY)
    async with store.engine.connect() as conn:
        people = await figures.per_agent(conn, day, {"ana": "Ana"})
    by_login = {agent["agent"]: agent for agent in people}
    assert set(by_login) == {"ana", "ben"}  # cid was not online that day
    assert by_login["ana"]["name"] == "Ana" and by_login["ana"]["threads"] == 0
    assert by_login["ana"]["time_online_seconds"] == 12600.0
    assert by_login["ben"]["time_online_seconds"] == 7200.0  # the day is over: until midnight
    built = await build_report(store.engine, day, ReportSettings())
    assert "agents[ana].time_online_seconds,12600.0" in as_csv(built).replace("\r", "")
    assert "3.5h" in as_text(built)
