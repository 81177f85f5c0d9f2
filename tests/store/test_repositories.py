"""The store on real SQLite and PostgreSQL: threads, messages, repeats, races, upgrades."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from bot.store import Database
from bot.store.database import create_engine
from bot.store.migrate import head_revision, upgrade_async
from bot.store.schema import customers, messages, threads
from core.messages import Author, Inbound, Outbound


def hello(text: str = "hello", message_id: str | None = None, chat: str = "alice") -> Inbound:
    return Inbound(channel="rest", chat_id=chat, sender_id=chat, text=text, message_id=message_id)


async def test_first_message_opens_a_thread_for_a_new_customer(store: Database) -> None:
    thread, message, repeated = await store.messages.record_inbound(hello())

    assert not repeated
    assert (thread.channel, thread.chat_id, thread.state) == ("rest", "alice", "bot")
    assert message.author is Author.CUSTOMER and message.text == "hello"
    assert await store.messages.count(customers) == 1
    assert await store.messages.count(threads) == 1


async def test_later_messages_join_the_open_thread(store: Database) -> None:
    first, _, _ = await store.messages.record_inbound(hello("hi"))
    second, _, _ = await store.messages.record_inbound(hello("still there?"))
    other, _, _ = await store.messages.record_inbound(hello("hi", chat="bob"))

    assert first.id == second.id != other.id
    assert [m.text for m in await store.messages.transcript(first.id)] == ["hi", "still there?"]


async def test_a_repeated_delivery_is_stored_once(store: Database) -> None:
    _, original, _ = await store.messages.record_inbound(hello(message_id="m-1"))
    _, again, repeated = await store.messages.record_inbound(hello(message_id="m-1"))

    assert repeated and again.id == original.id
    assert await store.messages.count(messages) == 1


async def test_concurrent_repeats_and_first_messages_do_not_duplicate(store: Database) -> None:
    results = await asyncio.gather(
        *(store.messages.record_inbound(hello(message_id="same")) for _ in range(8)),
        *(store.messages.record_inbound(hello(f"n{i}", chat="carol")) for i in range(8)),
    )

    repeats = [repeated for _, _, repeated in results[:8]]
    assert repeats.count(False) == 1
    assert len({thread.id for thread, _, _ in results[8:]}) == 1
    assert await store.messages.count(messages) == 1 + 8
    assert await store.messages.count(customers) == 2


async def test_replies_are_linked_to_the_message_they_answer(store: Database) -> None:
    thread, question, _ = await store.messages.record_inbound(hello())
    stored = await store.messages.record_replies(
        thread.id,
        [Outbound("Hi there!"), Outbound("Pick one", {"buttons": [{"title": "A"}]})],
        reply_to_id=question.id,
        sent=True,
    )

    replies = await store.messages.replies_to(question.id)
    assert [r.id for r in replies] == [s.id for s in stored]
    assert replies[1].payload == {"buttons": [{"title": "A"}]}
    assert all(r.author is Author.BOT and r.sent_at is not None for r in replies)


async def test_unsent_replies_are_marked_when_delivered(store: Database) -> None:
    thread, question, _ = await store.messages.record_inbound(hello())
    (reply,) = await store.messages.record_replies(
        thread.id, [Outbound("later")], reply_to_id=question.id
    )
    assert reply.sent_at is None

    await store.messages.mark_sent(reply.id, channel_message_id="tg-77")

    (delivered,) = await store.messages.replies_to(question.id)
    assert delivered.sent_at is not None


async def test_transcript_after_an_id(store: Database) -> None:
    thread, first, _ = await store.messages.record_inbound(hello("one"))
    await store.messages.record_inbound(hello("two"))
    assert [m.text for m in await store.messages.transcript(thread.id, after_id=first.id)] == [
        "two"
    ]


async def test_upgrading_from_the_first_schema_keeps_the_data(database_url: str) -> None:
    await upgrade_async(database_url, "0001")
    engine = create_engine(database_url)
    async with engine.begin() as conn:  # rows as the first schema's code wrote them
        await conn.execute(
            sa.text(
                "INSERT INTO customers (id, channel, external_id, created_at)"
                " VALUES (7, 'rest', 'alice', :now)"
            ),
            {"now": datetime(2026, 1, 1, 10, tzinfo=timezone.utc)},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO threads (id, customer_id, channel, chat_id, state, created_at,"
                " updated_at) VALUES (3, 7, 'rest', 'alice', 'bot', :now, :now)"
            ),
            {"now": datetime(2026, 1, 1, 10, tzinfo=timezone.utc)},
        )
        await conn.execute(
            sa.text(
                "INSERT INTO messages (thread_id, author, text, created_at)"
                " VALUES (3, 'customer', 'from before the upgrade', :now)"
            ),
            {"now": datetime(2026, 1, 1, 10, tzinfo=timezone.utc)},
        )
    await engine.dispose()

    await upgrade_async(database_url)
    await upgrade_async(database_url)  # a second run is a no-op

    engine = create_engine(database_url)
    async with engine.connect() as conn:
        texts = (await conn.execute(sa.select(messages.c.text))).scalars().all()
        row = (await conn.execute(sa.select(threads))).mappings().one()
        version = (await conn.execute(sa.text("SELECT version_num FROM alembic_version"))).scalar()
    await engine.dispose()
    assert texts == ["from before the upgrade"]
    assert (row["id"], row["state"], row["public"], row["agent_id"]) == (3, "bot", False, None)
    assert version == head_revision()


async def test_a_sqlite_file_in_a_missing_folder_is_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'new' / 'bot.db'}"
    await upgrade_async(url)  # a fresh clone has no var/ folder
    store = Database.connect(url)
    try:
        assert await store.messages.count(messages) == 0
    finally:
        await store.close()
