"""What a turn stores, and when: the pipeline on a real store, with a scripted engine.

The parse and the detector's score are stored with the answers (one write); a
message sent while the one before it is still with the engine sees what that one
was all the same.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from bot.config import LimitsSettings
from bot.pipeline import MessagePipeline
from bot.store import Database
from core.messages import Inbound, Outbound, StoredMessage
from core.ports import Parse
from handoff.detection import HandoffDecision, TurnContext


class HeldEngine:
    """Parses every text as a complaint; answers "first" only once released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.answering: set[str] = set()

    async def parse(self, text: str) -> Parse:
        return Parse("complain", 0.8, {"text": text, "intent": {"name": "complain"}})

    async def respond(self, conversation_id: str, text: str, **options: Any) -> list[Outbound]:
        self.answering.add(text)
        if text == "first":
            await self.release.wait()
        return [Outbound(f"re: {text}")]


class Recorder:
    """A detector that never escalates and remembers what it was shown."""

    def __init__(self) -> None:
        self.contexts: list[TurnContext] = []

    def decide(self, context: TurnContext) -> HandoffDecision:
        self.contexts.append(context)
        return HandoffDecision(False, 0.2, 0.6 + 0.1 * len(self.contexts), (), None)


def pipeline(store: Database, engine: HeldEngine, detector: Recorder) -> MessagePipeline:
    templates = SimpleNamespace(languages=("en",))
    handoff: Any = SimpleNamespace(notices=SimpleNamespace(templates=templates))
    return MessagePipeline(store, engine, detector, handoff, LimitsSettings())  # type: ignore[arg-type]


def said(text: str) -> Inbound:
    return Inbound(channel="rest", chat_id="gil", sender_id="gil", text=text)


async def customer_messages(store: Database) -> list[StoredMessage]:
    thread = await store.threads.open_thread("rest", "gil")
    assert thread is not None
    return await store.messages.recent_customer_messages(thread.id, 10)


async def test_a_message_sent_while_the_one_before_is_answered_sees_what_it_was(
    store: Database,
) -> None:
    engine, detector = HeldEngine(), Recorder()
    bot = pipeline(store, engine, detector)

    first = asyncio.create_task(bot.handle(said("first"), delivered_in_response=True))
    while "first" not in engine.answering:
        await asyncio.sleep(0.01)
    (pending,) = await customer_messages(store)
    assert pending.intent is None  # not stored until it is answered
    second = await bot.handle(said("second"), delivered_in_response=True)
    engine.release.set()
    await first

    assert [m.text for m in second] == ["re: second"]
    shown = detector.contexts[1]
    assert shown.recent_texts == ("first",)
    assert shown.recent_intents == ("complain",) and shown.recent_scores == (0.7,)
    stored = await customer_messages(store)
    assert [(m.text, m.intent, m.negativity) for m in stored] == [
        ("first", "complain", 0.7),
        ("second", "complain", 0.8),
    ]
    assert not bot.context.pending
