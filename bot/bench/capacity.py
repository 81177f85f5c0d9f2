"""Capacity at the latency target: the highest rate whose step passes.

The search doubles the rate from a start until a step fails (or halves it until
one passes), then bisects the bracket in log space until the lowest failing rate
is within `precision` of the highest passing one. Each system has its own search;
the driver alternates their steps, so that whatever else loads the machine loads
both alike, and stops each search when its time budget is spent.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.bench.open_loop import StepResult


@dataclass
class CapacitySearch:
    """Where to measure next, given which rates passed and which failed."""

    start_rate: float = 4.0
    min_rate: float = 0.5
    max_rate: float = 1000.0
    precision: float = 0.1  # stop when lowest failing / highest passing <= 1 + precision
    passing: float = 0.0  # the highest rate that passed
    failing: float = math.inf  # the lowest rate that failed

    def next_rate(self) -> float | None:
        """The rate to try next, or None when the search is over."""
        if self.passing == 0 and self.failing == math.inf:
            return self.start_rate
        if self.failing == math.inf:  # everything passed: ramp up
            return None if self.passing >= self.max_rate else min(self.passing * 2, self.max_rate)
        if self.passing == 0:  # everything failed: ramp down
            lower = self.failing / 2
            return None if lower < self.min_rate else lower
        if self.failing <= self.passing * (1 + self.precision):
            return None
        return math.sqrt(self.passing * self.failing)

    def record(self, rate: float, passed: bool) -> None:
        """Take a step's outcome into account."""
        if passed:
            self.passing = max(self.passing, rate)
            if self.failing <= rate:  # an unlucky earlier step: look higher again
                self.failing = math.inf
        else:
            self.failing = min(self.failing, rate)
            if self.passing >= rate:  # likewise: trust the newer step
                self.passing = 0.0

    @property
    def capacity(self) -> float:
        """The highest rate that passed (0 if none did)."""
        return self.passing


@dataclass
class CapacityResult:
    """One system's search: its capacity and every step it took."""

    system: str
    capacity: float
    bracket: tuple[float, float]  # highest passing, lowest failing (inf if none failed)
    steps: list[StepResult] = field(default_factory=list)
    reason: str = ""  # why it stopped: converged, budget, limit

    def best_step(self, target_ms: float) -> StepResult | None:
        """The step at the capacity (the highest-rate step that passed)."""
        passed = [s for s in self.steps if s.passed(target_ms)]
        return max(passed, key=lambda s: s.rate) if passed else None


Measure = Callable[[str, float, int], Awaitable[StepResult]]  # system, rate, step number
Progress = Callable[[str, StepResult], object]


async def find_capacities(
    systems: Sequence[str],
    measure: Measure,
    *,
    target_ms: float,
    budget_seconds: float,
    searches: Mapping[str, CapacitySearch] | None = None,
    on_step: Progress = lambda system, step: None,
    step_seconds: Callable[[float], float] = lambda rate: 0.0,
) -> dict[str, CapacityResult]:
    """Search every system's capacity, alternating their steps.

    Args:
        systems: The systems' names, in the order their steps alternate.
        measure: Runs one step of a system at a rate and returns its figures.
        target_ms: A step passes when its p99 is under this (and nothing failed).
        budget_seconds: Each system's search stops once it has used this much time.
        searches: Each system's search settings (the defaults otherwise).
        on_step: Called after every step.
        step_seconds: How long a step at a rate will schedule arrivals for: a search
            stops rather than start a step that would overrun its budget.
    """
    state = {name: (searches or {}).get(name) or CapacitySearch() for name in systems}
    used = dict.fromkeys(systems, 0.0)
    results = {name: CapacityResult(name, 0.0, (0.0, math.inf)) for name in systems}
    active = list(systems)
    number = 0
    while active:
        for name in list(active):
            search, result = state[name], results[name]
            rate = search.next_rate()
            overrun = max((s.wall_seconds - s.seconds for s in result.steps), default=0.0)
            expected = step_seconds(rate) + overrun if rate is not None else 0.0
            if rate is None or used[name] + expected > budget_seconds:
                result.reason = "budget" if rate is not None else _why_over(search)
                active.remove(name)
                continue
            number += 1
            began = time.monotonic()
            step = await measure(name, rate, number)
            used[name] += time.monotonic() - began
            search.record(rate, step.passed(target_ms))
            result.steps.append(step)
            result.capacity = search.capacity
            result.bracket = (search.passing, search.failing)
            on_step(name, step)
    return results


def _why_over(search: CapacitySearch) -> str:
    if search.failing == math.inf:
        return f"passed up to --max-rate {search.max_rate:g}"
    if search.passing == 0:
        return f"failed down to {search.min_rate:g} msg/s"
    return "converged"
