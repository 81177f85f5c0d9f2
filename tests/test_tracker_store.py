"""The tracker store that keeps trackers between turns: only while exactly what rasa rebuilds.

Real SQLite tracker stores; "another worker" is a second store on the same file.
The last test runs the demo model's conversation through the engine and compares
each kept tracker with what rasa's own store reads back.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import load_settings
from bot.engine import RasaEngine, RasaProject
from bot.engine.tracker_store import TurnTrackerStore

DOMAIN = Domain.from_yaml(
    "version: '3.1'\nslots:\n  order_number:\n    type: text\n    mappings: []\n"
)


def sql_store(path: Path) -> SQLTrackerStore:
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(path))


def turn(text: str, at: float) -> list[Event]:
    return [
        UserUttered(text, {"name": "greet", "confidence": 0.9}, timestamp=at),
        ActionExecuted("utter_greet", timestamp=at + 0.1),
        BotUttered(f"re: {text}", timestamp=at + 0.2),
        ActionExecuted("action_listen", timestamp=at + 0.3),
    ]


def as_dicts(tracker: DialogueStateTracker | None) -> list[dict[str, object]]:
    """The events as stored (JSON: a parse's token spans are tuples in memory, lists read back)."""
    assert tracker is not None
    return [json.loads(json.dumps(event.as_dict())) for event in tracker.events]


def test_a_saved_tracker_is_handed_out_again_without_reading_it_back(tmp_path: Path) -> None:
    async def run() -> None:
        store = TurnTrackerStore(sql_store(tmp_path / "t.db"))
        tracker = DialogueStateTracker.from_events("alice", turn("hi", 1.0), DOMAIN.slots)
        await store.save(tracker)

        again = await store.retrieve("alice")
        assert again is tracker and store.rebuilt == 0
        again.update(SlotSet("order_number", "FH-10234", timestamp=2.0))
        await store.save(again)
        assert (await store.retrieve("alice")) is again
        assert as_dicts(again) == as_dicts(await sql_store(tmp_path / "t.db").retrieve("alice"))
        assert store.rebuilt == 0

    asyncio.run(run())


def test_another_workers_turn_is_read_from_the_database(tmp_path: Path) -> None:
    async def run() -> None:
        here = TurnTrackerStore(sql_store(tmp_path / "t.db"))
        there = TurnTrackerStore(sql_store(tmp_path / "t.db"))
        await here.save(DialogueStateTracker.from_events("bob", turn("hi", 1.0), DOMAIN.slots))

        theirs = await there.retrieve("bob")  # the other worker answers the next message
        assert theirs is not None and there.rebuilt == 1
        for event in turn("where is my order?", 2.0):
            theirs.update(event)
        await there.save(theirs)

        mine = await here.retrieve("bob")
        assert here.rebuilt == 1
        assert as_dicts(mine) == as_dicts(theirs)
        assert len(as_dicts(mine)) == 8

    asyncio.run(run())


def test_a_tracker_changed_but_not_saved_is_not_handed_out(tmp_path: Path) -> None:
    async def run() -> None:
        store = TurnTrackerStore(sql_store(tmp_path / "t.db"))
        tracker = DialogueStateTracker.from_events("carol", turn("hi", 1.0), DOMAIN.slots)
        await store.save(tracker)
        tracker.update(UserUttered("a turn that failed half way", timestamp=2.0))

        again = await store.retrieve("carol")
        assert again is not tracker and store.rebuilt == 1
        assert len(as_dicts(again)) == 4

    asyncio.run(run())


def test_a_new_session_is_read_back_as_rasa_reads_it(tmp_path: Path) -> None:
    async def run() -> None:
        store = TurnTrackerStore(sql_store(tmp_path / "t.db"))
        tracker = DialogueStateTracker.from_events("dan", turn("hi", 1.0), DOMAIN.slots)
        for event in [
            ActionExecuted("action_session_start", timestamp=10.0),
            SessionStarted(timestamp=10.1),
            ActionExecuted("action_listen", timestamp=10.2),
            *turn("hello again", 11.0),
        ]:
            tracker.update(event)
        await store.save(tracker)  # the old session's events are still in memory

        again = await store.retrieve("dan")
        assert again is not tracker and store.rebuilt == 1
        assert as_dicts(again) == as_dicts(await sql_store(tmp_path / "t.db").retrieve("dan"))
        assert len(as_dicts(again)) == 6  # from SessionStarted on
        await store.save(again)
        assert (await store.retrieve("dan")) is again  # one session: kept from now on

    asyncio.run(run())


def test_only_the_most_recent_conversations_are_kept(tmp_path: Path) -> None:
    async def run() -> None:
        store = TurnTrackerStore(sql_store(tmp_path / "t.db"), keep=2)
        for name in ("a", "b", "c"):
            await store.save(DialogueStateTracker.from_events(name, turn("hi", 1.0), DOMAIN.slots))
        assert (await store.retrieve("c")) is not None and store.rebuilt == 0
        assert (await store.retrieve("a")) is not None and store.rebuilt == 1

    asyncio.run(run())


@pytest.fixture(scope="module")
def model() -> Path:
    settings = load_settings(None)
    project = RasaProject.from_settings(settings.project, settings.source)
    path = project.model_path(Path(settings.engine.model_dir)).resolve()
    if not path.is_file():
        pytest.skip("no trained model: python -m bot train")
    return path


def test_the_engines_kept_trackers_are_what_rasa_reads_back(tmp_path: Path, model: Path) -> None:
    database = tmp_path / "trackers.db"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {database}\n")

    async def run() -> None:
        engine = RasaEngine(model, endpoints_file=endpoints)
        await engine.start()
        try:
            assert engine._agent is not None
            store = engine._agent.tracker_store._tracker_store
            assert isinstance(store, TurnTrackerStore)
            answers = []
            for text in ("hello", "where is my order?", "it's FH-10234", "thanks", "bye"):
                answers.append(await engine.respond("erin", text, channel="rest"))
                kept = await store.retrieve("erin")
                fresh = sql_store(database)
                fresh.domain = engine._agent.domain
                read_back = await fresh.retrieve("erin")
                assert as_dicts(kept) == as_dicts(read_back)
                assert kept is not None and read_back is not None
                assert json.loads(json.dumps(kept.current_state())) == json.loads(
                    json.dumps(read_back.current_state())
                )
            assert "FH-10234" in " ".join(a.text for a in answers[2])
            # Read back: the first turn (none yet), this test's read after it, and the
            # second turn (the first turn's save held the session start); then kept.
            assert store.rebuilt == 3
        finally:
            await engine.stop()

    asyncio.run(run())


def test_a_sqlite_tracker_file_is_written_through_the_write_ahead_log(tmp_path: Path) -> None:
    import sqlite3

    async def run() -> None:
        store = TurnTrackerStore(sql_store(tmp_path / "t.db"))
        await store.save(DialogueStateTracker.from_events("fay", turn("hi", 1.0), DOMAIN.slots))
        assert len(as_dicts(await sql_store(tmp_path / "t.db").retrieve("fay"))) == 4

    asyncio.run(run())
    with sqlite3.connect(tmp_path / "t.db") as check:
        assert check.execute("PRAGMA journal_mode").fetchone() == ("wal",)
