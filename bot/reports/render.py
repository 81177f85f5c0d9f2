"""The report as text, CSV rows, JSON or an HTML page."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterator
from typing import Any


def minutes(seconds: float | None) -> str:
    """`4m 05s`, `0.31s`, or `-`."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{seconds:.2f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m {int(seconds % 60):02d}s"
    return f"{seconds / 3600:.1f}h"


def percent(share: float | None) -> str:
    """`87.5%` or `-`."""
    return "-" if share is None else f"{share * 100:.1f}%"


def spread_text(spread: dict[str, Any]) -> str:
    """`p50 1m 10s, p90 4m 02s (n=120)`."""
    return f"p50 {minutes(spread['p50'])}, p90 {minutes(spread['p90'])} (n={spread['count']})"


def headline(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The figures a manager reads first, as (label, value) pairs."""
    volume, speed = report["volume"], report["speed"]
    satisfaction, public = report["satisfaction"], report["public"]["public"]
    return [
        ("Conversations", str(volume["conversations"])),
        ("Messages", str(volume["messages"])),
        ("Containment (bot alone)", percent(volume["containment"])),
        ("Escalations", f"{volume['escalations']} ({percent(volume['escalation_rate'])})"),
        ("Agent messages signed", f"{volume['agent_messages_signed']} of "
         f"{volume['agent_messages']} ({percent(volume['signed_share'])})"),
        ("Bot answer time", spread_text(speed["bot_answer"])),
        ("Escalation to first human", spread_text(speed["escalation_to_human"])),
        (f"Answered within the SLA ({speed['sla_minutes']:g} min)",
         percent(speed["within_sla_share"])),
        ("First response (from the first message)", spread_text(speed["first_response"])),
        ("Next response", spread_text(speed["next_response"])),
        ("Resolution (from escalation)", spread_text(speed["resolution"])),
        ("SLA breaches", f"{speed['sla_breaches']} ({percent(speed['sla_breach_share'])})"),
        ("Average rating", f"{satisfaction['average'] or '-'} of 5 "
         f"({satisfaction['ratings']} ratings, response rate "
         f"{percent(satisfaction['response_rate'])})"),
        ("Public complaints", str(public["escalations"])),
        ("  answered in public", f"{public['answered_in_public']} "
         f"({percent(public['answered_in_public_share'])}), within 5 s: "
         f"{public['answered_in_public_within_5s']}"),
        ("  moved to a private chat", f"{public['moved_to_private']} "
         f"({percent(public['moved_to_private_share'])})"),
    ]  # fmt: skip


def as_text(report: dict[str, Any]) -> str:
    """A plain report for the terminal."""
    scope = report["filter"]
    narrowed = ", ".join(f"{k} {v}" for k, v in scope.items() if v and k not in ("from", "to"))
    lines = [
        f"Care report {scope['from']} to {scope['to']}" + (f" ({narrowed})" if narrowed else "")
    ]
    width = max(len(label) for label, _ in headline(report))
    lines += [f"  {label:<{width}}  {value}" for label, value in headline(report)]
    lines.append("Escalation reasons")
    lines += [f"  {r['reason']:<24} {r['count']}" for r in report["volume"]["reasons"]]
    lines.append(
        "Agents  threads  resolved  p50 to human  p90 to human  rating  hours active  online"
    )
    for a in report["agents"]:
        lines.append(
            f"  {a['name']:<10} {a['threads']:>6} {a['resolved']:>8}  "
            f"{minutes(a['escalation_to_human']['p50']):>12}  "
            f"{minutes(a['escalation_to_human']['p90']):>12}  "
            f"{a['average_rating'] or '-':>6}  {a['hours_active']:>12}  "
            f"{minutes(a['time_online_seconds']):>6}"
        )
    topics = report["topics"]
    lines.append(f"Complaint topics ({topics['messages']} messages, {topics['sampled']} sampled)")
    for topic in topics["topics"]:
        lines.append(f"  {topic['name']} - {topic['messages']} messages, {topic['change']}")
        lines += [f'      "{example}"' for example in topic["examples"][:2]]
    peak = report["peak_hours"]
    lines.append(
        f"Peak hours: {peak['short_hours']} day-hours with fewer agents than escalations need"
    )
    for label, key in (("Seconds per report", "seconds"), ("CPU seconds", "cpu_seconds")):
        values = report.get(key) or {}
        lines.append(f"{label}: " + ", ".join(f"{k} {v}" for k, v in values.items()))
    return "\n".join(lines) + "\n"


def flat_rows(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every figure as (dotted.name, value), for the figures CSV."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from flat_rows(inner, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value and isinstance(value[0], dict):
        for index, inner in enumerate(value):
            name = inner.get("agent") or inner.get("reason") or inner.get("name") or index
            yield from flat_rows({k: v for k, v in inner.items()}, f"{prefix}[{name}]")
    else:
        yield prefix, json.dumps(value) if isinstance(value, list) else value


def as_csv(report: dict[str, Any]) -> str:
    """Figure, value rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["figure", "value"])
    for name, value in flat_rows(report):
        if not name.startswith("topics.topics") or name.endswith((".name", ".messages")):
            writer.writerow([name, value])
    return buffer.getvalue()


def as_json(report: dict[str, Any]) -> str:
    """The report as JSON (what the API returns)."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def as_html(report: dict[str, Any], charts: list[str]) -> str:
    """A self-standing page with the headline figures, tables and the PNG charts beside it."""
    e = html.escape
    rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in headline(report))
    agents = "".join(
        f"<tr><td>{e(a['name'])}</td><td>{a['threads']}</td><td>{a['resolved']}</td>"
        f"<td>{minutes(a['escalation_to_human']['p90'])}</td>"
        f"<td>{a['average_rating'] or '-'}</td><td>{a['hours_active']}</td>"
        f"<td>{minutes(a['time_online_seconds'])}</td></tr>"
        for a in report["agents"]
    )
    topics = "".join(
        f"<li><b>{e(t['name'])}</b> ({t['messages']}, {t['change']}): "
        + "; ".join(f"&ldquo;{e(x)}&rdquo;" for x in t["examples"])
        + "</li>"
        for t in report["topics"]["topics"]
    )
    images = "".join(f'<img src="{e(name)}" alt="{e(name)}">' for name in charts)
    scope = report["filter"]
    return (
        "<!doctype html><meta charset=utf-8><title>Care report</title>"
        "<style>body{font:14px system-ui;margin:2em;max-width:1100px}"
        "td,th{padding:2px 10px;text-align:left}img{max-width:100%;margin:1em 0}</style>"
        f"<h1>Care report {e(scope['from'])} to {e(scope['to'])}</h1><table>{rows}</table>"
        "<h2>Agents</h2><table><tr><th>Agent</th><th>Threads</th><th>Resolved</th>"
        "<th>p90 to human</th><th>Rating</th><th>Hours active</th><th>Time online</th></tr>"
        f"{agents}</table>"
        f"<h2>Complaint topics</h2><ul>{topics}</ul>{images}"
    )
