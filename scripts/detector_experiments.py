"""Try complaint-classifier variants in memory on cached embeddings, as handoff-eval scores them.

Embeds nothing that is already stored: the training examples' vectors come from
`models/detector/example-vectors.npz` (written by `python -m bot train`), the shared
sets' from `models/detector/evaluation-vectors.npz` (written by `handoff-eval`).
Routine questions get rasa's intents once, kept in /tmp/detect/routine-intents.json.

Selection is on the tuning splits only (bitext's tuning fifth, sentiment *-val.csv);
the scored splits are printed beside them for the report, never to choose.

    .venv/bin/python scripts/detector_experiments.py [VARIANT ...]
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from bot.config import load_settings
from bot.engine import RasaProject
from handoff.detection import Detector, TurnContext
from handoff.detection.classifier import language_weights as classifier_language_weights
from handoff.detection.classifier import read_nlu_examples
from handoff.detection.examples import Example, example_files, from_labels, read_all
from handoff.evaluation import Confusion, roc_auc
from handoff.evaluation_suite import SENTIMENT_LANGUAGES, best_threshold, read_sets
from handoff.settings import load_handoff_settings

DATASETS = Path("../../shared/datasets")
HELD_OUT = Path("tests/nlu")
CACHE = Path("models/detector")
ROUTINE_INTENTS = Path("/tmp/detect/routine-intents.json")
Array = NDArray[np.float32]
Scorer = Callable[[Array, list[str]], NDArray[np.float64]]


@dataclass
class Data:
    """Everything an experiment needs, embedded once."""

    examples: list[Example]
    x: Array
    y: NDArray[np.int64]
    sets: Any
    vectors: dict[str, Array]
    routine_intents: dict[str, tuple[str | None, float | None]]
    detector: Detector


def load() -> Data:
    """Examples, their vectors, the shared sets and their vectors, routine intents."""
    settings = load_settings(None)
    project = RasaProject.from_settings(settings.project, settings.source)
    detection = load_handoff_settings(settings.project.handoff).detection
    detector = Detector.from_settings(
        detection, Path(settings.project.handoff_examples), project.files()
    )
    texts, labels = read_nlu_examples(
        project.files(), frustrated=detection.complaint_intents, ignored=detection.human_intents
    )
    examples = read_all(example_files(Path(settings.project.handoff_examples)))
    examples += from_labels(texts, labels, "nlu")
    encoder = detector.classifier.encoder
    x = encoder.encode_stored([e.text for e in examples], CACHE / "example-vectors.npz")
    y = np.array([int(e.complaint) for e in examples])
    sets = read_sets(
        DATASETS, HELD_OUT, [*detection.complaint_intents, *detection.human_intents], 3000
    )
    all_texts = sets.texts()
    before = encoder.computed
    ev = encoder.encode_stored(all_texts, CACHE / "evaluation-vectors.npz")
    if encoder.computed > before:
        print(f"(embedded {encoder.computed - before} evaluation texts)", file=sys.stderr)
    vectors = dict(zip(all_texts, ev, strict=True))
    routine_intents = _routine_intents(settings, project, sets)
    return Data(examples, x, y, sets, vectors, routine_intents, detector)


def _routine_intents(settings: Any, project: Any, sets: Any) -> dict[str, Any]:
    if ROUTINE_INTENTS.is_file():
        return {k: tuple(v) for k, v in json.loads(ROUTINE_INTENTS.read_text()).items()}
    from bot.engine.logs import quiet_rasa
    from bot.nlu.offline import NluModel

    quiet_rasa()
    found: dict[str, Any] = {}
    with NluModel.open(project.model_path(Path(settings.engine.model_dir))) as nlu:
        for rows in sets.routine.values():
            for row in rows:
                p = nlu.predict(row.text)
                found[row.text] = (p.intent or None, p.confidence)
    ROUTINE_INTENTS.parent.mkdir(parents=True, exist_ok=True)
    ROUTINE_INTENTS.write_text(json.dumps(found))
    return found


def evaluate(data: Data, scorer: Scorer, detector: Detector | None = None) -> dict[str, float]:
    """The figures handoff-eval prints, from the probabilities of `scorer`."""
    detector = detector or data.detector
    sets = data.sets

    def scores(rows: list[Any]) -> list[float]:
        texts = [row.text for row in rows]
        p = scorer(np.stack([data.vectors[t] for t in texts]), texts)
        return [
            detector.decide_with(TurnContext(text=t), float(q)).score
            for t, q in zip(texts, p, strict=True)
        ]

    out: dict[str, float] = {}
    limit = detector.settings.threshold
    actual = [r.positive for r in sets.bitext_tuning]
    tuned = scores(sets.bitext_tuning)
    threshold = best_threshold(tuned, actual)
    out["bt_tune_f1"] = Confusion.of([s >= threshold for s in tuned], actual).macro_f1
    out["bt_tune_auc"] = roc_auc(tuned, actual) or 0.0
    out["bt_tune_calm"] = calm_escalated(tuned, actual, limit)
    scored = scores(sets.bitext_scored)
    actual = [r.positive for r in sets.bitext_scored]
    out["bt_f1"] = Confusion.of([s >= threshold for s in scored], actual).macro_f1
    out["bt_auc"] = roc_auc(scored, actual) or 0.0
    for split, rows in (("val", sets.sentiment_tuning), ("test", sets.sentiment_scored)):
        values = scores(rows)
        out[f"{split}_calm"] = calm_escalated(values, [r.positive for r in rows], limit)
        for name, code in SENTIMENT_LANGUAGES.items():
            picked = [i for i, r in enumerate(rows) if r.group.startswith(name)]
            out[f"{split}_{code}"] = (
                roc_auc([values[i] for i in picked], [rows[i].positive for i in picked]) or 0.0
            )
        out[f"{split}_min"] = min(out[f"{split}_{c}"] for c in SENTIMENT_LANGUAGES.values())
        out[f"{split}_mean"] = float(
            np.mean([out[f"{split}_{c}"] for c in SENTIMENT_LANGUAGES.values()])
        )
    worst = 0.0
    for language, rows in sets.routine.items():
        texts = [row.text for row in rows]
        p = scorer(np.stack([data.vectors[t] for t in texts]), texts)
        escalated = [
            detector.decide_with(TurnContext(t, *data.routine_intents[t]), float(q)).escalate
            for t, q in zip(texts, p, strict=True)
        ]
        out[f"routine_{language}"] = sum(escalated) / len(escalated)
        worst = max(worst, out[f"routine_{language}"])
    out["routine_max"] = worst
    return out


def calm_escalated(scores: list[float], actual: list[bool], threshold: float) -> float:
    """The share of the rows that should not escalate whose score reaches `threshold`."""
    calm = [score for score, positive in zip(scores, actual, strict=True) if not positive]
    return sum(score >= threshold for score in calm) / max(1, len(calm))


def show(name: str, figures: dict[str, float]) -> None:
    """One line: the tuning figures first (what selects), then the scored ones."""
    codes = list(SENTIMENT_LANGUAGES.values())
    val = " ".join(f"{figures[f'val_{c}']:.2f}" for c in codes)
    test = " ".join(f"{figures[f'test_{c}']:.2f}" for c in codes)
    print(
        f"{name:<34} TUNE bt {figures['bt_tune_f1']:.3f} val min {figures['val_min']:.3f} "
        f"mean {figures['val_mean']:.3f} [{val}] rout {figures['routine_max']:.3f} "
        f"calm esc bt {figures['bt_tune_calm']:.3f} val {figures['val_calm']:.3f} | "
        f"SCORED bt {figures['bt_f1']:.3f} test min {figures['test_min']:.3f} "
        f"mean {figures['test_mean']:.3f} [{test}]",
        flush=True,
    )


# Variants.


def logistic(
    data: Data,
    c: float = 1.0,
    weights: Any = "balanced",
    sample: Any = None,
    transform: Callable[[Array], Array] | None = None,
    **kw: Any,
) -> Scorer:
    """A logistic regression on the embedding (optionally transformed)."""
    from sklearn.linear_model import LogisticRegression

    t = transform or (lambda v: v)
    model = LogisticRegression(C=c, class_weight=weights, max_iter=3000, **kw)
    model.fit(t(data.x), data.y, sample_weight=sample)

    def score(v: Array, texts: list[str]) -> NDArray[np.float64]:
        return np.asarray(model.predict_proba(t(v))[:, 1], dtype=np.float64)

    return score


def language_weights(data: Data) -> NDArray[np.float64]:
    """Each language's complaints and routine messages weigh the same (as the detector)."""
    return classifier_language_weights(data.examples)


def social(data: Data, factor: float) -> NDArray[np.float64]:
    """Weight `factor` for the examples of the social/posts/chats_*.yml files, 1 for others."""
    social = ("social_", "posts_", "chats_")
    return np.array([factor if e.source.startswith(social) else 1.0 for e in data.examples])


def centred(data: Data) -> Callable[[Array], Array]:
    """Subtract the examples' mean vector, then unit length."""
    mean = data.x.mean(axis=0)

    def t(v: Array) -> Array:
        out = v - mean
        return np.asarray(out / np.linalg.norm(out, axis=1, keepdims=True), dtype=np.float32)

    return t


def standardised(data: Data) -> Callable[[Array], Array]:
    """Each dimension to mean 0, deviation 1."""
    mean, std = data.x.mean(axis=0), data.x.std(axis=0) + 1e-6
    return lambda v: (v - mean) / std


def mlp(data: Data, hidden: int = 128, alpha: float = 1e-3, seed: int = 0) -> Scorer:
    """A one-hidden-layer perceptron."""
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        (hidden,), alpha=alpha, max_iter=300, early_stopping=True, random_state=seed
    ).fit(data.x, data.y)
    return lambda v, t: model.predict_proba(v)[:, 1]


def svm(data: Data, c: float = 0.1) -> Scorer:
    """A linear SVM, calibrated by cross-validation."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    model = CalibratedClassifierCV(LinearSVC(C=c, class_weight="balanced"), cv=5)
    model.fit(data.x, data.y)
    return lambda v, t: model.predict_proba(v)[:, 1]


def knn(data: Data, k: int = 20, sharpness: float = 30.0) -> Scorer:
    """Mean similarity to the k nearest complaints minus to the k nearest routine messages."""
    pos, neg = data.x[data.y == 1], data.x[data.y == 0]

    def score(v: Array, texts: list[str]) -> NDArray[np.float64]:
        sp = np.sort(v @ pos.T, axis=1)[:, -k:].mean(axis=1)
        sn = np.sort(v @ neg.T, axis=1)[:, -k:].mean(axis=1)
        return np.asarray(1 / (1 + np.exp(-(sp - sn) * sharpness)), dtype=np.float64)

    return score


def chars(data: Data, c: float = 1.0) -> Scorer:
    """A character n-gram TF-IDF logistic regression on the same examples."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        min_df=2,
        sublinear_tf=True,
        lowercase=True,
        max_features=200000,
    )
    m = vec.fit_transform([e.text for e in data.examples])
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000).fit(m, data.y)
    return lambda v, t: model.predict_proba(vec.transform(t))[:, 1]


def blend(a: Scorer, b: Scorer, w: float) -> Scorer:
    """A weighted average of two scorers' logits."""

    def score(v: Array, t: list[str]) -> NDArray[np.float64]:
        pa, pb = np.clip(a(v, t), 1e-6, 1 - 1e-6), np.clip(b(v, t), 1e-6, 1 - 1e-6)
        logit = (1 - w) * np.log(pa / (1 - pa)) + w * np.log(pb / (1 - pb))
        return np.asarray(1 / (1 + np.exp(-logit)), dtype=np.float64)

    return score


def voted(data: Data, weights: NDArray[np.float64], k: int, share: float) -> Scorer:
    """The regression (C 0.5, languages balanced) with the k nearest examples' vote."""
    return blend(logistic(data, 0.5, None, weights), knn(data, k), share)


def main(argv: list[str]) -> int:
    """Run the named variants (all without names)."""
    started = time.perf_counter()
    data = load()
    print(
        f"loaded {len(data.examples)} examples, {len(data.vectors)} evaluation texts "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    base = data.detector
    cont = Detector(replace(base.settings, complaint_min_probability=0.0), base.classifier)
    lw = language_weights(data)
    variants: dict[str, Callable[[], tuple[Scorer, Any]]] = {
        "lr1": lambda: (logistic(data, 1.0), None),
        "lr1 continuous": lambda: (logistic(data, 1.0), cont),
        "raw p lr1 (no signals)": lambda: (logistic(data, 1.0), "raw"),
        "lr1 lb social x3": lambda: (logistic(data, 1.0, None, lw * social(data, 3)), None),
        "lr1 lb social x6": lambda: (logistic(data, 1.0, None, lw * social(data, 6)), None),
        "lr0.5 lb social x3": lambda: (logistic(data, 0.5, None, lw * social(data, 3)), None),
        "lr0.5 lb": lambda: (logistic(data, 0.5, None, lw), None),
        "lr0.5 lb continuous": lambda: (logistic(data, 0.5, None, lw), cont),
        "lr0.3": lambda: (logistic(data, 0.3), None),
        "lr0.1": lambda: (logistic(data, 0.1), None),
        "lr1 lang-balanced": lambda: (logistic(data, 1.0, None, lw), None),
        "lr1 centred": lambda: (logistic(data, 1.0, transform=centred(data)), None),
        "lr0.3 centred": lambda: (logistic(data, 0.3, transform=centred(data)), None),
        "lr std C0.01": lambda: (logistic(data, 0.01, transform=standardised(data)), None),
        "lr std C0.003": lambda: (logistic(data, 0.003, transform=standardised(data)), None),
        "mlp128": lambda: (mlp(data), None),
        "mlp128 a1e-2": lambda: (mlp(data, 128, 1e-2), None),
        "svm0.1": lambda: (svm(data, 0.1), None),
        "knn20": lambda: (knn(data, 20), None),
        "lr1+knn20 .3": lambda: (blend(logistic(data, 1.0), knn(data, 20), 0.3), None),
        # The vote as first set (neighbours 3, neighbour_weight 0.5, sharpness 30); since
        # issue 9 the share is 0.6 and the sharpness 40 ("lr0.5 lb+knn3 .6 sharp 40"). A
        # lower complaint_min_probability ("... min 0.3") lifts AUC a little but escalates
        # many more doubtful public messages: not taken.
        "lr0.5 lb+knn3 .5": lambda: (voted(data, lw, 3, 0.5), None),
        "lr0.5 lb+knn3 .35": lambda: (voted(data, lw, 3, 0.35), None),
        "lr0.5 lb+knn3 .65": lambda: (voted(data, lw, 3, 0.65), None),
        "lr0.5 lb+knn5 .5": lambda: (voted(data, lw, 5, 0.5), None),
        "chars": lambda: (chars(data), None),
        "lr1+chars .3": lambda: (blend(logistic(data, 1.0), chars(data), 0.3), None),
    }
    # The classifier's probability from which it counts (complaint_min_probability).
    for m in (0.0, 0.2, 0.3, 0.4, 0.5):
        floor = Detector(replace(base.settings, complaint_min_probability=m), base.classifier)
        variants[f"lr0.5 lb+knn3 .5 min {m}"] = lambda f=floor: (voted(data, lw, 3, 0.5), f)
        variants[f"lr0.5 lb+knn3 .6 min {m}"] = lambda f=floor: (voted(data, lw, 3, 0.6), f)
    # The regression's C, the neighbours and the vote's share, around the defaults.
    shapes = ((1.0, 3, 0.5), (0.25, 3, 0.5), (0.5, 5, 0.5), (0.5, 3, 0.4), (0.5, 3, 0.6))
    for c, k, share in (*shapes, (0.5, 3, 0.7)):
        variants[f"lr{c} lb+knn{k} {share}"] = lambda c=c, k=k, share=share: (
            blend(logistic(data, c, None, lw), knn(data, k), share),
            None,
        )
    for factor in (2.0, 3.0):
        variants[f"lr0.5 lb social x{factor}+knn3 .5"] = lambda f=factor: (
            voted(data, lw * social(data, f), 3, 0.5),
            None,
        )
    for sharpness in (20.0, 35.0, 40.0, 45.0):
        variants[f"lr0.5 lb+knn3 .6 sharp {sharpness:.0f}"] = lambda s=sharpness: (
            blend(logistic(data, 0.5, None, lw), knn(data, 3, s), 0.6),
            None,
        )
    # Issue 9, second round: a sharper vote over more neighbours ("lr0.5 lb+knn10 .5 sharp
    # 100", in config/handoff.yml since) has the best bitext tuning macro-F1 and sentiment
    # val mean AUC together; it reads more messages as complaints, so the escalation
    # threshold went from 0.6 to 0.65 (see `calm_escalated`).
    for k, sharpness, share in (
        (5, 60.0, 0.6), (5, 80.0, 0.6), (5, 100.0, 0.6), (7, 80.0, 0.6), (10, 80.0, 0.6),
        (7, 80.0, 0.5), (10, 60.0, 0.5), (10, 80.0, 0.5), (10, 100.0, 0.5),
    ):  # fmt: skip
        variants[f"lr0.5 lb+knn{k} .{share * 10:.0f} sharp {sharpness:.0f}"] = (
            lambda k=k, s=sharpness, w=share: (
                blend(logistic(data, 0.5, None, lw), knn(data, k, s), w),
                None,
            )
        )
    chosen = argv or list(variants)
    for name in chosen:
        t0 = time.perf_counter()
        scorer, det = variants[name]()
        if det == "raw":
            det = Detector(
                replace(
                    base.settings,
                    complaint_min_probability=0.0,
                    signals={
                        k: replace(v, enabled=(k == "complaint"))
                        for k, v in base.settings.signals.items()
                    },
                ),
                base.classifier,
            )
        show(f"{name} ({time.perf_counter() - t0:.0f}s)", evaluate(data, scorer, det))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def errors(data: Data, scorer: Scorer, group: str, n: int = 15) -> None:
    """The tuning rows the scorer gets most wrong, in one group (e.g. german-val)."""
    rows = [
        r for r in data.sets.sentiment_tuning + data.sets.bitext_tuning if r.group.startswith(group)
    ]
    texts = [r.text for r in rows]
    p = scorer(np.stack([data.vectors[t] for t in texts]), texts)
    order = np.argsort(p)
    print("-- negatives/positives scored LOW:")
    for i in [i for i in order if rows[i].positive][:n]:
        print(f"  {p[i]:.2f} {rows[i].group} {texts[i][:110]!r}")
    print("-- rest scored HIGH:")
    for i in [i for i in order[::-1] if not rows[i].positive][:n]:
        print(f"  {p[i]:.2f} {rows[i].group} {texts[i][:110]!r}")
