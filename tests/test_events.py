"""Agents' live events: in one process, and across workers through the real Redis."""

from __future__ import annotations

import asyncio

import pytest
import redis

from handoff.events import EventBus, RedisEventBus
from tests.conftest import IN_CI

REDIS_URL = "redis://127.0.0.1:6379/0"


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


@pytest.fixture
def redis_available() -> None:
    """Skip without Redis on a developer's machine; fail in CI, which must test it."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if IN_CI:
            pytest.fail("Redis is not reachable at 127.0.0.1:6379; CI requires it")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")


@pytest.mark.usefixtures("redis_available")
async def test_events_cross_workers_through_redis() -> None:
    worker_a, worker_b = RedisEventBus(REDIS_URL), RedisEventBus(REDIS_URL)
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
