"""`python -m bot bench`: load-test the framework against bare `rasa run`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Settings

if TYPE_CHECKING:
    from bot.cli.options import Commands


def add_commands(commands: Commands) -> None:
    """`bench` with its parts, rates and durations."""
    command = commands.add_parser("bench", help="load-test the framework against bare rasa")
    command.add_argument("--conversations", type=int, default=50, help="concurrent dialogues")
    command.add_argument("--rounds", type=int, default=2, help="alternating rounds per system")
    command.add_argument("--output", default="bench-results", help="folder for JSON and chart")
    command.add_argument(
        "--parts",
        nargs="+",
        choices=["closed", "capacity", "growth"],
        default=["closed", "capacity", "growth"],
        help="closed loop, capacity at the latency target (open loop), cost growth",
    )
    command.add_argument("--target-ms", type=float, default=250.0, help="p99 latency target")
    command.add_argument("--step-seconds", type=float, default=10.0, help="each rate's arrivals")
    command.add_argument(
        "--step-messages", type=int, default=40, help="each step lasts long enough for these"
    )
    command.add_argument(
        "--drain-seconds", type=float, default=10.0, help="wait for answers after a step"
    )
    command.add_argument(
        "--search-seconds", type=float, default=180.0, help="each system's capacity search"
    )
    command.add_argument("--start-rate", type=float, default=4.0, help="first rate, msg/s")
    command.add_argument("--max-rate", type=float, default=500.0, help="highest rate, msg/s")
    command.add_argument(
        "--thread-length", type=int, default=200, help="messages in the long conversation"
    )
    command.add_argument(
        "--open-conversations", type=int, default=500, help="conversations opened for growth"
    )
    command.add_argument(
        "--prefill",
        type=int,
        default=1_000_000,
        metavar="N",
        help="messages (and tracker events) added to the stores for growth; 0: none",
    )
    command.add_argument("--profile", action="store_true", help="CPU per message by stage (py-spy)")
    command.add_argument(
        "--workers", type=int, default=1, help="the framework's workers (above 1: on --postgres)"
    )
    command.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server for several workers, e.g. postgresql://postgres@127.0.0.1:5432",
    )
    command.add_argument("--redis", metavar="URL", help="a Redis for several workers")
    command.set_defaults(command=bench)


def bench(args: argparse.Namespace, settings: Settings) -> int:
    """Load-test the framework against bare `rasa run` on the same model."""
    from bot.bench.run import BenchOptions, run_bench
    from bot.bench.systems import SharedStores

    options = BenchOptions(
        output=Path(args.output),
        parts=tuple(args.parts),
        conversations=args.conversations,
        rounds=args.rounds,
        target_ms=args.target_ms,
        step_seconds=args.step_seconds,
        step_messages=args.step_messages,
        drain_seconds=args.drain_seconds,
        search_seconds=args.search_seconds,
        start_rate=args.start_rate,
        max_rate=args.max_rate,
        thread_length=args.thread_length,
        open_conversations=args.open_conversations,
        prefill=args.prefill,
        profile=args.profile,
        workers=args.workers,
        shared=SharedStores(args.postgres, args.redis) if args.postgres and args.redis else None,
    )
    return run_bench(settings, options)
