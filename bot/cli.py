"""The command line: run, train, shell, validate, agents, handoff-eval, nlu-bench, test."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.config import Settings, load_settings
from bot.reports.cli import add_commands as add_report_commands
from core.errors import BotError

if TYPE_CHECKING:
    from handoff.detection import DetectionSettings, Detector

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
    )
    _quiet_noisy_loggers(args.verbose)
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


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Train if the data changed, then serve the bot."""
    from bot.engine import RasaProject, ensure_model
    from bot.web.app import create_app
    from bot.web.supervisor import serve_workers

    server = replace(
        settings.server,
        host=args.host or settings.server.host,
        port=args.port or settings.server.port,
    )
    settings = replace(settings, server=server)
    project = RasaProject.from_settings(settings.project, settings.source)
    model = ensure_model(project, Path(settings.engine.model_dir))
    build_detector(settings)  # trains the handoff detector now unless it is stored already
    print(f"Serving {settings.brand.name} on http://{server.host}:{server.port}/chat/", flush=True)
    if server.workers > 1:  # a parent that replaces any worker that dies
        return serve_workers(
            lambda: create_app(settings, model), server.host, server.port, server.workers
        )
    create_app(settings, model).run(host=server.host, port=server.port, access_log=False)
    return 0


def train(args: argparse.Namespace, settings: Settings) -> int:
    """Train the model (skipped when nothing changed, unless --force)."""
    from bot.engine import RasaProject, ensure_model
    from bot.engine import train as train_model

    project = RasaProject.from_settings(settings.project, settings.source)
    model_dir = Path(settings.engine.model_dir)
    path = train_model(project, model_dir) if args.force else ensure_model(project, model_dir)
    print(f"Model: {path}")
    build_detector(settings)  # trains the handoff detector unless it is stored already
    return 0


def shell(args: argparse.Namespace, settings: Settings) -> int:
    """Chat with the bot in the terminal."""
    from bot.shell import chat

    return asyncio.run(chat(settings, args.sender, debug=not args.plain))


def validate(args: argparse.Namespace, settings: Settings) -> int:
    """Check the settings and the rasa project; print every problem found."""
    from bot.validation import has_errors, summary, validate_project

    problems = validate_project(settings)
    for problem in problems:
        print(problem)
    print(summary(problems))
    return 1 if has_errors(problems) else 0


def agents(args: argparse.Namespace, settings: Settings) -> int:
    """List agents, issue or revoke an agent's credentials, set a password, read the audit."""
    from bot.agents_cli import issue_token, list_agents, revoke, set_password, show_audit

    if args.agents_command == "token":
        return asyncio.run(issue_token(settings, args.login))
    if args.agents_command == "revoke":
        return asyncio.run(revoke(settings, args.login))
    if args.agents_command == "audit":
        return asyncio.run(show_audit(settings, args.limit))
    if args.agents_command == "password":
        return asyncio.run(set_password(settings, args.login))
    return asyncio.run(list_agents(settings))


def handoff_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Score the handoff detector: every shared set without files, else the CSV files given."""
    from tqdm import tqdm

    from handoff.evaluation import (
        EvaluationError,
        decide_all,
        draw_confusion,
        format_table,
        read_labelled,
        summarise,
    )

    if args.csv and not args.positive:
        raise EvaluationError("name the label that should escalate with --positive LABEL")
    detection = load_detection_settings(settings)
    if args.threshold is not None:
        detection = replace(detection, threshold=args.threshold)
    detector = build_detector(settings, detection)
    if not args.csv:
        return _handoff_suite(args, settings, detector)
    paths = [Path(path) for path in args.csv]
    rows = read_labelled(
        paths, args.text_column, args.label_column, args.positive, args.group_by, args.limit
    )
    with tqdm(total=len(rows), unit="row", file=sys.stderr, desc="handoff-eval") as bar:
        decisions = decide_all(detector, rows, bar.update)
    results = summarise(rows, decisions)
    labels = ", ".join(args.positive)
    print(f"{len(rows)} rows from {', '.join(p.name for p in paths)}; ", end="")
    print(f"positive: {args.label_column} in {{{labels}}}; threshold {detection.threshold:.2f}")
    print(format_table(results))
    if args.chart:
        draw_confusion(results, Path(args.chart))
        print(f"Chart: {args.chart}")
    return 0


def _handoff_suite(args: argparse.Namespace, settings: Settings, detector: Detector) -> int:
    import contextlib

    from tqdm import tqdm

    from bot.engine import RasaProject
    from bot.nlu.offline import NluModel
    from handoff.evaluation_suite import draw_suite, format_suite, run_suite

    project = RasaProject.from_settings(settings.project, settings.source)
    model = project.model_path(Path(settings.engine.model_dir))
    with contextlib.ExitStack() as stack:
        understand = None
        if model.is_file():  # routine questions get the intents the bot would see
            from bot.engine.logs import quiet_rasa

            quiet_rasa()
            nlu = stack.enter_context(NluModel.open(model))

            def understand(text: str) -> tuple[str | None, float | None]:
                prediction = nlu.predict(text)
                return prediction.intent or None, prediction.confidence

        with tqdm(unit="row", file=sys.stderr, desc="handoff-eval") as bar:
            suite = run_suite(
                detector, Path(args.datasets), Path(args.held_out), limit=args.limit,
                progress=bar.update, understand=understand,
            )  # fmt: skip
    print(format_suite(suite.results))
    for note in suite.notes:
        print(f"- {note}")
    if suite.latency is not None:
        t = suite.latency
        print(
            f"- added per message (median of {t.messages} routine questions): encoder "
            f"{t.encoder_ms:.1f} ms (shared with rasa), detector {t.detector_ms:.1f} ms"
        )
    chart = Path(args.chart or "reports/handoff-eval.png")
    draw_suite(suite.results, chart)
    print(f"Chart: {chart}")
    return 0


def load_detection_settings(settings: Settings) -> DetectionSettings:
    """The `detection:` section of the project's handoff settings."""
    from handoff.settings import load_handoff_settings

    return load_handoff_settings(settings.project.handoff).detection


def build_detector(settings: Settings, detection: DetectionSettings | None = None) -> Detector:
    """The detector as the runtime builds it; its classifier is loaded or trained and stored."""
    from bot.engine import RasaProject
    from bot.runtime import build_detector as runtime_detector

    project = RasaProject.from_settings(settings.project, settings.source)
    return runtime_detector(settings, project, detection)


def bench(args: argparse.Namespace, settings: Settings) -> int:
    """Load-test the framework against bare `rasa run` on the same model."""
    from bot.bench.run import BenchOptions, run_bench

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
    )
    return run_bench(settings, options)


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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.add_argument("--config", help="settings file (default: config/bot.yml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--project", dest="project_before", metavar="DIR", help="a rasa 3.x project to use as is"
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    command = commands.add_parser("run", help="train if needed, then serve the bot")
    command.add_argument("--host", help="address to listen on")
    command.add_argument("--port", type=int, help="port to listen on")
    command.set_defaults(command=run)
    _project_option(command)

    command = commands.add_parser("train", help="train the model if the data changed")
    command.add_argument("--force", action="store_true", help="train even if nothing changed")
    command.set_defaults(command=train)
    _project_option(command)

    command = commands.add_parser("shell", help="chat with the bot in the terminal")
    command.add_argument(
        "--sender", metavar="ID", help="continue this customer's conversation (default: a new one)"
    )
    command.add_argument(
        "--plain", action="store_true", help="no intent and handoff line under each answer"
    )
    command.set_defaults(command=shell)
    _project_option(command)

    command = commands.add_parser("validate", help="check settings, data and domain")
    command.set_defaults(command=validate)
    _project_option(command)

    command = commands.add_parser(
        "agents", help="list agents, issue or revoke credentials, set a password, audit"
    )
    command.set_defaults(command=agents, agents_command="list")
    actions = command.add_subparsers(dest="agents_command", metavar="ACTION")
    actions.add_parser("list", help="the configured agents and their presence")
    token = actions.add_parser("token", help="print a new API token for an agent")
    token.add_argument("login", help="the agent's login in config/handoff.yml")
    password = actions.add_parser(
        "password", help="set an agent's console password (asked, or read from stdin)"
    )
    password.add_argument("login", help="the agent's login in config/handoff.yml")
    revoked = actions.add_parser("revoke", help="revoke an agent's API tokens and sessions")
    revoked.add_argument("login", help="the agent's login in config/handoff.yml")
    audit = actions.add_parser("audit", help="the latest sign-ins, sign-outs, tokens, revokes")
    audit.add_argument("--limit", type=_positive_int, default=50, help="how many (50)")

    command = commands.add_parser(
        "handoff-eval",
        help="score the handoff detector on every shared set, or on labelled CSV files",
    )
    command.add_argument(
        "csv",
        nargs="*",
        help="CSV files with a header row; several are reported per file unless --group-by "
        "(none: every shared set under --datasets, and the routine questions)",
    )
    command.add_argument(
        "--datasets",
        default="../shared/datasets",
        metavar="DIR",
        help="the shared evaluation sets (without CSV files; default ../shared/datasets)",
    )
    command.add_argument(
        "--held-out",
        default="tests/nlu",
        metavar="DIR",
        help="held-out NLU files whose routine questions must not escalate (default tests/nlu)",
    )
    command.add_argument("--text-column", default="text", help="the message column")
    command.add_argument("--label-column", default="label", help="the label column")
    command.add_argument(
        "--positive",
        action="append",
        metavar="VALUE",
        help="a label that should escalate (repeat for several)",
    )
    command.add_argument("--group-by", metavar="COLUMN", help="report per value of COLUMN too")
    command.add_argument(
        "--limit",
        type=_positive_int,
        metavar="N",
        help="at most N rows per file, spread evenly over it",
    )
    command.add_argument(
        "--threshold",
        type=_probability,
        metavar="T",
        help="escalation threshold instead of config/handoff.yml's",
    )
    command.add_argument(
        "--chart",
        metavar="PATH.png",
        help="save the chart there (default for the shared sets: reports/handoff-eval.png)",
    )
    command.set_defaults(command=handoff_eval)

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
    command.set_defaults(command=bench)

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
        "--epochs", type=_positive_int, metavar="N", help="train DIET (and the like) N epochs"
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
    add_report_commands(commands)
    return parser


def _project_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--project",
        metavar="DIR",
        help="a rasa 3.x project (config.yml, domain.yml, data/) to use as it is",
    )


def _with_project(settings: Settings, directory: Path) -> Settings:
    """Settings for the rasa project in `directory` (see bot/project_directory.py)."""
    from bot.project_directory import make_actions_importable, use_project_directory

    make_actions_importable(directory)
    return use_project_directory(settings, directory)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _probability(text: str) -> float:
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError("must be in (0, 1]")
    return value


def _quiet_noisy_loggers(verbose: bool) -> None:
    """Only the warnings that matter, unless `-v`: then rasa's INFO log and every warning."""
    # httpx logs every request's URL at INFO, and Telegram's URLs hold the bot token.
    for name in ("urllib3", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if verbose:
        logging.getLogger("rasa").setLevel(logging.INFO)
        return
    for name in ("tensorflow", "absl", "matplotlib", "rasa", "rasa_sdk", "sanic.access", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("sanic.root").propagate = False  # sanic prints its own lines once
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # turns rasa's own progress bars off
    quiet_warnings()


# Warnings about the libraries' own code, or rasa's about things a designer cannot change.
_IGNORED_WARNINGS = (
    r"Slot auto-fill has been removed",
    r"duplicated responses have been found across multiple domain files",
)


def quiet_warnings() -> None:
    """Hide deprecation warnings and rasa's known noise, here and in child processes."""
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)
    for pattern in _IGNORED_WARNINGS:
        warnings.filterwarnings("ignore", f".*{pattern}")
    warnings.filterwarnings("ignore", module="sqlalchemy")  # rasa's "MovedIn20Warning"
    # Some libraries reset the filters while they import; this holds whatever they do.
    shown = warnings.showwarning

    def show_unless_deprecation(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if not issubclass(category, (DeprecationWarning, PendingDeprecationWarning)):
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show_unless_deprecation
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    children = "ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning"
    os.environ.setdefault("PYTHONWARNINGS", children)
