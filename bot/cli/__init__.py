"""The command line: run, train, shell, validate, agents, handoff-eval, nlu-bench, test."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli import agents, bench, handoff_eval, nlu, serving
from bot.cli.logs import quiet_noisy_loggers
from bot.config import Settings, load_settings
from bot.reports.cli import add_commands as add_report_commands
from core.errors import BotError

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# Each group adds its sub-commands, in the order `--help` lists them.
COMMAND_GROUPS = (serving, agents, handoff_eval, bench, nlu)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    quiet_noisy_loggers(args.verbose)
    try:
        settings = load_settings(args.config)
        project = getattr(args, "project", None) or args.project_before
        if project:
            settings = _with_project(settings, Path(project))
        return int(args.command(args, settings) or 0)
    except BotError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The options before the command, then every command group's sub-commands."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--config", help="settings file (default: config/bot.yml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--project", dest="project_before", metavar="DIR", help="a rasa 3.x project to use as is"
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.add_commands(commands)
    add_report_commands(commands)
    return parser


def _with_project(settings: Settings, directory: Path) -> Settings:
    """Settings for the rasa project in `directory` (see bot/project_directory.py)."""
    from bot.project_directory import make_actions_importable, use_project_directory

    make_actions_importable(directory)
    return use_project_directory(settings, directory)
