"""Prefilling stores for the bench: rows the framework's store and rasa's tracker store read."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.bench.prefill import (
    PER_THREAD,
    insert_sql,
    prefill_framework_store,
    prefill_tracker_store,
)
from bot.bench.stages import OTHER, format_stages, frames, parse_raw, split_cpu, stage_of
from bot.messages import Inbound
from bot.store import Database
from bot.store.migrate import upgrade_async
from bot.store.schema import messages, threads


async def test_prefilled_messages_are_old_closed_threads_the_store_reads(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    await upgrade_async(url)
    store = Database.connect(url)
    try:
        live = Inbound(channel="rest", chat_id="alice", sender_id="alice", text="hi")
        before, _, _ = await store.messages.record_inbound(live)
        ticks: list[int] = []
        added = prefill_framework_store(tmp_path / "bot.db", 2 * PER_THREAD + 50, tick=ticks.append)
        assert added == sum(ticks) == 250
        assert await store.messages.count(messages) == 251
        assert await store.messages.count(threads) == 1 + 3  # 100 + 100 + 50 messages
        # A prefilled thread: closed, in order, customer and bot taking turns.
        with sqlite3.connect(tmp_path / "bot.db") as db:
            (thread_id,) = db.execute("SELECT MIN(thread_id) FROM messages WHERE id > 1").fetchone()
            (chat,) = db.execute(
                "SELECT chat_id FROM threads WHERE id = ?", (thread_id,)
            ).fetchone()
        transcript = await store.messages.transcript(thread_id)
        assert len(transcript) == PER_THREAD
        assert [m.author.value for m in transcript[:3]] == ["customer", "bot", "customer"]
        assert [m.created_at for m in transcript] == sorted(m.created_at for m in transcript)
        assert await store.threads.open_thread("rest", chat) is None
        # The live chat goes on in its thread; a new one opens after the prefilled ids.
        again, _, _ = await store.messages.record_inbound(
            Inbound(channel="rest", chat_id="alice", sender_id="alice", text="still there?")
        )
        assert again.id == before.id
        fresh, message, _ = await store.messages.record_inbound(
            Inbound(channel="rest", chat_id="bob", sender_id="bob", text="hello")
        )
        assert fresh.id == 5 and message.id == 253
        # A second prefill continues after the first.
        prefill_framework_store(tmp_path / "bot.db", 10)
        assert await store.messages.count(messages) == 263
    finally:
        await store.close()


async def test_prefilled_tracker_events_are_conversations_rasa_can_read(tmp_path: Path) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    path = tmp_path / "trackers.db"
    trackers = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    prefill_tracker_store(path, 3 * PER_THREAD, prefix="old")
    tracker = await trackers.retrieve("old-1")
    assert tracker is not None
    kinds = [event.type_name for event in tracker.events]
    assert kinds.count("user") == kinds.count("bot") == PER_THREAD // 2
    assert tracker.latest_message is not None
    assert tracker.latest_message.intent["name"] == "order_status"
    assert await trackers.retrieve("old-3") is None  # 300 events: senders 0, 1, 2


def test_prefill_refuses_a_missing_database_and_unknown_columns(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no SQLite database"):
        prefill_framework_store(tmp_path / "none.db", 10)
    with pytest.raises(ValueError, match="no column"):
        insert_sql(messages, ["thread_id", "colour"])
    assert insert_sql(messages, ["thread_id", "text"]) == (
        "INSERT INTO messages (thread_id, text) VALUES (?, ?)"
    )


def test_samples_go_to_the_deepest_stage_on_their_stack() -> None:
    raw = "\n".join(
        [
            "run (sanic/app.py:10);receive (bot/channels/rest.py:5);"
            "encode (bot/nlu/minilm.py:80);matmul (numpy/core.py:1) 30",
            "run (sanic/app.py:10);receive (bot/channels/rest.py:5);"
            "retrieve (rasa/core/tracker_store.py:900);execute (sqlalchemy/engine/base.py:1) 10",
            "run (sanic/app.py:10);post (aiohttp/client.py:3) 5",
            "run (sanic/app.py:10);call (rasa/core/actions/action.py:700);"
            "post (aiohttp/client.py:3) 3",
            "select (selectors.py:469) 2",
            "not a sample line",
        ]
    )
    counts = parse_raw(raw)
    assert counts == {
        "NLU sentence encoder": 30,
        "rasa tracker and lock store": 10,
        "HTTP server (sanic, aiohttp)": 5,
        "custom actions": 3,
        OTHER: 2,
    }
    assert frames("f (a/b.py:1);g (<frozen x>:2)") == ["a/b.py", "<frozen x>"]
    assert stage_of(["handoff/detection/score.py"]) == "handoff decision"
    shares = split_cpu(counts, 50.0)  # 50 samples: 1 ms per sample
    assert shares["NLU sentence encoder"] == pytest.approx(30.0)
    assert list(shares)[:2] == ["NLU sentence encoder", "rasa tracker and lock store"]
    assert sum(shares.values()) == pytest.approx(50.0)
    assert split_cpu({}, 10.0) == {}
    table = format_stages({"framework": shares, "rasa": {"custom actions": 4.0}})
    assert table.splitlines()[-1].split() == ["total", "50.0", "4.0"]
