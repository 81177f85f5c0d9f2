"""The outbox and the answer claims on real SQLite and PostgreSQL, with races."""

from __future__ import annotations

import asyncio

import pytest

from bot.exactly_once import ExactlyOnce, new_claim_token
from bot.store import Database
from bot.store.messages import Annotation
from core.errors import EngineUnavailable
from core.messages import Author, Inbound, Outbound, StoredMessage


def hello(text: str = "hello", message_id: str | None = None, chat: str = "alice") -> Inbound:
    return Inbound(channel="rest", chat_id=chat, sender_id=chat, text=text, message_id=message_id)


async def agent_says(store: Database, thread_id: int, text: str) -> StoredMessage:
    (message,) = await store.messages.record_replies(
        thread_id, [Outbound(text)], author=Author.AGENT
    )
    return message


async def test_undelivered_messages_of_earlier_threads_of_the_chat_are_found(
    store: Database,
) -> None:
    thread, _, _ = await store.messages.record_inbound(hello())
    await agent_says(store, thread.id, "your refund is on its way")
    await store.threads.close(thread.id)
    newer, _, _ = await store.messages.record_inbound(hello("and now?"))
    await agent_says(store, newer.id, "anything else?")
    other, _, _ = await store.messages.record_inbound(hello(chat="bob"))
    await agent_says(store, other.id, "not for alice")

    assert newer.id != thread.id
    waiting = await store.outbox.undelivered("rest", "alice")
    assert [m.text for m in waiting] == ["your refund is on its way", "anything else?"]


async def test_of_two_responses_at_once_each_waiting_message_goes_in_one(store: Database) -> None:
    thread, _, _ = await store.messages.record_inbound(hello())
    for text in ("one", "two", "three"):
        await agent_says(store, thread.id, text)

    taken = await asyncio.gather(
        *(store.outbox.take_undelivered("rest", "alice") for _ in range(4))
    )

    assert sorted(m.text for batch in taken for m in batch) == ["one", "three", "two"]
    assert await store.outbox.undelivered("rest", "alice") == []


async def test_a_page_acknowledges_only_its_own_chats_messages(store: Database) -> None:
    alice, _, _ = await store.messages.record_inbound(hello())
    bob, _, _ = await store.messages.record_inbound(hello(chat="bob"))
    to_alice = await agent_says(store, alice.id, "for alice")
    to_bob = await agent_says(store, bob.id, "for bob")

    assert await store.outbox.acknowledge("rest", "alice", [to_alice.id, to_bob.id]) == 1
    assert await store.outbox.acknowledge("rest", "alice", [to_alice.id]) == 0
    assert await store.outbox.undelivered("rest", "alice") == []
    assert [m.id for m in await store.outbox.undelivered("rest", "bob")] == [to_bob.id]


async def test_a_claim_is_taken_by_one_released_on_failure_and_lapses(store: Database) -> None:
    claim = new_claim_token()
    _, message, _ = await store.messages.record_inbound(hello(message_id="m1"), claim=(claim, 60))

    assert not await store.claims.take(message.id, new_claim_token(), 60)  # held
    await store.claims.release(message.id, "not-the-holder")
    assert not await store.claims.take(message.id, new_claim_token(), 60)
    await store.claims.release(message.id, claim)
    tokens = [new_claim_token() for _ in range(5)]
    winners = await asyncio.gather(*(store.claims.take(message.id, t, 60) for t in tokens))
    assert winners.count(True) == 1
    late = tokens[winners.index(True)]
    _, crashed, _ = await store.messages.record_inbound(hello(message_id="m2"), claim=("x", -1))
    assert await store.claims.take(crashed.id, new_claim_token(), 60)  # its lease lapsed

    assert await store.claims.complete(message, claim, [Outbound("stale")], sent=True) is None
    (answer,) = await store.claims.complete(message, late, [Outbound("hi!")], sent=True) or []
    assert (answer.text, answer.reply_to_id, answer.sent_at is not None) == (
        "hi!",
        message.id,
        True,
    )
    assert (await store.claims.state(message.id)).answered
    assert not (await store.claims.state(message.id)).free(answer.created_at)


async def test_copies_arriving_at_once_are_answered_once_and_alike(store: Database) -> None:
    once = ExactlyOnce(store, lease_seconds=30)
    runs: list[bool] = []
    release = asyncio.Event()

    async def respond(repeat: bool) -> list[Outbound]:
        runs.append(repeat)
        await release.wait()
        return [Outbound(f"answer {len(runs)}")]

    async def delivery() -> list[StoredMessage]:
        claim = new_claim_token()
        _, message, repeated = await store.messages.record_inbound(
            hello(message_id="same"), claim=(claim, once.lease_seconds)
        )
        return await once.answer(message, None if repeated else claim, respond, sent=True)

    copies = [asyncio.create_task(delivery()) for _ in range(6)]
    while not runs:
        await asyncio.sleep(0.01)  # until the first copy is being answered
    release.set()
    answers = await asyncio.gather(*copies)

    assert runs == [False]
    assert {tuple(m.id for m in answer) for answer in answers} == {(answers[0][0].id,)}


async def test_a_failed_answer_is_answered_by_the_retry_as_a_repeat(store: Database) -> None:
    once = ExactlyOnce(store, lease_seconds=30)
    claim = new_claim_token()
    _, message, _ = await store.messages.record_inbound(hello(message_id="m"), claim=(claim, 30))

    async def failing(repeat: bool) -> list[Outbound]:
        raise EngineUnavailable("no answer within 3 s")

    async def working(repeat: bool) -> list[Outbound]:
        return [Outbound(f"repeat={repeat}")]

    with pytest.raises(EngineUnavailable):
        await once.answer(message, claim, failing, sent=True)
    (answer,) = await once.answer(message, None, working, sent=True)
    assert answer.text == "repeat=True"
    assert [m.text for m in await once.answer(message, None, working, sent=True)] == ["repeat=True"]


async def test_an_attempt_whose_claim_lapsed_returns_the_answer_that_counts(
    store: Database,
) -> None:
    once = ExactlyOnce(store, lease_seconds=30)
    slow = new_claim_token()
    _, message, _ = await store.messages.record_inbound(hello(message_id="m"), claim=(slow, 0.2))
    slow_may_finish, taken_over, new_may_finish = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def too_slow(repeat: bool) -> list[Outbound]:
        await slow_may_finish.wait()
        return [Outbound("late")]

    async def taking_over(repeat: bool) -> list[Outbound]:
        taken_over.set()
        await new_may_finish.wait()
        return [Outbound(f"in time, repeat={repeat}")]

    first = asyncio.create_task(once.answer(message, slow, too_slow, sent=True))
    retry = asyncio.create_task(once.answer(message, None, taking_over, sent=True))
    await taken_over.wait()  # the first claim lapsed; the retry holds a new one
    slow_may_finish.set()
    finished, _ = await asyncio.wait({first}, timeout=1)
    assert not finished  # its answer does not count: it waits for the retry's
    new_may_finish.set()
    answers = await asyncio.gather(first, retry)

    assert [[m.text for m in answer] for answer in answers] == [["in time, repeat=True"]] * 2
    assert [m.text for m in await store.messages.replies_to(message.id)] == ["in time, repeat=True"]


async def test_what_answering_made_of_a_message_is_kept_with_the_answer_or_the_failure(
    store: Database,
) -> None:
    once = ExactlyOnce(store, lease_seconds=30)
    notes = Annotation("order_status", 0.93, 0.05)

    async def stored(message_id: int) -> StoredMessage:
        thread = await store.threads.open_thread("rest", "alice")
        assert thread is not None
        (found,) = [m for m in await store.messages.transcript(thread.id) if m.id == message_id]
        return found

    async def failing(repeat: bool) -> list[Outbound]:
        raise EngineUnavailable("no answer within 3 s")

    async def working(repeat: bool) -> list[Outbound]:
        return [Outbound("it is on its way")]

    for message_id, respond in (("ok", working), ("fails", failing)):
        claim = new_claim_token()
        _, message, _ = await store.messages.record_inbound(
            hello(message_id=message_id), claim=(claim, 30)
        )
        assert (await stored(message.id)).intent is None
        try:
            await once.answer(message, claim, respond, sent=True, annotation=lambda: notes)
        except EngineUnavailable:
            assert respond is failing
        kept = await stored(message.id)
        assert (kept.intent, kept.intent_confidence, kept.negativity) == (
            "order_status",
            0.93,
            0.05,
        )
    _, lost, _ = await store.messages.record_inbound(hello(message_id="lost"), claim=("x", 30))
    assert await store.claims.complete(lost, "not-x", [], sent=True, annotation=notes) is None
    assert (await stored(lost.id)).intent is None  # not the claim's holder: nothing written


async def test_nothing_waiting_is_taken_without_a_write(store: Database) -> None:
    thread, _, _ = await store.messages.record_inbound(hello())
    assert await store.outbox.take_undelivered("rest", "alice") == []
    waiting = await agent_says(store, thread.id, "still there?")
    assert [m.id for m in await store.outbox.take_undelivered("rest", "alice")] == [waiting.id]
    assert await store.outbox.take_undelivered("rest", "alice") == []


async def test_the_turns_reads_do_not_wait_for_a_writer(store: Database) -> None:
    thread, first, _ = await store.messages.record_inbound(hello())
    async with store.engine.begin() as writer:  # holds SQLite's write lock until the end
        await store.messages.insert_replies(writer, thread.id, [Outbound("not yet committed")])
        recent = await asyncio.wait_for(store.messages.recent_customer_messages(thread.id, 7), 3)
        waiting = await asyncio.wait_for(store.outbox.undelivered("rest", "alice"), 3)
    assert [m.id for m in recent] == [first.id]
    assert waiting == []  # the writer's reply was not committed when they read
    assert [m.text for m in await store.outbox.undelivered("rest", "alice")] == [
        "not yet committed"
    ]
