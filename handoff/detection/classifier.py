"""The frustration and complaint classifier: character and word n-grams, logistic regression.

Character n-grams carry across languages and spelling mistakes, so a few hundred
examples in `data/handoff/frustration.yml` go a long way. The designers' NLU data
adds more: complaint intents count as frustrated, the routine intents as calm, so a
plain "when is customer service open?" is not mistaken for a complaint because
complaints also mention customer service. Training takes about a second, so the
model is trained at start-up rather than shipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from core.errors import ConfigError

LABELS = ("calm", "frustrated")
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")


def read_examples(path: Path) -> tuple[list[str], list[int]]:
    """Texts and labels (1 = frustrated) from the examples file.

    Raises:
        ConfigError: The file is missing, malformed, or lacks either kind.
    """
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigError(str(path), "", f"cannot read the examples: {error}") from None
    texts: list[str] = []
    labels: list[int] = []
    for label, name in enumerate(LABELS):
        by_language = (data or {}).get(name)
        if not isinstance(by_language, dict) or not by_language:
            raise ConfigError(str(path), name, "expected examples grouped by language")
        for language, examples in by_language.items():
            if not isinstance(examples, list):
                raise ConfigError(str(path), f"{name}.{language}", "expected a list of texts")
            texts.extend(str(example) for example in examples)
            labels.extend([label] * len(examples))
    return texts, labels


def read_nlu_examples(
    paths: Sequence[Path], frustrated: Sequence[str], ignored: Sequence[str] = ()
) -> tuple[list[str], list[int]]:
    """Texts and labels from rasa NLU files: `frustrated` intents 1, the others 0.

    `ignored` intents (asking for a person, say, which is neither calm nor a
    complaint) are left out, and so is anything that is not an intent's examples.
    """
    texts: list[str] = []
    labels: list[int] = []
    for path in paths:
        try:
            data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(str(path), "nlu", f"cannot read the NLU data: {error}") from None
        for block in data.get("nlu") or []:
            intent = block.get("intent") if isinstance(block, dict) else None
            if not intent or intent in ignored or not isinstance(block.get("examples"), str):
                continue
            for line in block["examples"].splitlines():
                text = _ANNOTATION.sub(lambda m: m.group(1) or m.group(2), line.strip()[2:])
                if line.strip().startswith("- ") and text.strip():
                    texts.append(text.strip())
                    labels.append(int(intent in frustrated))
    return texts, labels


class FrustrationClassifier:
    """P(frustrated or complaining) for a customer message."""

    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    @classmethod
    def train(cls, texts: Sequence[str], labels: Sequence[int]) -> FrustrationClassifier:
        """Fit the model on labelled texts."""
        features = FeatureUnion(
            [
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5),
                                          lowercase=True, sublinear_tf=True, min_df=1)),
                ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2),
                                          lowercase=True, sublinear_tf=True)),
            ]
        )  # fmt: skip
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000)
        pipeline = Pipeline([("features", features), ("model", model)])
        pipeline.fit(list(texts), list(labels))
        return cls(pipeline)

    @classmethod
    def from_examples(
        cls, path: Path, extra: tuple[list[str], list[int]] | None = None
    ) -> FrustrationClassifier:
        """Train on the examples file, plus `extra` labelled texts (from NLU data)."""
        texts, labels = read_examples(path)
        if extra is not None:
            texts, labels = texts + extra[0], labels + extra[1]
        return cls.train(texts, labels)

    def probability(self, text: str) -> float:
        """How likely `text` is a complaint or frustrated, 0..1."""
        return float(self._pipeline.predict_proba([text])[0][1])

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        """`probability` for many texts at once."""
        return [float(p) for p in self._pipeline.predict_proba(list(texts))[:, 1]]
