"""The injectable clock: real time, and a scaled clock for simulations."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from core.clock import (
    ScaledClock,
    clock_factor,
    clock_seconds,
    real_seconds,
    utcnow,
    working,
)

START = datetime(2024, 5, 6, 9, 0, tzinfo=timezone.utc)


class Seconds:
    """A monotonic counter the test turns."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_scaled_clock_starts_at_its_start_and_runs_factor_times_faster() -> None:
    seconds = Seconds()
    clock = ScaledClock(60, START, monotonic=seconds)
    assert clock() == START
    seconds.now += 1.5
    assert clock() == START + timedelta(seconds=90)
    seconds.now += 60
    assert clock() == START + timedelta(seconds=90 + 3600)


def test_a_scaled_clock_without_a_start_starts_at_the_real_now() -> None:
    before = utcnow()
    clock = ScaledClock(10)
    assert before <= clock() <= utcnow() + timedelta(seconds=1)
    assert clock().tzinfo is not None


@pytest.mark.parametrize("factor", [0, -2])
def test_a_factor_must_be_above_zero(factor: float) -> None:
    with pytest.raises(ValueError, match="above 0"):
        ScaledClock(factor)


def test_spans_convert_between_the_clock_and_real_time() -> None:
    fast = ScaledClock(60, START)
    assert clock_factor(fast) == 60
    assert real_seconds(fast, 300) == 5  # five clock minutes pass in five real seconds
    assert clock_seconds(fast, 2) == 120  # a 2 s real limit spans two clock minutes
    assert clock_factor(utcnow) == 1
    assert real_seconds(utcnow, 300) == 300
    assert clock_seconds(lambda: START, 7) == 7  # any other clock is taken as real time


def test_a_held_clock_reads_its_start_until_it_begins() -> None:
    seconds = Seconds()
    clock = ScaledClock(60, START, monotonic=seconds, running=False)
    seconds.now += 30  # a slow start-up
    assert clock() == START
    clock.begin()
    seconds.now += 2
    assert clock() == START + timedelta(minutes=2)
    clock.begin()  # once only
    assert clock() == START + timedelta(minutes=2)


def test_the_servers_work_runs_at_real_speed_on_a_scaled_clock() -> None:
    seconds = Seconds()
    clock = ScaledClock(60, START, monotonic=seconds)
    seconds.now += 10  # ten real seconds of waiting: ten clock minutes
    with working(seconds):
        asked = clock()
        seconds.now += 0.25  # the bot answers in a quarter of a second
        answered = clock()
    assert asked == START + timedelta(minutes=10)
    assert answered - asked == timedelta(seconds=0.25)
    # After the work, the clock is where the factor puts it (ahead of what the work stamped).
    assert clock() == START + timedelta(seconds=(10 + 0.25) * 60)
    assert clock() > answered


async def test_a_task_started_during_the_work_runs_fast_again_once_the_work_is_done() -> None:
    seconds = Seconds()
    clock = ScaledClock(60, START, monotonic=seconds)
    release = asyncio.Event()

    async def later() -> datetime:
        await release.wait()
        return clock()

    with working(seconds):
        task = asyncio.create_task(later())  # inherits the work's context
    seconds.now += 2
    release.set()
    assert await task == START + timedelta(minutes=2)


def test_work_changes_nothing_on_a_real_or_a_slow_clock() -> None:
    seconds = Seconds()
    slow = ScaledClock(0.5, START, monotonic=seconds)
    with working(seconds):
        seconds.now += 4
        assert slow() == START + timedelta(seconds=2)
        assert abs(utcnow() - datetime.now(timezone.utc)) < timedelta(seconds=1)
