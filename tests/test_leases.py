"""Timed jobs run once per tick across workers: leases on the real Redis."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime

import pytest
import redis

from bot.leases import LocalLeases, RedisLeases
from bot.runtime import every
from core.clock import ScaledClock
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.usefixtures("redis_available")
SECONDS = 0.25


async def test_one_of_two_workers_gets_each_tick() -> None:
    prefix = f"workers_test_{uuid.uuid4().hex[:8]}"
    first, second = RedisLeases(REDIS_URL, prefix), RedisLeases(REDIS_URL, prefix)
    try:
        assert await first.claim("sla", 41, 15) is True
        assert await second.claim("sla", 41, 15) is False
        assert await first.claim("sla", 41, 15) is False  # a tick is run once, even by its holder
        assert await second.claim("sla", 42, 15) is True
        assert await second.claim("presence", 41, 15) is True  # each job has its own leases
        # A tick's key outlives its tick (a late clock cannot run it again): a minute, or
        # two periods if longer.
        ttl = redis.Redis.from_url(REDIS_URL).pttl
        assert 59_000 < ttl(f"{prefix}:lease:sla:41") <= 60_000
        assert await first.claim("nightly", 1, 3600) is True
        assert 7_199_000 < ttl(f"{prefix}:lease:nightly:1") <= 7_200_000
    finally:
        await first.close()
        await second.close()


class Worker(RedisLeases):
    """A worker's leases that remember the ticks it won."""

    def __init__(self, prefix: str) -> None:
        super().__init__(REDIS_URL, prefix)
        self.won: list[int] = []

    async def claim(self, job: str, tick: int, seconds: float) -> bool:
        won = await super().claim(job, tick, seconds)
        if won:
            self.won.append(tick)
        return won


async def test_two_workers_timers_run_each_tick_once() -> None:
    prefix = f"workers_test_{uuid.uuid4().hex[:8]}"
    runs: list[str] = []
    workers = {name: Worker(prefix) for name in ("a", "b")}

    def job_of(worker: str) -> Callable[[], Awaitable[None]]:
        async def check() -> None:
            runs.append(worker)

        return check

    timers = [
        asyncio.create_task(every(SECONDS, job_of(name), leases, name="sla"))
        for name, leases in workers.items()
    ]
    try:
        while len(runs) < 8:
            await asyncio.sleep(SECONDS / 4)
    finally:
        for timer in timers:
            timer.cancel()
        for leases in workers.values():
            await leases.close()
    ticks = workers["a"].won + workers["b"].won
    assert len(runs) in (len(ticks), len(ticks) - 1)  # the last may be cancelled mid-run
    assert len(ticks) == len(set(ticks))  # never two runs in one tick
    assert max(ticks) - min(ticks) + 1 == len(ticks)  # and no tick without a run


async def test_one_process_without_redis_runs_every_tick() -> None:
    runs: list[int] = []

    async def check() -> None:
        runs.append(1)

    timers = [asyncio.create_task(every(0.05, check, LocalLeases())) for _ in range(2)]
    while len(runs) < 6:
        await asyncio.sleep(0.01)
    for timer in timers:
        timer.cancel()
    assert len(runs) >= 6  # both timers run: nothing is leased on one process


class CountedLeases(LocalLeases):
    """One process's leases, remembering the ticks that were claimed."""

    def __init__(self) -> None:
        self.ticks: list[int] = []

    async def claim(self, job: str, tick: int, seconds: float) -> bool:
        self.ticks.append(tick)
        return True


async def test_timers_follow_a_scaled_clock() -> None:
    runs: list[datetime] = []
    clock = ScaledClock(100)  # a tick of 5 clock seconds comes every 0.05 s
    leases = CountedLeases()

    async def check() -> None:
        runs.append(clock())

    timer = asyncio.create_task(every(5, check, leases, "sla", clock))
    began = time.monotonic()
    while len(runs) < 6 and time.monotonic() - began < 5:
        await asyncio.sleep(0.01)
    timer.cancel()
    assert len(runs) >= 6
    assert time.monotonic() - began < 3  # at real time, six ticks would take 30 s
    # One run per tick of 5 clock seconds, each once, none before its time (a sleep may
    # end a hair early: 1 ms of real time is 0.1 s of this clock).
    assert leases.ticks == sorted(set(leases.ticks)) and len(leases.ticks) == len(runs)
    for tick, run in zip(leases.ticks, runs, strict=True):
        assert run.timestamp() >= tick * 5 - 0.5
