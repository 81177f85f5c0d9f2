"""Where one message's time goes: named durations, sent back as a W3C `Server-Timing` header.

A channel starts a recorder for each request (`start`); the pipeline, the engine
and the encoder add to it (`stage`, `record`) wherever they run, since the
recorder travels in a context variable: into `asyncio.to_thread`, and into the
engine's own loop (`asyncio.run_coroutine_threadsafe` copies the caller's context).
Outside a request nothing is recorded and `stage` costs one lookup.

    >>> timings = start()
    >>> record("store.inbound", 1.25)
    >>> record("store.inbound", 0.5)
    >>> timings.header()
    'store.inbound;dur=1.75'
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class Timings:
    """Milliseconds per stage name, in the order the stages were first met."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = {}

    def add(self, name: str, ms: float) -> None:
        """Add `ms` to the stage `name` (a stage met twice counts both times)."""
        self.ms[name] = self.ms.get(name, 0.0) + max(ms, 0.0)

    def header(self) -> str:
        """The `Server-Timing` header's value: `name;dur=ms` for each stage."""
        return ", ".join(f"{name};dur={ms:.2f}" for name, ms in self.ms.items())


_current: ContextVar[Timings | None] = ContextVar("timings", default=None)


def start() -> Timings:
    """A new recorder for the current request (and the work it starts)."""
    timings = Timings()
    _current.set(timings)
    return timings


def current() -> Timings | None:
    """The current request's recorder, if a channel started one."""
    return _current.get()


def record(name: str, ms: float) -> None:
    """Add a duration measured elsewhere to the current request's stage `name`."""
    timings = _current.get()
    if timings is not None:
        timings.add(name, ms)


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the block as (part of) stage `name` of the current request."""
    timings = _current.get()
    if timings is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        timings.add(name, (time.perf_counter() - started) * 1000)
