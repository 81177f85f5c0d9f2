"""The closed loop's figures: percentiles, the median over rounds, ratios, the table."""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SYSTEMS = ("framework", "rasa")


@dataclass
class RoundResult:
    """One system's figures for one round of load."""

    system: str
    round: int
    latencies_ms: list[float]
    errors: int
    wall_seconds: float
    cpu_seconds: float = 0.0  # the server processes' CPU time during the round

    @property
    def throughput(self) -> float:
        """Answered messages per second of wall time."""
        return len(self.latencies_ms) / self.wall_seconds if self.wall_seconds > 0 else 0.0

    @property
    def cpu_ms_per_message(self) -> float:
        """Server CPU time per message sent: what the figures cost, whatever else runs."""
        sent = len(self.latencies_ms) + self.errors
        return self.cpu_seconds * 1000 / sent if sent else 0.0


@dataclass(frozen=True)
class Summary:
    """One system's figures: the median over rounds of each round's figure."""

    system: str
    p50_ms: float
    p90_ms: float
    p99_ms: float
    throughput: float
    errors: int
    messages: int
    cpu_ms: float = math.nan
    rss_mb: float | None = None


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), interpolating between ranks as numpy does."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summarise(system: str, rounds: Sequence[RoundResult]) -> Summary:
    """Median over rounds of each round's percentiles and throughput; errors summed."""
    answered = [r for r in rounds if r.latencies_ms]
    errors = sum(r.errors for r in rounds)
    messages = sum(len(r.latencies_ms) + r.errors for r in rounds)
    if not answered:
        return Summary(system, math.nan, math.nan, math.nan, 0.0, errors, messages)

    def median_percentile(q: float) -> float:
        return statistics.median(percentile(r.latencies_ms, q) for r in answered)

    return Summary(
        system,
        p50_ms=median_percentile(50),
        p90_ms=median_percentile(90),
        p99_ms=median_percentile(99),
        throughput=statistics.median(r.throughput for r in rounds),
        errors=errors,
        messages=messages,
        cpu_ms=statistics.median(r.cpu_ms_per_message for r in rounds),
    )


def ratio(numerator: float, denominator: float) -> float:
    """The quotient, or nan when the denominator is zero or not a number."""
    if denominator == 0 or math.isnan(denominator):
        return math.nan
    return numerator / denominator


def compare(framework: Summary, rasa: Summary) -> dict[str, float]:
    """The framework's figures relative to rasa's (1.10 = 10% more)."""
    return {
        "p50": ratio(framework.p50_ms, rasa.p50_ms),
        "p99": ratio(framework.p99_ms, rasa.p99_ms),
        "throughput": ratio(framework.throughput, rasa.throughput),
        "cpu": ratio(framework.cpu_ms, rasa.cpu_ms),
    }


def schedule(rounds: int) -> list[tuple[int, str]]:
    """The order of the runs: framework, rasa, framework, rasa, ..."""
    return [(number, system) for number in range(1, rounds + 1) for system in SYSTEMS]


def format_table(summaries: Sequence[Summary], ratios: Mapping[str, float]) -> str:
    """The figures as a plain-text table, then the ratios framework/rasa."""
    lines = [
        f"{'system':<10} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'msg/s':>8} "
        f"{'errors':>7} {'CPU ms/msg':>10} {'RSS MB':>7}"
    ]
    for s in summaries:
        rss = f"{s.rss_mb:.0f}" if s.rss_mb is not None else "-"
        lines.append(
            f"{s.system:<10} {s.p50_ms:>8.1f} {s.p90_ms:>8.1f} {s.p99_ms:>8.1f} "
            f"{s.throughput:>8.1f} {s.errors:>7d} {s.cpu_ms:>10.1f} {rss:>7}"
        )
    lines.append(f"framework/rasa: {format_ratios(ratios)}")
    return "\n".join(lines)


def format_ratios(ratios: Mapping[str, float]) -> str:
    """`name 1.10x, other 0.90x`."""
    return ", ".join(f"{name} {value:.2f}x" for name, value in ratios.items())
