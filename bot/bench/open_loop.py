"""An open loop: messages arrive at a set rate, whether or not earlier ones are answered.

Arrivals are a Poisson process (exponential gaps), as wrk2's constant throughput
is, and each message's latency is measured from the moment it was *scheduled* to
be sent, so a server that falls behind is charged for the queue it builds
(no coordinated omission). Each arrival is the next message of a waiting
conversation: a customer writes again only once answered, and a new customer
starts a conversation when every open one is waiting for its answer.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.bench.client import Send
from bot.bench.figures import percentile


def poisson_arrivals(rate: float, seconds: float, rng: random.Random) -> list[float]:
    """Send times (s from the start) of a Poisson process of `rate` per second."""
    if rate <= 0 or seconds <= 0:
        return []
    times, now = [], rng.expovariate(rate)
    while now < seconds:
        times.append(now)
        now += rng.expovariate(rate)
    return times


class Conversations:
    """Which conversation sends the next message: the longest-waiting answered one."""

    def __init__(self, script: Sequence[str], prefix: str) -> None:
        self.script = script
        self.prefix = prefix
        self.ready: deque[tuple[str, int]] = deque()
        self.started = 0

    def next(self) -> tuple[str, int]:
        """A (sender, index into the script) whose previous message was answered."""
        if self.ready:
            return self.ready.popleft()
        self.started += 1
        return f"{self.prefix}-{self.started}", 0

    def answered(self, sender: str, index: int) -> None:
        """The message was answered (or failed): the sender may write its next one."""
        if index + 1 < len(self.script):
            self.ready.append((sender, index + 1))


@dataclass
class StepResult:
    """One step of the open loop: a rate held for a while."""

    rate: float  # offered, messages per second
    seconds: float  # how long arrivals were scheduled for
    planned: int  # messages the schedule held
    latencies_ms: list[float] = field(default_factory=list)  # answered ones
    errors: int = 0  # failed, or not answered by the end of the drain
    late: int = 0  # answered or not, over the latency target
    stopped_early: bool = False  # p99 under the target had become impossible
    wall_seconds: float = 0.0
    cpu_seconds: float = 0.0  # the server's, set by the caller

    @property
    def sent(self) -> int:
        """Messages actually sent (fewer than planned if stopped early)."""
        return len(self.latencies_ms) + self.errors

    def latency(self, q: float) -> float:
        """The q-th percentile of the answered messages' latency (nan if none)."""
        return percentile(self.latencies_ms, q) if self.latencies_ms else math.nan

    def passed(self, target_ms: float) -> bool:
        """Every planned message answered, none failed, and p99 under the target."""
        return (
            not self.stopped_early
            and self.errors == 0
            and len(self.latencies_ms) == self.planned
            and self.latency(99) < target_ms
        )

    @property
    def cpu_ms_per_message(self) -> float:
        """Server CPU per message sent."""
        return self.cpu_seconds * 1000 / self.sent if self.sent else math.nan


async def run_step(
    send: Send,
    rate: float,
    seconds: float,
    *,
    script: Sequence[str],
    prefix: str,
    target_ms: float,
    drain_seconds: float,
    seed: int = 0,
) -> StepResult:
    """Offer `rate` messages per second for `seconds`; wait at most `drain_seconds` more.

    Sending stops early once more than 1% of the schedule is over the target (answered
    late, or still unanswered past it) or a message failed: the step has failed, and
    the server gets its queue back sooner. Messages unanswered after the drain are
    cancelled and count as errors.
    """
    arrivals = poisson_arrivals(rate, seconds, random.Random(seed))
    result = StepResult(rate=rate, seconds=seconds, planned=len(arrivals))
    allowed_late = math.floor(len(arrivals) * 0.01)
    conversations = Conversations(script, prefix)
    loop = asyncio.get_running_loop()
    start = loop.time()
    in_flight: dict[asyncio.Task[None], float] = {}

    async def deliver(scheduled: float, sender: str, index: int) -> None:
        answered = await send(sender, script[index])
        latency_ms = (loop.time() - scheduled) * 1000
        if answered:
            result.latencies_ms.append(latency_ms)
        else:
            result.errors += 1
        if latency_ms > target_ms:
            result.late += 1
        conversations.answered(sender, index)

    def overdue(now: float) -> int:
        return sum(1 for scheduled in in_flight.values() if (now - scheduled) * 1000 > target_ms)

    for offset in arrivals:
        scheduled = start + offset
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if result.errors or result.late + overdue(loop.time()) > allowed_late:
            result.stopped_early = True
            break
        task = asyncio.create_task(deliver(scheduled, *conversations.next()))
        in_flight[task] = scheduled
        task.add_done_callback(in_flight.pop)
    if in_flight:
        _, pending = await asyncio.wait(list(in_flight), timeout=drain_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        result.errors += len(pending)
        result.late += len(pending)
    result.wall_seconds = loop.time() - start
    return result
