"""Agents' live events: in one process, and across workers through the real Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from handoff.events import EventBus, RedisEventBus
from tests.conftest import REDIS_URL


async def test_every_subscriber_gets_each_event() -> None:
    bus = EventBus()
    async with bus.subscribe() as first, bus.subscribe() as second:
        bus.publish("thread.escalated", thread_id=7)
        assert (
            first.get_nowait()
            == second.get_nowait()
            == {"type": "thread.escalated", "thread_id": 7}
        )


async def test_a_subscriber_that_stops_reading_does_not_block_publishing() -> None:
    bus = EventBus(queue_size=2)
    async with bus.subscribe() as slow:
        for number in range(5):
            bus.publish("tick", n=number)
        assert [slow.get_nowait()["n"] for _ in range(2)] == [0, 1]


def prefix() -> str:
    """A Redis namespace of this test's own."""
    return f"workers_test_{uuid.uuid4().hex[:8]}"


async def test_a_topic_reaches_only_its_subscribers_and_counts_them() -> None:
    bus = EventBus()
    assert await bus.send("webchat:x", {"id": 1}) == 0  # nobody listens: the caller keeps it
    async with bus.subscribe("webchat:x") as page, bus.subscribe() as console:
        assert await bus.send("webchat:x", {"id": 2}) == 1
        assert page.get_nowait() == {"id": 2} and console.empty()
    assert await bus.send("webchat:x", {"id": 3}) == 0


@pytest.mark.usefixtures("redis_available")
async def test_a_topic_crosses_workers_only_while_a_page_listens() -> None:
    namespace = prefix()
    worker_a = RedisEventBus(REDIS_URL, prefix=namespace)
    worker_b = RedisEventBus(REDIS_URL, prefix=namespace)
    await worker_a.start()
    await worker_b.start()
    try:
        assert await worker_a.send("webchat:c1", {"id": 1}) == 0
        async with worker_b.subscribe("webchat:c1") as page_on_b:
            assert await worker_a.send("webchat:c1", {"id": 2}) == 1
            assert await asyncio.wait_for(page_on_b.get(), timeout=5) == {"id": 2}
            async with worker_b.subscribe("webchat:c1") as second_page:
                assert await worker_a.send("webchat:c1", {"id": 3}) == 1  # one worker holds both
                assert await asyncio.wait_for(second_page.get(), timeout=5) == {"id": 3}
        assert await worker_a.send("webchat:c1", {"id": 4}) == 0  # closed: unsubscribed
    finally:
        await worker_a.close()
        await worker_b.close()


@pytest.mark.usefixtures("redis_available")
async def test_events_cross_workers_through_redis() -> None:
    namespace = prefix()
    worker_a = RedisEventBus(REDIS_URL, prefix=namespace)
    worker_b = RedisEventBus(REDIS_URL, prefix=namespace)
    await worker_a.start()
    await worker_b.start()
    try:
        async with worker_b.subscribe() as console_on_b:
            await asyncio.sleep(0.2)  # let both subscriptions reach Redis
            worker_a.publish("message.customer", thread_id=3, agent_id=1)
            event = await asyncio.wait_for(console_on_b.get(), timeout=5)
        assert event == {"type": "message.customer", "thread_id": 3, "agent_id": 1}
    finally:
        await worker_a.close()
        await worker_b.close()


async def test_with_redis_down_a_push_reaches_nobody_instead_of_failing() -> None:
    unreachable = RedisEventBus("redis://127.0.0.1:1/0", prefix=prefix())
    try:
        assert await unreachable.send("webchat:c2", {"id": 5}) == 0  # kept stored, sent later
    finally:
        await unreachable.close()
