"""`python -m bot handoff-eval`: score the handoff detector on shared sets or labelled CSVs."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.options import positive_int, probability
from bot.cli.serving import build_detector, load_detection_settings
from bot.config import Settings

if TYPE_CHECKING:
    from bot.cli.options import Commands
    from handoff.detection import Detector


def add_commands(commands: Commands) -> None:
    """`handoff-eval` with its files, columns, threshold and chart."""
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
        type=positive_int,
        metavar="N",
        help="at most N rows per file, spread evenly over it",
    )
    command.add_argument(
        "--threshold",
        type=probability,
        metavar="T",
        help="escalation threshold instead of config/handoff.yml's",
    )
    command.add_argument(
        "--chart",
        metavar="PATH.png",
        help="save the chart there (default for the shared sets: reports/handoff-eval.png)",
    )
    command.set_defaults(command=handoff_eval)


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
