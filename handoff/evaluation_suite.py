"""Every shared evaluation set in one run: `python -m bot handoff-eval` without files.

The detector never learns from these sets. Each set has a tuning split that is not
scored, on which the escalation threshold for that set is chosen (the one with the
best macro-F1); the scored split is then measured at that threshold:

- bitext customer service: intents `complaint` and `contact_human_agent` against the
  rest. A fixed fifth of its rows (chosen by a hash of the text, so the same rows every
  run) is the tuning split; the other four fifths are scored.
- multilingual sentiment: `negative` against the rest, per language. The `*-val.csv`
  files are the tuning split (one threshold for all languages), `*-test.csv` are scored.
- routine questions: the held-out NLU files (`tests/nlu/held_out.yml` in English,
  `held_out_<lang>.yml` in the others), intents that are neither complaints nor asking
  for a person. Their false-escalation rate is measured at the configured threshold
  (`detection.threshold` in config/handoff.yml), which is what the bot does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.nlu.e5 import E5Encoder, normalise
from handoff.detection import Detector
from handoff.detection.classifier import read_nlu_examples
from handoff.detection.latency import Latency, measure_latency
from handoff.evaluation import (
    Confusion,
    EvaluationError,
    LabelledText,
    decide_all,
    read_labelled,
    roc_auc,
)

BITEXT = "bitext-customer-service/utterances.csv"
BITEXT_POSITIVE = ("complaint", "contact_human_agent")
SENTIMENT = "multilingual-sentiment"
SENTIMENT_LANGUAGES = {
    "arabic": "ar",
    "english": "en",
    "french": "fr",
    "german": "de",
    "hindi": "hi",
    "italian": "it",
    "portuguese": "pt",
    "spanish": "es",
}
LATENCY_SAMPLE = 100  # routine questions timed one by one
TUNING_SHARE = 5  # one row in this many of bitext tunes the threshold


@dataclass(frozen=True)
class SetResult:
    """One line of the table."""

    name: str
    rows: int
    positives: int
    threshold: float
    confusion: Confusion | None  # None for routine questions: no positives
    auc: float | None
    false_escalations: float | None

    @property
    def escalated(self) -> int:
        """Rows at or above the threshold."""
        if self.confusion is not None:
            return self.confusion.predicted_positives
        return round((self.false_escalations or 0.0) * self.rows)


@dataclass(frozen=True)
class Suite:
    """The results of one run and where each threshold came from."""

    results: list[SetResult]
    notes: list[str]
    latency: Latency | None = None


def is_tuning_row(text: str) -> bool:
    """Whether a bitext row belongs to the tuning fifth (a stable hash of its text)."""
    return hashlib.sha256(text.encode()).digest()[0] % TUNING_SHARE == 0


def best_threshold(scores: Sequence[float], actual: Sequence[bool]) -> float:
    """The score threshold with the best macro-F1 on these rows (ties: the lower)."""
    best, best_f1 = 0.5, -1.0
    for candidate in sorted(set(round(score, 4) for score in scores)):
        predicted = [score >= candidate for score in scores]
        value = Confusion.of(predicted, actual).macro_f1
        if value > best_f1:
            best, best_f1 = candidate, value
    return best


def measure(
    name: str, scores: Sequence[float], actual: Sequence[bool], threshold: float
) -> SetResult:
    """A set's figures at `threshold`."""
    confusion = Confusion.of([score >= threshold for score in scores], actual)
    return SetResult(
        name, len(scores), sum(actual), threshold, confusion, roc_auc(scores, actual), None
    )


@dataclass(frozen=True)
class _Sets:
    """The rows of every set found, read before anything is scored."""

    bitext_tuning: list[LabelledText]
    bitext_scored: list[LabelledText]
    sentiment_tuning: list[LabelledText]
    sentiment_scored: list[LabelledText]
    sentiment_languages: list[str]
    routine: dict[str, list[LabelledText]]

    def texts(self) -> list[str]:
        rows = [
            *self.bitext_tuning,
            *self.bitext_scored,
            *self.sentiment_tuning,
            *self.sentiment_scored,
        ]
        rows += [row for routine in self.routine.values() for row in routine]
        return [row.text for row in rows]


def read_sets(
    datasets: Path, held_out: Path, not_routine: Sequence[str], limit: int | None = None
) -> _Sets:
    """The rows of the shared sets under `datasets` and of the held-out routine questions.

    Raises:
        EvaluationError: Neither shared set is under `datasets`.
    """
    bitext = datasets / BITEXT
    sentiment = datasets / SENTIMENT
    if not bitext.is_file() and not sentiment.is_dir():
        raise EvaluationError(
            f"no shared datasets under {datasets} (neither {BITEXT} nor {SENTIMENT}/); "
            "pass --datasets DIR"
        )
    bitext_rows: list[LabelledText] = []
    if bitext.is_file():
        bitext_rows = read_labelled(
            [bitext], "utterance", "intent", list(BITEXT_POSITIVE), "intent", limit
        )
    languages: list[str] = []
    tuning: list[LabelledText] = []
    scored: list[LabelledText] = []
    if sentiment.is_dir():
        languages = [
            name
            for name in SENTIMENT_LANGUAGES
            if (sentiment / f"{name}-test.csv").is_file()
            and (sentiment / f"{name}-val.csv").is_file()
        ]
    if languages:
        validation = [sentiment / f"{name}-val.csv" for name in languages]
        tests = [sentiment / f"{name}-test.csv" for name in languages]
        tuning = read_labelled(validation, "text", "label", ["negative"], limit=limit)
        scored = read_labelled(tests, "text", "label", ["negative"], limit=limit)
    routine: dict[str, list[LabelledText]] = {}
    for path in sorted(held_out.glob("held_out*.yml")) if held_out.is_dir() else []:
        language = path.stem.removeprefix("held_out").lstrip("_") or "en"
        texts, _ = read_nlu_examples([path], frustrated=(), ignored=not_routine)
        if texts:
            routine[language] = [LabelledText(text, False) for text in texts]
    return _Sets(
        [row for row in bitext_rows if is_tuning_row(row.text)],
        [row for row in bitext_rows if not is_tuning_row(row.text)],
        tuning,
        scored,
        languages,
        routine,
    )


def run_suite(
    detector: Detector,
    datasets: Path,
    held_out: Path,
    *,
    limit: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> Suite:
    """Score the detector on every shared set found under `datasets`.

    Raises:
        EvaluationError: Neither set is under `datasets`.
    """
    settings = detector.settings
    sets = read_sets(
        datasets, held_out, [*settings.complaint_intents, *settings.human_intents], limit
    )
    store = Path(settings.classifier.cache_dir) / "evaluation-vectors.npz"
    warm_encoder(detector.classifier.encoder, sets.texts(), store, progress)
    results: list[SetResult] = []
    notes: list[str] = []

    def scores_of(rows: Sequence[LabelledText]) -> list[float]:
        return [decision.score for decision in decide_all(detector, rows)]

    if sets.bitext_scored:
        tuning, scored = sets.bitext_tuning, sets.bitext_scored
        threshold = best_threshold(scores_of(tuning), [row.positive for row in tuning])
        results.append(
            measure("bitext", scores_of(scored), [row.positive for row in scored], threshold)
        )
        notes.append(
            f"bitext: threshold {threshold:.3f} chosen on its tuning fifth ({len(tuning)} rows, "
            f"picked by a hash of the text), not scored; {len(scored)} rows scored"
        )
    if sets.sentiment_scored:
        tuning, scored = sets.sentiment_tuning, sets.sentiment_scored
        threshold = best_threshold(scores_of(tuning), [row.positive for row in tuning])
        notes.append(
            f"sentiment: threshold {threshold:.3f} chosen on the *-val.csv files "
            f"({len(tuning)} rows), not scored; the *-test.csv files are scored"
        )
        scores = scores_of(scored)
        for name in sets.sentiment_languages:
            picked = [i for i, row in enumerate(scored) if row.group == f"{name}-test"]
            results.append(
                measure(
                    f"sentiment {SENTIMENT_LANGUAGES[name]}",
                    [scores[i] for i in picked],
                    [scored[i].positive for i in picked],
                    threshold,
                )
            )
        results.append(
            measure("sentiment all", scores, [row.positive for row in scored], threshold)
        )
    for language, rows in sets.routine.items():
        decisions = decide_all(detector, rows)
        share = sum(d.escalate for d in decisions) / len(decisions)
        results.append(
            SetResult(f"routine {language}", len(rows), 0, settings.threshold, None, None, share)
        )
    if sets.routine:
        notes.append(
            f"routine: held-out questions in {held_out}, escalated at the configured threshold "
            f"{settings.threshold:.2f} (detection.threshold in config/handoff.yml)"
        )
    sample = [row.text for rows in sets.routine.values() for row in rows][:LATENCY_SAMPLE]
    latency = measure_latency(detector, sample) if sample else None
    return Suite(results, notes, latency)


_HEADER = ("set", "rows", "pos", "thresh", "prec", "recall", "F1", "macroF1", "AUC", "false-esc")


def format_suite(results: Sequence[SetResult]) -> str:
    """One table: a line per set."""
    width = max(len("set"), *(len(result.name) for result in results))
    lines = [f"{_HEADER[0]:<{width}}" + "".join(f"{h:>9}" for h in _HEADER[1:])]
    lines.append("-" * len(lines[0]))
    for r in results:
        c = r.confusion
        cells = [str(r.rows), str(r.positives), f"{r.threshold:.3f}"]
        if c is not None:
            cells += [f"{c.precision:.3f}", f"{c.recall:.3f}", f"{c.f1:.3f}", f"{c.macro_f1:.3f}"]
        else:
            cells += ["n/a"] * 4
        cells.append(f"{r.auc:.3f}" if r.auc is not None else "n/a")
        cells.append(f"{r.false_escalations:.3f}" if r.false_escalations is not None else "n/a")
        lines.append(f"{r.name:<{width}}" + "".join(f"{cell:>9}" for cell in cells))
    return "\n".join(lines)


def draw_suite(results: Sequence[SetResult], path: Path) -> None:
    """A bar chart: ROC AUC and macro-F1 per set, false escalations per language.

    Raises:
        EvaluationError: The image cannot be written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scored = [r for r in results if r.confusion is not None]
    routine = [r for r in results if r.confusion is None]
    figure, axes = plt.subplots(
        1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 1]}, squeeze=False
    )
    left, right = axes[0]
    positions = range(len(scored))
    left.bar([p - 0.2 for p in positions], [r.auc or 0 for r in scored], 0.4, label="ROC AUC")
    left.bar(
        [p + 0.2 for p in positions],
        [r.confusion.macro_f1 if r.confusion else 0 for r in scored],
        0.4,
        label="macro-F1",
    )
    left.axhline(0.8, color="grey", linestyle=":", linewidth=1)
    left.set_xticks(list(positions), [r.name for r in scored], rotation=45, ha="right")
    left.set_ylim(0, 1)
    left.legend(loc="lower right")
    left.set_title("Handoff detector on the shared sets")
    right.bar(range(len(routine)), [r.false_escalations or 0 for r in routine], color="tab:red")
    right.set_xticks(list(range(len(routine))), [r.name for r in routine], rotation=45, ha="right")
    right.set_ylim(0, max(0.1, *(r.false_escalations or 0 for r in routine)))
    right.set_title("Routine questions escalated")
    figure.tight_layout()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=120)
    except (OSError, ValueError) as error:
        raise EvaluationError(f"cannot write the chart {path}: {error}") from None
    finally:
        plt.close(figure)


def warm_encoder(
    encoder: E5Encoder,
    texts: Sequence[str],
    store: Path,
    progress: Callable[[int], object] | None = None,
) -> None:
    """Give the encoder the vectors of `texts`, from `store` where it has them.

    The shared sets hold tens of thousands of messages; their vectors are kept in
    `store` (by a hash of each text), so a second run only encodes what changed.
    """
    import numpy as np

    keys = {hashlib.sha1(normalise(text).encode()).hexdigest(): text for text in texts}
    known: dict[str, Any] = {}
    if store.is_file():
        try:
            with np.load(store, allow_pickle=False) as stored:
                known = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
        except (OSError, ValueError, KeyError):
            known = {}
    missing = [key for key in keys if key not in known]
    for start in range(0, len(missing), 256):
        batch = missing[start : start + 256]
        vectors = encoder.encode([keys[key] for key in batch])
        known.update(zip(batch, vectors, strict=True))
        if progress is not None:
            progress(len(batch))
        if start % 4096 == 0 or start + 256 >= len(missing):
            _store_vectors(store, known)
    wanted = [key for key in keys if key in known]
    encoder.remember([keys[key] for key in wanted], np.stack([known[key] for key in wanted]))


def _store_vectors(store: Path, known: dict[str, Any]) -> None:
    import numpy as np

    store.parent.mkdir(parents=True, exist_ok=True)
    partial = store.with_suffix(".partial.npz")
    np.savez(
        partial, keys=np.array(list(known), dtype="<U40"), vectors=np.stack(list(known.values()))
    )
    partial.replace(store)
