"""Customers' profiles on real SQLite and PostgreSQL: names, contacts, orders, upgrades."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import sqlalchemy as sa

from bot.store import Database
from bot.store.database import create_engine
from bot.store.migrate import upgrade_async
from bot.store.threads import close_thread
from core.clock import utcnow
from core.customers import Contact
from core.messages import Inbound


def telegram(text: str, *, name: str = "Jane Doe", handle: str | None = "jane_doe") -> Inbound:
    return Inbound(
        channel="telegram", chat_id="42", sender_id="42", text=text,
        sender_name=name, sender_handle=handle,
    )  # fmt: skip


async def test_the_channels_name_and_handle_are_kept_and_follow_a_rename(store: Database) -> None:
    thread, _, _ = await store.messages.record_inbound(telegram("hi"))
    profile = await store.customers.profile(thread.customer_id)
    assert profile is not None
    assert (profile.name, profile.username, profile.threads) == ("Jane Doe", "jane_doe", 1)

    await store.messages.record_inbound(telegram("me again", name="Jane Smith", handle="janes"))
    await store.messages.record_inbound(telegram("no handle now", name="Jane Smith", handle=None))
    renamed = await store.customers.profile(thread.customer_id)
    assert renamed is not None
    assert (renamed.name, renamed.username) == ("Jane Smith", "janes")  # a missing one is kept


async def test_orders_are_kept_once_latest_first(store: Database) -> None:
    thread, _, _ = await store.messages.record_inbound(telegram("hi"))
    customers = store.customers
    await customers.note_orders(thread.customer_id, thread.id, ["FH-10234", "FH-10488"])
    await customers.note_orders(thread.customer_id, thread.id, [])
    await customers.note_orders(thread.customer_id, thread.id, ["FH-10512"])
    await customers.note_orders(thread.customer_id, thread.id, ["FH-10234"])  # again: latest
    profile = await customers.profile(thread.customer_id)
    assert profile is not None
    assert profile.orders[0] == "FH-10234" and set(profile.orders) == {
        "FH-10234", "FH-10488", "FH-10512"
    }  # fmt: skip


async def test_the_same_order_mentioned_at_once_twice_is_kept_once(store: Database) -> None:
    thread, _, _ = await store.messages.record_inbound(telegram("hi"))
    note = store.customers.note_orders
    await asyncio.gather(*(note(thread.customer_id, thread.id, ["FH-11020"]) for _ in range(6)))
    profile = await store.customers.profile(thread.customer_id)
    assert profile is not None and profile.orders == ("FH-11020",)


async def test_a_contact_left_and_a_typed_name(store: Database) -> None:
    inbound = Inbound(channel="webchat", chat_id="c" * 20, sender_id="c" * 20, text="help")
    thread, _, _ = await store.messages.record_inbound(inbound)
    customers = store.customers
    left = await customers.leave_contact(
        thread.customer_id, contact=Contact("email", "jane@example.com"), name="Jane"
    )
    assert left is not None and (left.name, left.email, left.telegram) == (
        "Jane", "jane@example.com", None
    )  # fmt: skip
    assert left.contact_left_at is not None and left.contact_left_at.tzinfo is not None
    both = await customers.leave_contact(
        thread.customer_id, contact=Contact("telegram", "@jane_doe")
    )
    assert both is not None and (both.name, both.email, both.telegram) == (
        "Jane", "jane@example.com", "@jane_doe"
    )  # fmt: skip
    assert await customers.leave_contact(10_000, name="Nobody") is None


async def test_profiles_of_a_queue_count_each_customers_threads(store: Database) -> None:
    first, _, _ = await store.messages.record_inbound(telegram("hi"))
    async with store.engine.begin() as conn:
        await close_thread(conn, first.id, utcnow())
    second, _, _ = await store.messages.record_inbound(telegram("hi again"))
    other, _, _ = await store.messages.record_inbound(
        Inbound(channel="rest", chat_id="bob", sender_id="bob", text="hello")
    )
    profiles = await store.customers.profiles([second.customer_id, other.customer_id, 999])
    assert second.id != first.id and second.customer_id == first.customer_id
    assert {key: p.threads for key, p in profiles.items()} == {
        first.customer_id: 2, other.customer_id: 1
    }  # fmt: skip
    assert await store.customers.profiles([]) == {}


async def test_the_upgrade_to_profiles_keeps_the_customers(database_url: str) -> None:
    await upgrade_async(database_url, "0005")
    engine = create_engine(database_url)
    async with engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO customers (id, channel, external_id, display_name, created_at)"
                " VALUES (7, 'telegram', '42', 'Jane', :now)"
            ),
            {"now": datetime(2026, 1, 1, 10, tzinfo=timezone.utc)},
        )
    await engine.dispose()
    await upgrade_async(database_url)
    store = Database.connect(database_url)
    try:
        profile = await store.customers.profile(7)
        assert profile is not None
        assert (profile.name, profile.username, profile.email, profile.orders) == (
            "Jane", None, None, ()
        )  # fmt: skip
    finally:
        await store.close()
