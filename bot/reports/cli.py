"""Commands: `report`, `seed-reports` and `simulate` (registered by `add_commands`)."""

from __future__ import annotations

import argparse
import asyncio
import csv
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import Settings

if TYPE_CHECKING:
    from bot.reports.report import ReportSettings

FORMATS = ("text", "csv", "json", "html")


def report_settings(settings: Settings) -> ReportSettings:
    """The SLA, handle time and agents' names from the project's handoff settings."""
    from bot.reports.report import ReportSettings
    from handoff.settings import load_handoff_settings

    handoff = load_handoff_settings(settings.project.handoff)
    return ReportSettings(
        sla_minutes=handoff.sla.first_response_minutes,
        handle_time_minutes=handoff.routing.handle_time_minutes,
        names={agent.login: agent.display_name for agent in handoff.agents},
    )


def report(args: argparse.Namespace, settings: Settings) -> int:
    """Compute the report over the store and write it (and its charts) to the output folder."""
    from bot.reports.filters import report_filter

    scope = report_filter(
        args.start, args.end, channel=args.channel, team=args.team, agent=args.agent,
        language=args.language,
    )  # fmt: skip
    output = Path(args.output)
    figures = asyncio.run(_report(settings, scope, output, args.format))
    print(figures, end="")
    return 0


async def _report(settings: Settings, scope: Any, output: Path, kind: str) -> str:
    from bot.reports import charts, render
    from bot.reports.report import build_report
    from bot.reports.threads import CSV_COLUMNS, thread_rows
    from bot.store.database import create_engine

    engine = create_engine(settings.database.url)
    try:
        built = await build_report(engine, scope, report_settings(settings))
        output.mkdir(parents=True, exist_ok=True)
        drawn = [path.name for path in charts.draw_all(built, output)]
        text = render.as_text(built)
        (output / "report.txt").write_text(text)
        (output / "report.json").write_text(render.as_json(built))
        written = ["report.txt", "report.json", *drawn]
        if kind == "csv":
            (output / "report.csv").write_text(render.as_csv(built))
            with (output / "threads.csv").open("w", newline="") as file:
                writer = csv.DictWriter(file, CSV_COLUMNS)
                writer.writeheader()
                async for row in thread_rows(engine, scope):
                    writer.writerow(row)
            written += ["report.csv", "threads.csv"]
        if kind == "html":
            (output / "report.html").write_text(render.as_html(built, drawn))
            written.append("report.html")
    finally:
        await engine.dispose()
    shown = {"text": text, "json": render.as_json(built)}.get(kind, text)
    return shown + f"Wrote {', '.join(written)} to {output}/\n"


def seed_reports(args: argparse.Namespace, settings: Settings) -> int:
    """Fill the store with many threads (bulk inserts), for the reports' timings."""
    import time

    from bot.reports.seed import SeedPlan, seed_store, utc_today_end

    plan = SeedPlan(threads=args.threads, end=utc_today_end(), days=args.days, seed=args.seed)
    started = time.perf_counter()
    written = seed_store(args.database or settings.database.url, plan)
    took = time.perf_counter() - started
    print(", ".join(f"{n} {table}" for table, n in written.items()) + f" in {took:.1f} s")
    return 0


def simulate(args: argparse.Namespace, settings: Settings) -> int:
    """Run the real server through a simulated day, then print its report."""
    from bot.reports.simulation import SimulationPlan, run_simulation

    plan = SimulationPlan(
        hours=args.hours,
        agents=args.agents,
        rate=args.rate,
        factor=args.factor,
        seed=args.seed,
        follow_link=args.follow_link,
    )
    return run_simulation(settings, plan, Path(args.output), serve=args.serve)


def add_commands(commands: Any) -> None:
    """Register the three commands on `python -m bot`'s subparsers."""
    command = commands.add_parser("report", help="care report over a date range; writes reports/")
    command.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (UTC)")
    command.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day, included")
    command.add_argument("--format", choices=FORMATS, default="text", help="what to print/write")
    for name in ("channel", "team", "agent", "language"):
        command.add_argument(f"--{name}", help=f"only threads of this {name}")
    command.add_argument("--output", default="reports", help="folder for figures and charts")
    command.set_defaults(command=report)

    command = commands.add_parser("seed-reports", help="fill a store with many threads, fast")
    command.add_argument("--threads", type=_positive, default=100_000, help="how many")
    command.add_argument("--days", type=_positive, default=90, help="spread over the last N days")
    command.add_argument("--seed", type=int, default=12, help="random seed")
    command.add_argument("--database", metavar="URL", help="instead of the configured store")
    command.set_defaults(command=seed_reports)

    command = commands.add_parser("simulate", help="a simulated day on the real server")
    command.add_argument("--hours", type=float, default=8.0, help="simulated hours")
    command.add_argument("--agents", type=_positive, default=4, help="scripted agents")
    command.add_argument(
        "--rate", type=float, default=30.0, help="average new conversations per simulated hour"
    )
    command.add_argument(
        "--factor",
        "--speed",
        dest="factor",
        type=float,
        default=60.0,
        help="the server's clock runs this many times faster than real time",
    )
    command.add_argument("--seed", type=int, default=7, help="random seed")
    command.add_argument(
        "--follow-link",
        type=_share,
        default=1.0,
        help="share of public complainers who follow the answer's link to a private chat",
    )
    command.add_argument("--output", default="reports/simulation", help="folder for the report")
    command.add_argument(
        "--serve", action="store_true", help="keep the server up afterwards, for the Reports tab"
    )
    command.set_defaults(command=simulate)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value
