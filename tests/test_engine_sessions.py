"""Sessions bounded by messages: they end only at rest, carry the slots once, predict the same.

The pure rules on trackers of the demo's domain, then the demo model through the
engine on a real SQLite tracker store, bounded and unbounded side by side.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.config import load_settings
from bot.engine import RasaEngine, RasaProject
from bot.engine.sessions import LatestSlotsSessionStart, messages_in_session, session_full

DOMAIN = Domain.load("data/domain.yml")


def answered(text: str) -> list[Event]:
    return [
        UserUttered(text, {"name": "greet", "confidence": 0.9}),
        ActionExecuted("utter_greet"),
        BotUttered(f"re: {text}"),
        ActionExecuted("action_listen"),
    ]


def tracker(*events: Event) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("ann", list(events), DOMAIN.slots)


def test_a_session_is_full_after_its_messages_and_only_at_rest() -> None:
    three = [e for text in ("hi", "hours?", "costs?") for e in answered(text)]
    assert messages_in_session(tracker(*three)) == 3
    assert session_full(tracker(*three), 3)
    assert not session_full(tracker(*three), 4)
    # Messages of an earlier session do not count.
    assert messages_in_session(tracker(*three, SessionStarted(), *answered("again"))) == 1
    # A form asking for the order number is not a point of rest.
    asking = [
        *three[:-1],
        ActiveLoop("order_status_form"),
        SlotSet("requested_slot", "order_number"),
        ActionExecuted("action_listen"),
    ]
    assert not session_full(tracker(*asking), 3)
    # Nor is the bot before it listens.
    assert not session_full(tracker(*three[:-1]), 3)


def test_the_new_session_carries_each_slot_over_once_with_its_latest_value() -> None:
    previous = tracker(
        SessionStarted(),
        SlotSet("order_number", "FH-10001"),
        SlotSet("customer_language", "fr"),  # a slot the demo's domain may not have: kept
        *answered("hi"),
        SlotSet("order_number", "FH-10234"),
    )
    carried = LatestSlotsSessionStart._slot_set_events_from_tracker(previous)
    assert [(e.key, e.value) for e in carried] == [
        ("customer_language", "fr"),
        ("order_number", "FH-10234"),
    ]


@pytest.fixture(scope="module")
def model() -> Path:
    settings = load_settings(None)
    project = RasaProject.from_settings(settings.project, settings.source)
    path = project.model_path(Path(settings.engine.model_dir)).resolve()
    if not path.is_file():
        pytest.skip("no trained model: python -m bot train")
    return path


SCRIPT = (
    "hello",
    "when are you open?",
    "where is my order?",
    "it's FH-10234",  # the form asked: no session may end before this answer
    "how much is delivery?",
    "thanks",
    "where is my order?",  # the number is known from the session before
    "bye",
)


Conversation = tuple[list[list[str]], list[Event]]  # actions after each message, events


async def conversation(model: Path, workdir: Path, session_messages: int) -> Conversation:
    """The bot's actions after each message, and the stored events."""
    database = workdir / f"trackers-{session_messages}.db"
    endpoints = workdir / f"endpoints-{session_messages}.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {database}\n")
    engine = RasaEngine(model, endpoints_file=endpoints, session_messages=session_messages)
    await engine.start()
    try:
        for text in SCRIPT:
            await engine.respond("ben", text, channel="rest")
        assert engine._agent is not None
        full = await engine._agent.tracker_store.retrieve_full_tracker("ben")
    finally:
        await engine.stop()
    assert full is not None
    actions: list[list[str]] = []
    turn: list[str] = []
    for event in full.events:
        if isinstance(event, UserUttered):
            actions.append(turn)
            turn = []
        elif isinstance(event, ActionExecuted) and event.action_name not in (
            "action_listen",
            "action_session_start",
        ):
            turn.append(event.action_name)
    return [*actions[1:], turn], list(full.events)


def test_bounded_sessions_predict_what_one_long_session_does(model: Path, tmp_path: Path) -> None:
    async def run() -> tuple[Conversation, Conversation]:
        return (
            await conversation(model, tmp_path, 0),
            await conversation(model, tmp_path, 2),
        )

    (one_session, _), (bounded, events) = asyncio.run(run())
    assert bounded == one_session
    assert bounded[3] == ["order_status_form", "action_order_status"]  # the number was taken

    starts = [i for i, e in enumerate(events) if isinstance(e, SessionStarted)]
    user_messages = [e.text for e in events if isinstance(e, UserUttered)]
    assert len(user_messages) == len(SCRIPT)
    # Sessions began before messages 1, 3 (after two), 5 (not 4: the form was asking), 7.
    first_texts = [
        next(e.text for e in events[start:] if isinstance(e, UserUttered)) for start in starts
    ]
    assert first_texts == ["hello", "where is my order?", "how much is delivery?", SCRIPT[6]]
    # Each later session starts with the slots' latest values, each slot once.
    for start in starts[1:]:
        end = next(i for i in range(start, len(events)) if isinstance(events[i], ActionExecuted))
        carried = [(e.key, e.value) for e in events[start:end] if isinstance(e, SlotSet)]
        assert len({key for key, _ in carried}) == len(carried)
        if start == starts[2]:  # after the lookup, which resets the number
            assert dict(carried) == {"requested_slot": None, "order_number": None}
