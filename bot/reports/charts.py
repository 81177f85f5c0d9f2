"""The report's charts as PNG files (matplotlib, no display needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

HOURS = list(range(24))


def draw_all(report: dict[str, Any], folder: Path) -> list[Path]:
    """Every chart the report has data for; the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (
        ("peak_hours.png", _peak_hours),
        ("ratings.png", _ratings),
        ("agents.png", _agents),
        ("topics.png", _topics),
        ("reasons.png", _reasons),
    ):
        figure = draw(report)
        if figure is None:
            continue
        path = folder / name
        figure.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(figure)
        written.append(path)
    return written


def _peak_hours(report: dict[str, Any]) -> Any:
    peak = report.get("peak_hours")
    if not peak:
        return None
    figure, axes = plt.subplots(1, 3, figsize=(16, 3.6), sharey=True)
    for ax, key, title in zip(
        axes,
        ("incoming", "escalations", "agents_active"),
        ("Incoming messages", "Escalations", "Agents active"),
        strict=True,
    ):
        image = ax.imshow(
            peak[key], aspect="auto", cmap="YlOrRd" if key != "agents_active" else "Blues"
        )
        ax.set_title(f"{title} (average per day)")
        ax.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])
        ax.set_yticks(range(7), peak["days"])
        figure.colorbar(image, ax=ax, fraction=0.04)
    for d, row in enumerate(peak["short"]):
        for h, short in enumerate(row):
            if short:
                axes[1].add_patch(
                    plt.Rectangle((h - 0.5, d - 0.5), 1, 1, fill=False, edgecolor="black", lw=1.2)
                )
    axes[1].set_xlabel("hour (UTC); boxed: more escalations than the agents active can take")
    return figure


def _ratings(report: dict[str, Any]) -> Any:
    satisfaction = report.get("satisfaction")
    if not satisfaction or not satisfaction["ratings"]:
        return None
    figure, ax = plt.subplots(figsize=(5, 3))
    scores = list(satisfaction["distribution"])
    ax.bar(scores, [satisfaction["distribution"][s] for s in scores], color="#2f7d6d")
    ax.set_title(f"Ratings (average {satisfaction['average']})")
    ax.set_xlabel("score")
    return figure


def _agents(report: dict[str, Any]) -> Any:
    people = report.get("agents")
    if not people:
        return None
    figure, ax = plt.subplots(figsize=(6, 0.5 + 0.4 * len(people)))
    names = [agent["name"] for agent in people]
    p90 = [(agent["escalation_to_human"]["p90"] or 0) / 60 for agent in people]
    ax.barh(names, p90, color="#4a6fa5")
    ax.set_xlabel("p90 escalation to first answer (minutes)")
    ax.invert_yaxis()
    return figure


def _topics(report: dict[str, Any]) -> Any:
    topics = (report.get("topics") or {}).get("topics")
    if not topics:
        return None
    figure, ax = plt.subplots(figsize=(7, 0.6 + 0.45 * len(topics)))
    ax.barh([t["name"] for t in topics], [t["messages"] for t in topics], color="#b5533c")
    ax.set_xlabel("messages")
    ax.set_title("Complaint topics")
    ax.invert_yaxis()
    return figure


def _reasons(report: dict[str, Any]) -> Any:
    reasons = (report.get("volume") or {}).get("reasons")
    if not reasons:
        return None
    figure, ax = plt.subplots(figsize=(6, 0.6 + 0.4 * len(reasons)))
    ax.barh([r["reason"] for r in reasons], [r["count"] for r in reasons], color="#7a5c99")
    ax.set_title("Escalation reasons")
    ax.invert_yaxis()
    return figure
