"""The bench's outputs: the capacity table, the JSON of every figure, the charts."""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bot.bench.capacity import CapacityResult
from bot.bench.figures import SYSTEMS, RoundResult, ratio
from bot.bench.growth import Growth
from bot.bench.open_loop import StepResult


def format_capacity(results: Mapping[str, CapacityResult], target_ms: float) -> str:
    """Each system's capacity and its figures at it, then the ratio framework/rasa."""
    lines = [
        f"{'system':<10} {'capacity msg/s':>14} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'CPU ms/msg':>10} {'steps':>5}  bracket, stop"
    ]
    for name, result in results.items():
        best = result.best_step(target_ms)
        p50, p99, cpu = (
            (best.latency(50), best.latency(99), best.cpu_ms_per_message)
            if best
            else (math.nan,) * 3
        )
        low, high = result.bracket
        lines.append(
            f"{name:<10} {result.capacity:>14.1f} {p50:>8.1f} {p99:>8.1f} {cpu:>10.1f} "
            f"{len(result.steps):>5}  [{low:.1f}, {high:.1f}), {result.reason}"
        )
    if {"framework", "rasa"} <= results.keys():
        lines.append(f"framework/rasa: capacity {capacity_ratio(results)}")
    return "\n".join(lines)


def capacity_ratio(results: Mapping[str, CapacityResult]) -> str:
    """`1.50x`, or a bound when a system passed no step (its capacity is under a rate)."""
    framework, rasa = results["framework"], results["rasa"]
    if rasa.capacity > 0:
        return f"{ratio(framework.capacity, rasa.capacity):.2f}x"
    if framework.capacity > 0 and math.isfinite(rasa.bracket[1]):
        bound = framework.capacity / rasa.bracket[1]
        return f"> {bound:.2f}x (rasa passed no step, down to {rasa.bracket[1]:g} msg/s)"
    return "unknown (no step passed)"


def step_document(step: StepResult, target_ms: float) -> dict[str, Any]:
    """A step's figures for the JSON (latencies summarised, not listed)."""
    return {
        "rate": step.rate,
        "seconds": step.seconds,
        "planned": step.planned,
        "sent": step.sent,
        "answered": len(step.latencies_ms),
        "errors": step.errors,
        "late": step.late,
        "stopped_early": step.stopped_early,
        "passed": step.passed(target_ms),
        "p50_ms": step.latency(50),
        "p90_ms": step.latency(90),
        "p99_ms": step.latency(99),
        "cpu_ms_per_message": step.cpu_ms_per_message,
        "wall_seconds": step.wall_seconds,
    }


def closed_loop_document(results: Sequence[RoundResult]) -> list[dict[str, Any]]:
    """Every round's figures for the JSON."""
    return [
        {
            **asdict(r),
            "latencies_ms": [round(ms, 2) for ms in r.latencies_ms],
            "throughput": r.throughput,
            "cpu_ms_per_message": r.cpu_ms_per_message,
        }
        for r in results
    ]


def growth_document(growth: Growth) -> dict[str, Any]:
    """One system's growth figures for the JSON."""
    document = asdict(growth)
    document["thread"]["latencies_ms"] = [round(ms, 2) for ms in growth.thread.latencies_ms]
    document["ratios_latency_cpu"] = growth.ratios()
    return document


def save_json(path: Path, document: Mapping[str, Any]) -> Path:
    """Write the document (nan and inf as null)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_finite(document), indent=2))
    return path


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _pyplot() -> Any:
    with warnings.catch_warnings():  # matplotlib's pyparsing deprecation notices
        warnings.simplefilter("ignore", DeprecationWarning)
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    return plt


def draw_closed_loop(results: Sequence[RoundResult], path: Path) -> None:
    """Latency CDF of every answered message per system, and throughput per round."""
    plt = _pyplot()
    figure, (cdf, bars) = plt.subplots(1, 2, figsize=(12, 4.5))
    for system in SYSTEMS:
        latencies = sorted(ms for r in results if r.system == system for ms in r.latencies_ms)
        shares = [(i + 1) / len(latencies) for i in range(len(latencies))]
        cdf.plot(latencies, shares, label=system)
    cdf.set(xscale="log", xlabel="latency (ms, log scale)", ylabel="share of messages")
    cdf.set_title("Latency per message (all rounds)")
    cdf.grid(True, which="both", alpha=0.3)
    cdf.legend()
    width = 0.4
    for offset, system in enumerate(SYSTEMS):
        mine = [r for r in results if r.system == system]
        xs = [r.round + (offset - 0.5) * width for r in mine]
        bars.bar(xs, [r.throughput for r in mine], width, label=system)
    bars.set(xlabel="round", ylabel="messages / s", title="Throughput per round")
    bars.set_xticks(sorted({r.round for r in results}))
    bars.margins(y=0.2)
    bars.legend(loc="upper center", ncol=2)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def draw_capacity(results: Mapping[str, CapacityResult], target_ms: float, path: Path) -> None:
    """p50 and p99 against the offered rate, per system, with the target and capacities.

    Steps stopped early (already over the target) are drawn hollow: their percentiles
    are of the messages answered before the stop, so the real ones were higher.
    """
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(9, 5.5))
    colours = dict(zip(results, plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False))
    for name, result in results.items():
        steps = sorted((s for s in result.steps if s.latencies_ms), key=lambda s: s.rate)
        colour = colours[name]
        rates = [s.rate for s in steps]
        axes.plot(rates, [s.latency(50) for s in steps], "--", color=colour, label=f"{name} p50")
        axes.plot(rates, [s.latency(99) for s in steps], "-", color=colour, label=f"{name} p99")
        for s in steps:
            face = "none" if s.stopped_early or s.errors else colour
            axes.scatter([s.rate], [s.latency(99)], facecolors=face, edgecolors=colour, zorder=3)
        if result.capacity:
            axes.axvline(
                result.capacity,
                color=colour,
                alpha=0.5,
                linestyle=":",
                label=f"{name} capacity {result.capacity:.1f} msg/s",
            )
    axes.axhline(target_ms, color="grey", linewidth=1, label=f"target p99 {target_ms:.0f} ms")
    axes.set(
        yscale="log",
        xlabel="offered rate (messages / s, Poisson arrivals)",
        ylabel="latency from scheduled send (ms, log)",
        title=f"Capacity at p99 < {target_ms:.0f} ms (hollow: step stopped early, over target)",
    )
    axes.grid(True, which="both", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def draw_growth(growths: Sequence[Growth], path: Path) -> None:
    """Each message's latency along one long conversation, per system."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(9, 4.5))
    for growth in growths:
        latencies = growth.thread.latencies_ms
        axes.plot(range(1, len(latencies) + 1), latencies, label=growth.system, linewidth=1)
    axes.set(
        xlabel="message number in the conversation",
        ylabel="latency (ms), one message at a time",
        title="Cost of a message as its conversation grows",
    )
    axes.grid(True, alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
