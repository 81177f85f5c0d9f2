"""How a message's cost grows: with its conversation, the open conversations, the store.

A message's cost is its latency on an otherwise idle server, one message at a
time, and the server's CPU time per message (from /proc, over a window of
messages: the kernel counts CPU in ticks of 10 ms).
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bot.bench.client import Chat
from bot.bench.figures import ratio
from bot.bench.systems import SCRIPT, Server


@dataclass(frozen=True)
class Cost:
    """What a message costs: median latency (ms) and server CPU (ms) per message."""

    latency_ms: float
    cpu_ms: float
    messages: int
    errors: int = 0


async def one_at_a_time(
    chat: Chat, server: Server, messages: Sequence[tuple[str, str]]
) -> tuple[Cost, list[float]]:
    """Send (sender, text) pairs one after another; their cost and each latency."""
    latencies: list[float] = []
    errors = 0
    before = server.cpu_seconds()
    for sender, text in messages:
        started = time.perf_counter()
        if await chat.send(sender, text):
            latencies.append((time.perf_counter() - started) * 1000)
        else:
            errors += 1
    cpu_ms = (server.cpu_seconds() - before) * 1000 / max(len(messages), 1)
    median = statistics.median(latencies) if latencies else math.nan
    return Cost(median, cpu_ms, len(messages), errors), latencies


async def probe(chat: Chat, server: Server, prefix: str, conversations: int = 5) -> Cost:
    """The cost of `conversations` fresh scripted conversations, one message at a time."""
    messages = [(f"{prefix}-{i}", text) for i in range(conversations) for text in SCRIPT]
    return (await one_at_a_time(chat, server, messages))[0]


@dataclass
class ThreadGrowth:
    """The first messages of one long conversation against its last ones."""

    first: Cost
    last: Cost
    length: int
    window: int
    latencies_ms: list[float] = field(default_factory=list)


def whole_windows(length: int) -> int:
    """`length` rounded up to whole windows of two scripts (at least two windows)."""
    window = 2 * len(SCRIPT)
    return max(2, math.ceil(length / window)) * window


async def long_thread(
    chat: Chat,
    server: Server,
    sender: str,
    length: int = 200,
    tick: Callable[[int], object] = lambda n: None,
) -> ThreadGrowth:
    """One conversation of the script over and over, at least `length` messages long.

    It is measured in windows of two scripts' worth of messages, so that the first
    and the last window hold the same messages; the length is rounded up to whole
    windows (200 becomes 204).
    """
    window = 2 * len(SCRIPT)
    length = whole_windows(length)
    texts = [SCRIPT[i % len(SCRIPT)] for i in range(length)]
    costs, latencies = [], []
    for begin in range(0, length, window):
        chunk = [(sender, text) for text in texts[begin : begin + window]]
        cost, chunk_latencies = await one_at_a_time(chat, server, chunk)
        costs.append(cost)
        latencies += chunk_latencies
        tick(len(chunk))
    return ThreadGrowth(costs[0], costs[-1], length, window, latencies)


async def open_conversations(
    chat: Chat,
    prefix: str,
    count: int,
    concurrency: int = 8,
    tick: Callable[[int], object] = lambda n: None,
) -> int:
    """Start `count` conversations (one greeting each), `concurrency` at a time; errors."""
    queue = iter(range(count))
    failed = 0

    async def worker() -> None:
        nonlocal failed
        for n in queue:
            if not await chat.send(f"{prefix}-{n}", SCRIPT[0]):
                failed += 1
            tick(1)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return failed


@dataclass
class Growth:
    """One system's growth figures."""

    system: str
    thread: ThreadGrowth
    base: Cost  # fresh conversations on a fresh server
    crowded: Cost  # the same, with `open_conversations` more conversations open
    full: Cost | None  # the same, with `stored` more messages in the store(s)
    open_conversations: int
    stored: int

    def ratios(self) -> dict[str, tuple[float, float]]:
        """(latency, CPU) ratios: later message / first, crowded / base, full / crowded."""
        t = self.thread
        pairs = {
            f"messages {t.length - t.window + 1}-{t.length} / 1-{t.window}": (t.last, t.first),
            f"+{self.open_conversations} open conversations": (self.crowded, self.base),
        }
        if self.full is not None:
            pairs[f"+{self.stored:,} stored messages"] = (self.full, self.crowded)
        return {
            name: (ratio(a.latency_ms, b.latency_ms), ratio(a.cpu_ms, b.cpu_ms))
            for name, (a, b) in pairs.items()
        }


def format_growth(growths: Sequence[Growth]) -> str:
    """A table: each system's costs, then each growth ratio (latency, CPU)."""
    lines = [f"{'system':<10} {'case':<34} {'latency ms':>10} {'CPU ms/msg':>10} {'errors':>6}"]
    for g in growths:
        t = g.thread
        cases = [
            (f"messages 1-{t.window} of a thread", t.first),
            (f"messages {t.length - t.window + 1}-{t.length} of it", t.last),
            ("fresh conversations", g.base),
            (f"after {g.open_conversations} more opened", g.crowded),
        ]
        if g.full is not None:
            cases.append((f"after {g.stored:,} more stored", g.full))
        for name, cost in cases:
            lines.append(
                f"{g.system:<10} {name:<34} {cost.latency_ms:>10.1f} {cost.cpu_ms:>10.1f} "
                f"{cost.errors:>6d}"
            )
    lines.append("growth (latency, CPU):")
    for g in growths:
        shown = "; ".join(
            f"{name} {latency:.2f}x, {cpu:.2f}x" for name, (latency, cpu) in g.ratios().items()
        )
        lines.append(f"  {g.system}: {shown}")
    return "\n".join(lines)
