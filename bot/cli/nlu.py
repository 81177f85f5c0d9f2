"""`python -m bot nlu-bench` and `python -m bot test`: the NLU and the bot, measured."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.options import positive_int
from bot.config import Settings

if TYPE_CHECKING:
    from bot.cli.options import Commands


def add_commands(commands: Commands) -> None:
    """`nlu-bench` (pipelines on CSV files) and `test` (intents, stories, handoff)."""
    command = commands.add_parser(
        "nlu-bench", help="train NLU pipelines on a CSV and score them on another"
    )
    command.add_argument("train", help="training CSV file with a header row")
    command.add_argument("test", help="test CSV file with the same columns")
    command.add_argument("--text-column", default="text", help="the message column")
    command.add_argument("--label-column", default="category", help="the intent column")
    command.add_argument(
        "--config",
        dest="pipeline",
        action="append",
        metavar="PIPELINE.yml",
        help="another rasa pipeline to compare with the project's (repeat for several)",
    )
    command.add_argument(
        "--epochs", type=positive_int, metavar="N", help="train DIET (and the like) N epochs"
    )
    command.add_argument("--output", default="reports", help="folder for the JSON and chart")
    command.set_defaults(command=nlu_bench)

    command = commands.add_parser(
        "test", help="test intents, stories and the handoff detector; write reports/"
    )
    command.add_argument(
        "--nlu",
        action="append",
        default=None,
        metavar="PATH",
        help="held-out rasa NLU files or folders (default: tests/nlu)",
    )
    command.add_argument("--stories", default="tests/test_stories.yml", help="rasa test stories")
    command.add_argument(
        "--handoff",
        action="append",
        default=None,
        metavar="PATH",
        help="labelled CSV files or folders, label escalate or bot (default: tests/handoff)",
    )
    command.add_argument("--output", default="reports", help="folder for the reports")
    command.set_defaults(command=test)


def nlu_bench(args: argparse.Namespace, settings: Settings) -> int:
    """Train pipelines on one CSV, score them on another: accuracy, macro-F1, timings."""
    from bot.nlu.bench import run_nlu_bench

    configs = [Path(settings.project.config), *(Path(path) for path in args.pipeline or [])]
    run_nlu_bench(
        Path(args.train),
        Path(args.test),
        configs,
        text_column=args.text_column,
        label_column=args.label_column,
        epochs=args.epochs,
        output=Path(args.output),
    )
    return 0


def test(args: argparse.Namespace, settings: Settings) -> int:
    """Test intents, stories and the handoff detector; write reports/ (1 if a story fails)."""
    from bot.nlu.testing import TestInputs, run_tests

    inputs = TestInputs(
        nlu=[Path(path) for path in args.nlu] if args.nlu else None,
        stories=Path(args.stories),
        handoff=[Path(path) for path in args.handoff] if args.handoff else None,
        output=Path(args.output),
    )
    return run_tests(settings, inputs)
