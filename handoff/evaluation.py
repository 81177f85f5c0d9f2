"""How well the handoff detector separates labelled messages: metrics, a run, a table.

`python -m bot handoff-eval` reads labelled CSV files (a text column and a label
column), asks the detector about each row as a single customer turn (text only: no
rasa intent, so no trained rasa model is needed), and prints precision, recall, F1,
macro-F1 and ROC AUC, overall and per group. A row counts as predicted positive when
the detector escalates it; its `score` ranks the rows for the AUC.

The metrics are small pure functions, written out so that their conventions are plain:
a ratio with an empty denominator is 0.0, and the AUC is undefined (None) unless both
classes are present.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.errors import BotError
from handoff.detection import Detector, HandoffDecision, TurnContext

OVERALL = "overall"
_BATCH = 512


class EvaluationError(BotError):
    """The evaluation cannot run on this input: a file, a column or a label is wrong."""

    status_code = 400
    quiet = True


# Metrics.


def ratio(part: int, whole: int) -> float:
    """`part / whole`, 0.0 when `whole` is 0."""
    return part / whole if whole else 0.0


def precision(true_positives: int, false_positives: int) -> float:
    """Share of the predicted positives that are positive."""
    return ratio(true_positives, true_positives + false_positives)


def recall(true_positives: int, false_negatives: int) -> float:
    """Share of the positives that were predicted positive."""
    return ratio(true_positives, true_positives + false_negatives)


def f1(precision_: float, recall_: float) -> float:
    """Harmonic mean of precision and recall, 0.0 when both are 0."""
    total = precision_ + recall_
    return 2 * precision_ * recall_ / total if total else 0.0


@dataclass(frozen=True)
class Confusion:
    """Counts of predicted against actual, for a two-class problem."""

    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    true_negatives: int = 0

    @classmethod
    def of(cls, predicted: Iterable[bool], actual: Iterable[bool]) -> Confusion:
        """Count the pairs (predicted, actual)."""
        counts = {(True, True): 0, (True, False): 0, (False, True): 0, (False, False): 0}
        for pair in zip(predicted, actual, strict=True):
            counts[pair] += 1
        return cls(
            counts[True, True], counts[True, False], counts[False, True], counts[False, False]
        )

    @property
    def rows(self) -> int:
        """Every counted row."""
        return (
            self.true_positives + self.false_positives + self.false_negatives + self.true_negatives
        )

    @property
    def positives(self) -> int:
        """Rows that are actually positive."""
        return self.true_positives + self.false_negatives

    @property
    def predicted_positives(self) -> int:
        """Rows predicted positive (escalated)."""
        return self.true_positives + self.false_positives

    @property
    def precision(self) -> float:
        """Precision of the positive class."""
        return precision(self.true_positives, self.false_positives)

    @property
    def recall(self) -> float:
        """Recall of the positive class."""
        return recall(self.true_positives, self.false_negatives)

    @property
    def f1(self) -> float:
        """F1 of the positive class."""
        return f1(self.precision, self.recall)

    @property
    def macro_f1(self) -> float:
        """Mean of the F1 of the positive class and the F1 of the negative class."""
        negative_f1 = f1(
            precision(self.true_negatives, self.false_negatives),
            recall(self.true_negatives, self.false_positives),
        )
        return (self.f1 + negative_f1) / 2


def average_ranks(values: Sequence[float]) -> list[float]:
    """1-based ranks of `values` in ascending order; tied values share their mean rank."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for index in order[start : end + 1]:
            ranks[index] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def roc_auc(scores: Sequence[float], actual: Sequence[bool]) -> float | None:
    """Area under the ROC curve, by the Mann-Whitney rank statistic.

    The chance that a random positive scores above a random negative, ties counting
    half. None when either class is missing.
    """
    positives = sum(actual)
    negatives = len(actual) - positives
    if not positives or not negatives:
        return None
    ranks = average_ranks(scores)
    rank_sum = sum(rank for rank, positive in zip(ranks, actual, strict=True) if positive)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


# Input.


@dataclass(frozen=True)
class LabelledText:
    """One row to evaluate: the message, whether it should escalate, its group."""

    text: str
    positive: bool
    group: str = OVERALL


def read_labelled(
    paths: Sequence[Path],
    text_column: str,
    label_column: str,
    positive_labels: Sequence[str],
    group_by: str | None = None,
    limit: int | None = None,
) -> list[LabelledText]:
    """The rows of CSV files, labelled positive when their label is one of `positive_labels`.

    Labels compare case-insensitively, ignoring surrounding spaces. Rows with a blank
    text are skipped. The group is the `group_by` column's value; without it, the file
    name when several files are read.

    Args:
        paths: CSV files with a header row.
        text_column: The column holding the message.
        label_column: The column holding the label.
        positive_labels: The labels that should escalate.
        group_by: A column to report separately by.
        limit: At most this many rows per file, spread evenly over the file so that a
            file sorted by label keeps its mix.

    Raises:
        EvaluationError: A file cannot be read, a column is missing, no row is positive,
            or one of `positive_labels` labels no row.
    """
    wanted = {label.strip().casefold() for label in positive_labels}
    rows: list[LabelledText] = []
    seen_labels: set[str] = set()
    for path in paths:
        records = _read_csv(path, [text_column, label_column, *filter(None, [group_by])])
        for record in _spread(records, limit):
            text = (record[text_column] or "").strip()
            if not text:
                continue
            label = (record[label_column] or "").strip()
            seen_labels.add(label)
            if group_by:
                group = (record[group_by] or "").strip() or "(blank)"
            else:
                group = path.stem if len(paths) > 1 else OVERALL
            rows.append(LabelledText(text, label.casefold() in wanted, group))
    shown = ", ".join(sorted(seen_labels)[:30]) or "none"
    shown += ", ..." if len(seen_labels) > 30 else ""
    if not any(row.positive for row in rows):
        wanted_text = " or ".join(repr(label) for label in positive_labels)
        raise EvaluationError(
            f"no positive rows: no {label_column!r} is {wanted_text}; the values found are: {shown}"
        )
    found = {label.casefold() for label in seen_labels}
    for label in positive_labels:
        if label.strip().casefold() not in found:
            raise EvaluationError(
                f"no {label_column!r} is {label!r} (a typo?); the values found are: {shown}"
            )
    return rows


def _read_csv(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            reader = csv.DictReader(file)
            header = list(reader.fieldnames or [])
            missing = [column for column in columns if column not in header]
            if missing:
                raise EvaluationError(
                    f"{path} has no column {missing[0]!r}; its columns are: "
                    f"{', '.join(header) or '(none: the file is empty)'}"
                )
            return list(reader)
    except OSError as error:
        raise EvaluationError(f"cannot read {path}: {error.strerror or error}") from None
    except (csv.Error, UnicodeDecodeError) as error:
        raise EvaluationError(f"{path} is not a UTF-8 CSV file: {error}") from None


def _spread(records: list[dict[str, str]], limit: int | None) -> list[dict[str, str]]:
    if limit is None or len(records) <= limit:
        return records
    step = len(records) / limit
    return [records[int(index * step)] for index in range(limit)]


# The run.


@dataclass(frozen=True)
class GroupResult:
    """The figures for one group of rows (or all of them)."""

    name: str
    confusion: Confusion
    auc: float | None


def decide_all(
    detector: Detector,
    rows: Sequence[LabelledText],
    progress: Callable[[int], object] | None = None,
) -> list[HandoffDecision]:
    """The detector's decision for each row, as a single turn with no intent.

    The same as `detector.decide` row by row, but the classifier scores rows in
    batches. `progress` is called with the number of rows just done.
    """
    decisions: list[HandoffDecision] = []
    for start in range(0, len(rows), _BATCH):
        batch = rows[start : start + _BATCH]
        probabilities = detector.classifier.probabilities([row.text for row in batch])
        for row, probability in zip(batch, probabilities, strict=True):
            decisions.append(detector.decide_with(TurnContext(text=row.text), probability))
        if progress is not None:
            progress(len(batch))
    return decisions


def summarise(
    rows: Sequence[LabelledText], decisions: Sequence[HandoffDecision]
) -> list[GroupResult]:
    """One result per group, in order of first appearance, then the overall result."""
    groups: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(row.group, []).append(index)
    if list(groups) != [OVERALL]:
        groups[OVERALL] = list(range(len(rows)))
    results = []
    for name, indexes in groups.items():
        actual = [rows[i].positive for i in indexes]
        confusion = Confusion.of([decisions[i].escalate for i in indexes], actual)
        auc = roc_auc([decisions[i].score for i in indexes], actual)
        results.append(GroupResult(name, confusion, auc))
    return results


# Output.

_COLUMNS = ("group", "rows", "positives", "escalated", "precision", "recall", "F1", "macro-F1")


def format_table(results: Sequence[GroupResult]) -> str:
    """A plain-text table: one line per group, the overall line last.

    Recall and F1 need positive rows, macro-F1 and ROC AUC need both classes: in a
    group without them they show as "n/a" (the "escalated" count still tells).
    """
    width = max(len("group"), *(len(result.name) for result in results))
    header = f"{_COLUMNS[0]:<{width}}" + "".join(f"{c:>10}" for c in _COLUMNS[1:]) + " ROC AUC"
    lines = [header, "-" * len(header)]
    for result in results:
        c = result.confusion
        has_positives, both = c.positives > 0, 0 < c.positives < c.rows
        figures = [
            _figure(c.precision, True),
            _figure(c.recall, has_positives),
            _figure(c.f1, has_positives),
            _figure(c.macro_f1, both),
        ]
        lines.append(
            f"{result.name:<{width}}{c.rows:>10}{c.positives:>10}{c.predicted_positives:>10}"
            + "".join(f"{figure:>10}" for figure in figures)
            + f"{_figure(result.auc, result.auc is not None):>8}"
        )
    return "\n".join(lines)


def _figure(value: float | None, defined: bool) -> str:
    """A metric to 3 decimals, or "n/a" where a class it needs is missing from the group."""
    return f"{value:.3f}" if defined and value is not None else "n/a"


def draw_confusion(results: Sequence[GroupResult], path: Path) -> None:
    """Save one confusion-matrix panel per result as an image (PNG, SVG, PDF by suffix).

    Raises:
        EvaluationError: The image cannot be written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = min(3, len(results))
    lines = -(-len(results) // columns)
    figure, axes = plt.subplots(lines, columns, figsize=(3.6 * columns, 3.3 * lines), squeeze=False)
    for axis in axes.flat[len(results) :]:
        axis.set_visible(False)
    for axis, result in zip(axes.flat, results, strict=False):
        c = result.confusion
        cells = [[c.true_negatives, c.false_positives], [c.false_negatives, c.true_positives]]
        most = max(1, *cells[0], *cells[1])
        axis.imshow(cells, cmap="Blues", vmin=0, vmax=most)
        for y, x in ((0, 0), (0, 1), (1, 0), (1, 1)):
            colour = "white" if cells[y][x] > most / 2 else "black"
            axis.text(x, y, str(cells[y][x]), ha="center", va="center", color=colour)
        axis.set_xticks([0, 1], ["bot", "escalate"])
        axis.set_yticks([0, 1], ["negative", "positive"])
        axis.set_xlabel("predicted")
        axis.set_ylabel("actual")
        axis.set_title(f"{result.name}  F1 {c.f1:.2f}", fontsize=10)
    figure.tight_layout()
    try:
        figure.savefig(path, dpi=120)
    except (OSError, ValueError) as error:
        raise EvaluationError(f"cannot write the chart {path}: {error}") from None
    finally:
        plt.close(figure)
