"""Time, as the core sees it: an injectable clock that returns aware UTC datetimes.

Everything that stamps a row or waits for a moment of the day takes a `Clock`
(built once at the composition root): `utcnow` for real time, a `ScaledClock` for a
simulation, where time starts at the real now and runs `factor` times faster.
Waits that guard real I/O (database and HTTP timeouts, the engine's limits) stay
in real seconds; `real_seconds` and `clock_seconds` convert a span between the two.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


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
        return self.start + timedelta(seconds=(self._monotonic() - self._began) * self.factor)

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
