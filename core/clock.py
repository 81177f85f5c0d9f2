"""Time, as the core sees it: an injectable clock that returns aware UTC datetimes.

Everything that stamps a row or waits for a moment of the day takes a `Clock`
(built once at the composition root): `utcnow` for real time, a `ScaledClock` for a
simulation, where time starts at the real now and runs `factor` times faster.
Waits that guard real I/O (database and HTTP timeouts, the engine's limits) stay
in real seconds; `real_seconds` and `clock_seconds` convert a span between the two.

A simulation speeds up waiting (customers', agents', timers'), not the server's work:
inside `working()` (the pipeline answering one message) a scaled clock runs at real
speed from the moment the work began, so a bot answer that takes 80 ms reads as 80 ms,
not as 80 ms times the factor. Outside it, the clock is where the factor puts it (never
behind what the work stamped, as the factor is above 1).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


@dataclass
class _Work:
    """A piece of the server's work under way: when it began, in real seconds."""

    began: float
    done: bool = False


_work: ContextVar[_Work | None] = ContextVar("clock_work", default=None)


@contextmanager
def working(monotonic: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Within this block (and tasks it starts, until it ends) a scaled clock runs at real speed."""
    work = _Work(monotonic())
    token = _work.set(work)
    try:
        yield
    finally:
        work.done = True
        _work.reset(token)


class ScaledClock:
    """A clock that starts at the real now and runs `factor` times faster.

    Args:
        factor: Clock seconds per real second (above 0; 1 is real time).
        start: The clock's time when it begins (the real now if not given).
        monotonic: The real seconds it counts (`time.monotonic`; tests pass their own).
        running: Whether it runs from creation; if not, it reads `start` until `begin`
            (a server's clock begins once it serves, so a slow start-up costs no time).
    """

    def __init__(
        self,
        factor: float,
        start: datetime | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        *,
        running: bool = True,
    ) -> None:
        if not factor > 0:
            raise ValueError(f"a clock's factor must be above 0, not {factor}")
        self.factor = float(factor)
        self.start = start or utcnow()
        self._monotonic = monotonic
        self._began: float | None = monotonic() if running else None

    def begin(self) -> None:
        """Start running from `start`, now (once: a running clock is left alone)."""
        if self._began is None:
            self._began = self._monotonic()

    def __call__(self) -> datetime:
        """The clock's time now."""
        if self._began is None:
            return self.start
        now = self._monotonic()
        scaled = self._at(now)
        work = _work.get()
        if work is None or work.done or self.factor <= 1:
            return scaled
        return min(scaled, self._at(work.began) + timedelta(seconds=now - work.began))

    def _at(self, real: float) -> datetime:
        began = self._began if self._began is not None else real
        return self.start + timedelta(seconds=max(0.0, real - began) * self.factor)

    def __repr__(self) -> str:
        return f"ScaledClock(factor={self.factor:g}, start={self.start.isoformat()})"


def clock_factor(clock: Clock) -> float:
    """How many clock seconds pass per real second (1 for any clock but a scaled one)."""
    return clock.factor if isinstance(clock, ScaledClock) else 1.0


def real_seconds(clock: Clock, seconds: float) -> float:
    """The real seconds in which `seconds` of this clock pass (to sleep for them)."""
    return seconds / clock_factor(clock)


def clock_seconds(clock: Clock, seconds: float) -> float:
    """The clock seconds that pass in `seconds` of real time (a real limit as a span)."""
    return seconds * clock_factor(clock)
