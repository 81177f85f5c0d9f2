"""The store stamps rows with the clock it is given, on real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import pytest

from bot.exactly_once import new_claim_token
from bot.store import Database
from bot.store.migrate import upgrade_async
from core.actors import Presence
from core.clock import ScaledClock
from core.messages import Author, Inbound, Outbound

START = datetime(2031, 3, 4, 9, 0, tzinfo=timezone.utc)  # far from the real now


class Turned:
    """A clock the test sets."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def timed(database_url: str) -> AsyncIterator[tuple[Database, Turned]]:
    await upgrade_async(database_url)
    clock = Turned()
    opened = Database.connect(database_url, clock=clock)
    yield opened, clock
    await opened.close()


async def test_messages_threads_and_presence_carry_the_clocks_time(
    timed: tuple[Database, Turned],
) -> None:
    store, clock = timed
    inbound = Inbound(channel="rest", chat_id="ana", sender_id="ana", text="hello")
    thread, asked, _ = await store.messages.record_inbound(inbound)
    clock.now = START + timedelta(minutes=3)
    (answer,) = await store.messages.record_replies(thread.id, [Outbound("hi")], author=Author.BOT)
    assert asked.created_at == START and thread.created_at == START
    assert answer.created_at == START + timedelta(minutes=3)
    clock.now = START + timedelta(hours=2)
    await store.threads.close(thread.id)
    closed = await store.threads.thread(thread.id)
    assert closed is not None and closed.closed_at == START + timedelta(hours=2)
    (agent_id,) = (await store.agents.sync_agents(["maya"])).values()
    await store.agents.set_presence(agent_id, Presence.ONLINE)
    (row,) = await store.agents.agent_rows()
    assert row.presence is Presence.ONLINE


async def test_an_answer_claim_lasts_real_seconds_on_a_fast_clock(database_url: str) -> None:
    await upgrade_async(database_url)
    clock = ScaledClock(600, START)  # ten minutes a second
    store = Database.connect(database_url, clock=clock)
    try:
        inbound = Inbound(channel="rest", chat_id="bo", sender_id="bo", text="hello")
        token = new_claim_token()
        _, message, _ = await store.messages.record_inbound(inbound, claim=(token, 2.0))
        state = await store.claims.state(message.id)
        assert state.claimed_until is not None
        # Two real seconds are twenty clock minutes: the claim holds that long on this clock.
        assert state.claimed_until - START >= timedelta(minutes=20)
        assert not state.free(clock())
        assert await store.claims.take(message.id, new_claim_token(), 2.0) is False
    finally:
        await store.close()
