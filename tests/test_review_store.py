"""The review inbox's store on real SQLite and PostgreSQL: what is missed, what is reviewed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.designer.inbox import ReviewStore, group
from bot.store import Database
from bot.store.repository import utcnow
from core.actors import BOT
from core.errors import Conflict, NotFound
from core.messages import Inbound, Outbound
from core.states import ThreadEvent, Transition, decide

LOW = 0.5


async def write(store: Database, chat: str, text: str, intent: str, confidence: float) -> int:
    """A customer message the engine classified, with a bot answer."""
    thread, message, _ = await store.messages.record_inbound(Inbound("rest", chat, chat, text))
    await store.messages.annotate(message.id, intent=intent, confidence=confidence, negativity=0.1)
    await store.messages.record_replies(
        thread.id, [Outbound("ok")], reply_to_id=message.id, sent=True
    )
    return message.id


async def test_fallbacks_unsure_and_escalating_messages_are_missed_until_reviewed(
    store: Database,
) -> None:
    reviewer = (await store.agents.sync_agents(["dana"]))["dana"]
    sure = await write(store, "a", "when are you open", "opening_hours", 0.97)
    fallback = await write(store, "a", "xqzv blorp", "nlu_fallback", 0.3)
    unsure = await write(store, "b", "do you sell gift cards", "payment_methods", 0.41)
    calm = await write(store, "c", "hello", "greet", 0.99)
    angry = await write(store, "c", "this is a disgrace", "complaint", 0.92)
    thread = await store.threads.open_thread("rest", "c")
    assert thread is not None
    escalate = decide(thread, ThreadEvent.ESCALATE, BOT, utcnow())
    assert isinstance(escalate, Transition)
    await store.threads.apply(
        escalate, escalated_at=utcnow() + timedelta(seconds=1), escalation_reason="complaint 0.91"
    )
    reviews = ReviewStore(store.engine)

    missed = {m.id: m for m in await reviews.missed(LOW)}
    assert list(missed) == [angry, unsure, fallback]  # newest first; `sure` and `calm` not
    assert missed[fallback].reasons(LOW) == ["fallback"]
    assert missed[unsure].reasons(LOW) == ["low confidence 0.41 (payment_methods)"]
    assert missed[angry].reasons(LOW) == ["escalated: complaint 0.91"]
    assert sure not in missed and calm not in missed

    await reviews.record([fallback, unsure], reviewer, "assigned", intent="gifts", file="x.yml")
    assert [m.id for m in await reviews.missed(LOW)] == [angry]
    with pytest.raises(NotFound, match=f"{fallback} not in the review inbox"):
        await reviews.missed_by_id([fallback], LOW)
    with pytest.raises(Conflict):
        await reviews.record([angry, fallback], reviewer, "dismissed")
    assert [m.id for m in await reviews.missed(LOW)] == [angry]  # all or nothing
    assert await reviews.reviewed_count() == 2


async def test_missed_messages_are_grouped_with_the_intent_rasa_guessed(store: Database) -> None:
    for chat, text, confidence in [
        ("d", "gift card available?", 0.3),
        ("e", "do you sell gift cards", 0.4),
        ("f", "zzkrr fnord", 0.2),
    ]:
        await write(store, chat, text, "payment_methods", confidence)
    groups = group(await ReviewStore(store.engine).missed(LOW), similarity=0.25)
    assert [sorted(m.text for m in g.messages) for g in groups] == [
        ["do you sell gift cards", "gift card available?"],
        ["zzkrr fnord"],
    ]
    assert groups[0].suggested_intent == "payment_methods"
