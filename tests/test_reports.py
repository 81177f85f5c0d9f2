"""The care reports' figures, computed in SQL, against known rows on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import pytest

from bot.errors import BadRequest, NotFound
from bot.reports import figures, staffing
from bot.reports.filters import ReportFilter, report_filter
from bot.reports.report import ReportSettings, build_report, build_section
from bot.reports.sql import from_histogram
from bot.reports.threads import ThreadSearch, search_threads, transcript
from bot.reports.topics import Sampled, group_topics
from bot.store import Database
from bot.store.schema import messages
from tests.report_rows import add_moved_on_public_complaint, fill

DAY = "2026-11-02"


def one_day(**narrow: Any) -> ReportFilter:
    return report_filter(DAY, DAY, **narrow)


async def test_volume_counts_conversations_messages_and_reasons(store: Database) -> None:
    await fill(store.engine)
    async with store.engine.connect() as conn:
        volume = await figures.volume(conn, one_day())
    assert volume["conversations"] == 5  # the thread of October is outside the range
    assert volume["messages_by_author"] == {"agent": 3, "bot": 4, "customer": 6}
    assert volume["messages"] == 13
    assert (volume["contained"], volume["containment"]) == (2, 0.4)
    assert volume["escalations"] == 3
    # Ana's two replies carry her name; Ben's one (written without it) does not.
    assert (volume["agent_messages"], volume["agent_messages_signed"]) == (3, 2)
    assert volume["signed_share"] == 0.6667
    assert {r["reason"]: r["count"] for r in volume["reasons"]} == {
        "complaint": 1,
        "complaint in public": 1,
        "asked for a person": 1,
    }


async def test_speed_percentiles_sla_and_response_times(store: Database) -> None:
    await fill(store.engine)
    async with store.engine.connect() as conn:
        speed = await figures.speed(conn, one_day(), sla_minutes=5)
    bot = speed["bot_answer"]
    assert (bot["count"], bot["p50"], bot["p90"]) == (4, 0.5, 2.0)
    assert bot["mean"] == pytest.approx(1.125, abs=0.01)
    assert speed["escalation_to_human"] == {"count": 2, "mean": 300.0, "p50": 120.0, "p90": 480.0}
    assert (speed["within_sla"], speed["within_sla_share"]) == (1, 0.3333)  # of 3 escalations
    assert speed["escalations_unanswered"] == 1
    assert speed["first_response"]["p50"] == 121.0
    assert speed["next_response"] == {"count": 1, "mean": 60.0, "p50": 60.0, "p90": 60.0}
    assert (speed["resolution"]["p50"], speed["resolution"]["p90"]) == (600.0, 1200.0)
    assert (speed["sla_breaches"], speed["sla_breach_share"]) == (1, 0.3333)


async def test_a_public_complaint_moved_on_before_an_answer_counts_once_where_it_went_on(
    store: Database,
) -> None:
    await fill(store.engine)
    await add_moved_on_public_complaint(store.engine)
    async with store.engine.connect() as conn:
        speed = await figures.speed(conn, one_day(), sla_minutes=5)
    # Threads 3, 4 and 5 as before, and the private thread the public one went on in
    # (answered a minute after the public escalation); not the public one itself.
    assert speed["escalation_to_human"]["count"] == 3
    assert speed["escalations_unanswered"] == 1  # thread 5 only
    assert (speed["within_sla"], speed["within_sla_share"]) == (2, 0.5)


async def test_satisfaction_and_agents(store: Database) -> None:
    await fill(store.engine)
    async with store.engine.connect() as conn:
        satisfaction = await figures.satisfaction(conn, one_day())
        people = await figures.per_agent(conn, one_day(), {"ana": "Ana"})
    assert satisfaction["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    assert (satisfaction["average"], satisfaction["asked"], satisfaction["response_rate"]) == (
        3.5, 2, 1.0,
    )  # fmt: skip
    by_login = {agent["agent"]: agent for agent in people}
    assert by_login["ana"]["name"] == "Ana"
    assert by_login["ana"]["escalation_to_human"]["p50"] == 120.0
    assert (by_login["ana"]["messages"], by_login["ana"]["hours_active"]) == (2, 1)
    assert (by_login["ben"]["average_rating"], by_login["ben"]["sla_breaches"]) == (2.0, 1)


async def test_peak_hours_show_where_the_rota_falls_short(store: Database) -> None:
    await fill(store.engine)
    async with store.engine.connect() as conn:
        peak = await staffing.peak_hours(conn, one_day(), handle_time_minutes=6)
    monday = 0
    assert [peak["incoming"][monday][h] for h in (10, 12, 13, 14)] == [2, 2, 1, 1]
    assert [peak["escalations"][monday][h] for h in (12, 13, 14)] == [1, 1, 1]
    assert [peak["agents_active"][monday][h] for h in (12, 13, 14)] == [1, 1, 0]
    assert peak["short"][monday][14] and not peak["short"][monday][12]
    assert peak["short_hours"] == 1
    assert sum(map(sum, peak["incoming"][1:])) == 0


async def test_public_complaints_answered_in_public_and_moved(store: Database) -> None:
    await fill(store.engine)
    async with store.engine.connect() as conn:
        split = await figures.public_private(conn, one_day())
    public = split["public"]
    assert (public["escalations"], split["private"]["escalations"]) == (1, 2)
    assert public["public_answer"]["p50"] == 2.0
    assert (public["answered_in_public_within_5s"], public["moved_to_private"]) == (1, 1)


async def test_filters_narrow_every_figure(store: Database) -> None:
    await fill(store.engine)
    async with store.engine.connect() as conn:
        assert (await figures.volume(conn, one_day(channel="telegram")))["conversations"] == 2
        assert (await figures.volume(conn, one_day(agent="ana")))["conversations"] == 1
        assert (await figures.volume(conn, one_day(language="de")))["conversations"] == 1
        assert (await figures.volume(conn, one_day(agent="nobody")))["conversations"] == 0
        october = report_filter("2026-10-01", "2026-10-31")
        assert (await figures.volume(conn, october))["conversations"] == 1


async def test_whole_report_and_an_empty_range(store: Database) -> None:
    await fill(store.engine)
    settings = ReportSettings(sla_minutes=5)
    built = await build_report(store.engine, one_day(), settings)
    assert set(built["seconds"]) == {
        "volume", "speed", "satisfaction", "agents", "topics", "peak_hours", "public"
    }  # fmt: skip
    assert built["topics"]["messages"] == 3  # what escalated customers wrote until escalation
    async with store.engine.begin() as conn:  # a routine question the detector scored low
        await conn.execute(
            messages.insert().values(
                thread_id=3, author="customer", text="What are your opening hours?",
                created_at=datetime(2026, 11, 2, 11, 59, tzinfo=timezone.utc), negativity=0.04,
            )
        )  # fmt: skip
    topics, _ = await build_section(store.engine, "topics", one_day(), settings)
    assert topics["messages"] == 3  # not among the complaint topics
    empty = await build_report(store.engine, report_filter("2020-01-01", "2020-01-02"), settings)
    assert empty["volume"]["containment"] is None
    assert empty["speed"]["escalation_to_human"]["p90"] is None
    assert empty["topics"]["topics"] == []
    with pytest.raises(NotFound):
        await build_section(store.engine, "nonsense", one_day(), settings)


async def test_thread_search_and_transcript(store: Database) -> None:
    await fill(store.engine)
    everything = report_filter("2026-01-01", DAY)
    async with store.engine.connect() as conn:
        found = await search_threads(conn, everything, ThreadSearch(text="PARCEL"))
        assert [t["thread_id"] for t in found["threads"]] == [3]
        assert found["threads"][0]["escalation_to_human_seconds"] == 120.0
        rated = await search_threads(conn, everything, ThreadSearch(rating=2))
        assert [t["thread_id"] for t in rated["threads"]] == [4]
        named = await search_threads(conn, everything, ThreadSearch(customer="customer 5"))
        assert [t["thread_id"] for t in named["threads"]] == [5]
        paged = await search_threads(conn, everything, ThreadSearch(limit=4))
        assert [t["thread_id"] for t in paged["threads"]] == [6, 5, 4, 3]
        rest = await search_threads(conn, everything, ThreadSearch(limit=4, before_id=3))
        assert [t["thread_id"] for t in rest["threads"]] == [2, 1] and rest["next_before"] is None
        wildcard = await search_threads(conn, everything, ThreadSearch(text="%"))
        assert wildcard["threads"] == []
        read = await transcript(conn, 3)
        assert [m["author"] for m in read["messages"]][:3] == ["customer", "bot", "agent"]
        assert read["messages"][2]["agent"] == "ana"
        with pytest.raises(NotFound):
            await transcript(conn, 999)


def test_filter_errors_are_clear() -> None:
    with pytest.raises(BadRequest, match="from must be a date"):
        report_filter("yesterday", None)
    with pytest.raises(BadRequest, match="after"):
        report_filter("2026-11-05", "2026-11-01")
    with pytest.raises(BadRequest, match="channel"):
        report_filter(None, None, channel=" ")
    week = report_filter(None, None, today=date(2026, 11, 8))
    assert week.as_dict()["from"] == "2026-11-02" and week.days == 7
    with pytest.raises(BadRequest, match="rating"):
        ThreadSearch.from_query({"rating": "9"})


def test_histogram_percentiles_are_nearest_rank() -> None:
    spread = from_histogram([(1.0, 5, 5.0), (2.0, 4, 8.0), (10.0, 1, 10.0)])
    assert (spread.count, spread.mean, spread.p50, spread.p90) == (10, 2.3, 1.0, 2.0)
    assert from_histogram([]).p50 is None


def test_topics_group_messages_by_what_they_are_about() -> None:
    delivery = [
        "my parcel is late again", "the parcel never arrived", "where is my parcel, it is late",
        "parcel late for a week now", "still no parcel delivery", "the parcel delivery is late",
    ]  # fmt: skip
    refund = [
        "I want my refund", "refund still not paid", "the refund for my return is missing",
        "no refund after the return", "when will the refund come", "refund promised, not paid",
    ]  # fmt: skip
    sampled = [
        Sampled(text, "2026-11-0" + str(1 + i % 2)) for i, text in enumerate(delivery + refund)
    ]
    topics = group_topics(sampled, step=1)
    assert len(topics) == 2
    names = sorted(topic["name"] for topic in topics)
    assert "parcel" in names[0] and "refund" in names[1]
    for topic in topics:
        words = topic["words"][0]
        assert all(words in example for example in topic["examples"])
        assert sum(day["messages"] for day in topic["trend"]) == topic["messages"] == 6
    assert group_topics([]) == []
    assert group_topics([Sampled("the and", "2026-11-01"), Sampled("of it", "2026-11-01")])
