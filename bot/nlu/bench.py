"""`python -m bot nlu-bench`: how well, and how fast, pipelines learn a labelled data set.

Each pipeline (the project's own, then any other given) is trained as an NLU-only rasa
model on the training CSV, with rasa's training cache off so that it does all its
work, then asked about every message of the test CSV one at a time, as the bot asks
it. Reported per pipeline: accuracy and macro-F1 of the top intent, the training
time (wall clock, everything `rasa train nlu` does), and the time of one message
through the loaded model (p50 and p99). FallbackClassifier is left out, so that the
classifier's own top intent is scored.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bot.engine.logs import quiet_rasa
from bot.nlu.offline import (
    NluModel,
    nlu_only_config,
    read_pipeline,
    train_nlu_model,
    trains_in_epochs,
    write_nlu_data,
)
from bot.nlu.scores import IntentReport, score_intents
from handoff.evaluation import EvaluationError


@dataclass(frozen=True)
class LabelledMessage:
    """A message and the intent it should get."""

    text: str
    intent: str


@dataclass(frozen=True)
class PipelineResult:
    """One pipeline's figures on the test set."""

    name: str
    components: list[str]
    train_seconds: float
    report: IntentReport
    latencies: list[float]  # seconds per test message, in order

    @property
    def p50_ms(self) -> float:
        """Median time of one message, in milliseconds."""
        return float(np.percentile(self.latencies, 50)) * 1000

    @property
    def p99_ms(self) -> float:
        """99th-percentile time of one message, in milliseconds."""
        return float(np.percentile(self.latencies, 99)) * 1000


def read_examples(path: Path, text_column: str, label_column: str) -> list[LabelledMessage]:
    """The rows of a CSV file with a header, skipping those with a blank text or label.

    Raises:
        EvaluationError: The file cannot be read, a column is missing, or no row is left.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            header = list(reader.fieldnames or [])
            for column in (text_column, label_column):
                if column not in header:
                    raise EvaluationError(
                        f"{path} has no column {column!r}; its columns are: "
                        f"{', '.join(header) or '(none: the file is empty)'}"
                    )
            rows = [
                LabelledMessage(
                    (record[text_column] or "").strip(), (record[label_column] or "").strip()
                )
                for record in reader
            ]
    except OSError as error:
        raise EvaluationError(f"cannot read {path}: {error.strerror or error}") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise EvaluationError(f"{path} is not a UTF-8 CSV file: {error}") from None
    examples = [row for row in rows if row.text and row.intent]
    if not examples:
        raise EvaluationError(f"{path}: no row has both a {text_column} and a {label_column}")
    return examples


def write_training_file(examples: Sequence[LabelledMessage], path: Path) -> None:
    """Store labelled messages as rasa NLU training data (YAML)."""
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData

    messages = [Message.build(text=example.text, intent=example.intent) for example in examples]
    write_nlu_data(TrainingData(training_examples=messages), path)


def bench_pipeline(
    config: Path,
    name: str,
    training_file: Path,
    test: Sequence[LabelledMessage],
    workdir: Path,
    epochs: int | None = None,
) -> PipelineResult:
    """Train one pipeline on `training_file` and score it on `test`."""
    from tqdm import tqdm

    folder = Path(tempfile.mkdtemp(prefix="pipeline-", dir=workdir))
    nlu_config = folder / "config.yml"
    components = nlu_only_config(config, nlu_config, epochs=epochs, keep_fallback=False)
    print(f"\n== {name}: training ({', '.join(components)})", flush=True)
    model_path, seconds = train_nlu_model(nlu_config, training_file, folder, "model")
    print(f"== {name}: trained in {seconds:.1f} s; parsing {len(test)} messages", flush=True)
    predicted, latencies = [], []
    with NluModel.open(model_path) as model:
        for example in tqdm(test, desc=name, unit="msg", file=sys.stderr, mininterval=2):
            prediction = model.predict(example.text)
            predicted.append(prediction.intent)
            latencies.append(prediction.seconds)
    report = score_intents([example.intent for example in test], predicted)
    return PipelineResult(name, components, seconds, report, latencies)


def pipeline_name(config: Path, epochs: int | None) -> str:
    """The name shown for a pipeline: its file, and the epochs when they were overridden."""
    _, components = read_pipeline(config)
    if epochs is not None and any(trains_in_epochs(component) for component in components):
        return f"{config.name} ({epochs} epochs)"
    return config.name


def format_results(results: Sequence[PipelineResult]) -> str:
    """A plain-text table, one line per pipeline."""
    width = max([len("pipeline"), *(len(result.name) for result in results)])
    header = (
        f"{'pipeline':<{width}}{'accuracy':>10}{'macro-F1':>10}{'train s':>10}"
        f"{'p50 ms':>9}{'p99 ms':>9}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.name:<{width}}{r.report.accuracy:>10.4f}{r.report.macro_f1:>10.4f}"
            f"{r.train_seconds:>10.1f}{r.p50_ms:>9.1f}{r.p99_ms:>9.1f}"
        )
    return "\n".join(lines)


def save_results(results: Sequence[PipelineResult], path: Path, about: dict[str, object]) -> None:
    """The figures as JSON, for notes and comparisons."""
    rows = [
        {
            "pipeline": r.name,
            "components": r.components,
            "accuracy": r.report.accuracy,
            "macro_f1": r.report.macro_f1,
            "train_seconds": r.train_seconds,
            "p50_ms": r.p50_ms,
            "p99_ms": r.p99_ms,
            "worst_intents": [asdict(score) for score in r.report.worst[:5]],
        }
        for r in results
    ]
    path.write_text(json.dumps({**about, "results": rows}, indent=2) + "\n")


def draw_comparison(results: Sequence[PipelineResult], path: Path) -> None:
    """Bar charts of the pipelines side by side: scores, training time, message time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [result.name for result in results]
    positions = np.arange(len(results))
    figure, (scores, training, latency) = plt.subplots(
        1, 3, figsize=(4.2 * 3, 3.8 + 0.15 * max(len(n) for n in names) / 4)
    )
    width = 0.38
    for offset, label, values in (
        (-width / 2, "accuracy", [r.report.accuracy for r in results]),
        (width / 2, "macro-F1", [r.report.macro_f1 for r in results]),
    ):
        bars = scores.bar(positions + offset, values, width, label=label)
        scores.bar_label(bars, fmt="%.3f", fontsize=8)
    scores.set_ylim(0, 1.2)
    scores.set_title("scores on the test set")
    scores.legend(loc="upper center", ncol=2, fontsize=8)
    bars = training.bar(positions, [r.train_seconds for r in results], 0.6, color="tab:green")
    training.bar_label(bars, fmt="%.0f s", fontsize=8)
    training.set_title("training time (s)")
    for offset, label, values in (
        (-width / 2, "p50", [r.p50_ms for r in results]),
        (width / 2, "p99", [r.p99_ms for r in results]),
    ):
        bars = latency.bar(positions + offset, values, width, label=label)
        latency.bar_label(bars, fmt="%.0f", fontsize=8)
    latency.set_title("one message (ms)")
    latency.legend(fontsize=8)
    for axis in (scores, training, latency):
        axis.set_xticks(positions, names, rotation=15, ha="right", fontsize=8)
        axis.margins(y=0.12)
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=120)
    except (OSError, ValueError) as error:
        raise EvaluationError(f"cannot write the chart {path}: {error}") from None
    finally:
        plt.close(figure)


def run_nlu_bench(
    train_csv: Path,
    test_csv: Path,
    configs: Sequence[Path],
    *,
    text_column: str = "text",
    label_column: str = "category",
    epochs: int | None = None,
    output: Path = Path("reports"),
) -> list[PipelineResult]:
    """Benchmark each pipeline; print a table; write `nlu-bench.json` and `.png` to `output`."""
    quiet_rasa()
    train = read_examples(train_csv, text_column, label_column)
    test = read_examples(test_csv, text_column, label_column)
    intents = {example.intent for example in train}
    print(
        f"{len(train)} training messages ({len(intents)} intents) from {train_csv}, "
        f"{len(test)} test messages from {test_csv}",
        flush=True,
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as scratch:
        workdir = Path(scratch)
        training_file = workdir / "nlu.yml"
        write_training_file(train, training_file)
        for config in configs:
            name = pipeline_name(config, epochs)
            results.append(bench_pipeline(config, name, training_file, test, workdir, epochs))
    print()
    print(format_results(results))
    output.mkdir(parents=True, exist_ok=True)
    about: dict[str, object] = {
        "train": str(train_csv),
        "test": str(test_csv),
        "epochs_override": epochs,
    }
    save_results(results, output / "nlu-bench.json", about)
    draw_comparison(results, output / "nlu-bench.png")
    print(f"Figures: {output / 'nlu-bench.json'}; chart: {output / 'nlu-bench.png'}")
    return results
