"""Scores of an intent classifier on labelled messages: per intent, overall, confusion.

The ratios and F1 are those of `handoff.evaluation` (a ratio with an empty
denominator is 0.0); here they are counted once per intent, one intent against the
rest, and macro-F1 is their unweighted mean over the intents that occur in the
labels.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from handoff.evaluation import f1, precision, ratio, recall


@dataclass(frozen=True)
class IntentScore:
    """How one intent fared: precision, recall and F1 of it against the rest."""

    intent: str
    support: int  # messages labelled with it
    predicted: int  # messages predicted as it
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class IntentReport:
    """Accuracy, macro-F1, per-intent scores and the confusion counts."""

    accuracy: float
    macro_f1: float
    intents: list[IntentScore]
    labels: list[str]  # the confusion matrix's order: labelled intents, then others
    confusion: list[list[int]]  # confusion[actual][predicted], in `labels` order
    messages: int

    @property
    def worst(self) -> list[IntentScore]:
        """The intents from the lowest F1 up."""
        return sorted(self.intents, key=lambda score: (score.f1, score.intent))


def score_intents(actual: Sequence[str], predicted: Sequence[str]) -> IntentReport:
    """Compare predicted intents with the labels, message by message."""
    if len(actual) != len(predicted):
        raise ValueError(f"{len(actual)} labels but {len(predicted)} predictions")
    pairs = Counter(zip(actual, predicted, strict=True))
    labelled = sorted(set(actual))
    labels = labelled + sorted(set(predicted) - set(labelled))
    intents = []
    for intent in labelled:
        hits = pairs[intent, intent]
        support = sum(count for (a, _), count in pairs.items() if a == intent)
        guessed = sum(count for (_, p), count in pairs.items() if p == intent)
        p, r = precision(hits, guessed - hits), recall(hits, support - hits)
        intents.append(IntentScore(intent, support, guessed, p, r, f1(p, r)))
    correct = sum(count for (a, p), count in pairs.items() if a == p)
    return IntentReport(
        accuracy=ratio(correct, len(actual)),
        macro_f1=sum(score.f1 for score in intents) / len(intents) if intents else 0.0,
        intents=intents,
        labels=labels,
        confusion=[[pairs[a, p] for p in labels] for a in labels],
        messages=len(actual),
    )


def format_intent_table(report: IntentReport) -> str:
    """A plain-text table, one line per intent, then the overall figures."""
    width = max([len("intent"), *(len(score.intent) for score in report.intents)])
    header = f"{'intent':<{width}}{'support':>9}{'precision':>11}{'recall':>9}{'F1':>8}"
    lines = [header, "-" * len(header)]
    for s in report.intents:
        lines.append(
            f"{s.intent:<{width}}{s.support:>9}{s.precision:>11.3f}{s.recall:>9.3f}{s.f1:>8.3f}"
        )
    lines.append("-" * len(header))
    lines.append(
        f"{report.messages} messages: accuracy {report.accuracy:.3f}, "
        f"macro-F1 {report.macro_f1:.3f}"
    )
    return "\n".join(lines)
