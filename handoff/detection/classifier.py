"""The complaint classifier: a logistic regression on the shared multilingual embedding.

Each message is embedded once by multilingual-e5-small (`sentence_encoder` beside
this module; rasa's intent classifier uses the same vector), so the classifier itself
costs one dot product. It learns from the designers' examples
(`handoff.detection.examples`), in every language they wrote, and from the NLU data
(complaint intents are complaints, routine intents are not). Each complaint topic
keeps its centroid, so a complaint is also told what it is about ("late delivery").

Embedding several thousand examples takes a minute, so a trained classifier is stored
as plain arrays under the cache folder, named by a hash of everything it learned
from; `python -m bot train` trains it, and the bot loads it at start.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from core.errors import ConfigError
from handoff.detection.examples import LEGACY_TOPIC, Example
from handoff.detection.sentence_encoder import E5Encoder
from handoff.detection.settings import ClassifierOptions

logger = logging.getLogger(__name__)

Array = NDArray[np.float32]
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}")
# Bump when the training changes, so that stored classifiers are trained again.
_FORMAT = "complaint-lr-2"
# `class_weight` that balances the kinds within each language (see `language_weights`).
PER_LANGUAGE = "balanced_per_language"
VECTORS_FILE = "example-vectors.npz"  # the examples' embeddings, kept between trainings


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
        if not isinstance(data, dict):
            continue
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


def language_weights(examples: Sequence[Example]) -> NDArray[np.float64]:
    """Weights under which each language's complaints, and its routine messages, count the same.

    A language with fewer examples is not drowned by one with many, and within each
    language both kinds weigh as much (class balance per language). The NLU data's
    examples, which name no language, form a group of their own. Mean weight 1.
    """
    keys = [(example.language or "nlu", example.complaint) for example in examples]
    counts: dict[tuple[str, bool], int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    weights = np.array([1.0 / counts[key] for key in keys])
    result: NDArray[np.float64] = weights * len(weights) / weights.sum()
    return result


def topic_label(topic: str) -> str:
    """How a topic key reads to an agent: "late_delivery" -> "late delivery"."""
    return topic.replace("_", " ")


class ComplaintClassifier:
    """P(complaint or frustration) for a customer message, and what it is about."""

    def __init__(
        self,
        weights: Array,
        bias: float,
        topics: Sequence[str] = (),
        centroids: Array | None = None,
        encoder: E5Encoder | None = None,
    ) -> None:
        self.weights = weights.astype(np.float32)
        self.bias = float(bias)
        self.topics = tuple(topics)
        self.centroids = (
            centroids if centroids is not None else np.zeros((0, len(weights)), np.float32)
        )
        self._encoder = encoder

    @property
    def encoder(self) -> E5Encoder:
        """The shared sentence encoder (loaded on first use)."""
        if self._encoder is None:
            self._encoder = E5Encoder.shared()
        return self._encoder

    # Training, storing, loading.

    @classmethod
    def train(
        cls, examples: Sequence[Example], options: ClassifierOptions | None = None
    ) -> ComplaintClassifier:
        """Embed the examples and fit the regression and the topic centroids.

        Raises:
            ConfigError: The examples lack complaints or routine messages.
        """
        from sklearn.linear_model import LogisticRegression
        from tqdm import tqdm

        options = options or ClassifierOptions()
        labels = np.array([example.complaint for example in examples], dtype=int)
        if labels.min(initial=1) == labels.max(initial=0):
            raise ConfigError("data/handoff", "complaint", "the detector needs both kinds")
        encoder = E5Encoder.shared()
        with tqdm(
            total=len(examples), desc="detector examples", unit="text", file=sys.stderr
        ) as bar:
            vectors = encoder.encode_stored(
                [example.text for example in examples],
                Path(options.cache_dir) / VECTORS_FILE,
                bar.update,
            )
        per_language = options.class_weight == PER_LANGUAGE
        model = LogisticRegression(
            C=options.C,
            class_weight=None if per_language else options.class_weight,
            max_iter=2000,
            random_state=0,
        ).fit(vectors, labels, sample_weight=language_weights(examples) if per_language else None)
        topics = sorted({e.topic for e in examples if e.complaint and e.topic != LEGACY_TOPIC})
        centroids = np.zeros((len(topics), vectors.shape[1]), dtype=np.float32)
        for row, topic in enumerate(topics):
            members = [i for i, e in enumerate(examples) if e.complaint and e.topic == topic]
            mean = vectors[members].mean(axis=0)
            centroids[row] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        return cls(model.coef_[0], float(model.intercept_[0]), topics, centroids, encoder)

    @staticmethod
    def fingerprint(examples: Sequence[Example], options: ClassifierOptions) -> str:
        """A hash of everything training depends on."""
        digest = hashlib.sha256(f"{_FORMAT} {options.C} {options.class_weight}\n".encode())
        for example in examples:
            digest.update(f"{int(example.complaint)}\t{example.topic}\t{example.text}\n".encode())
        return digest.hexdigest()[:16]

    @classmethod
    def load_or_train(
        cls, examples: Sequence[Example], options: ClassifierOptions
    ) -> ComplaintClassifier:
        """The stored classifier for exactly these examples, trained and stored if missing."""
        path = Path(options.cache_dir) / f"detector-{cls.fingerprint(examples, options)}.npz"
        if path.is_file():
            try:
                return cls.load(path)
            except (OSError, ValueError, KeyError) as error:
                logger.warning("Training the detector again: cannot read %s (%s)", path, error)
        classifier = cls.train(examples, options)
        try:
            classifier.save(path)
        except OSError as error:
            logger.warning("Cannot store the detector at %s: %s", path, error)
        return classifier

    def save(self, path: Path) -> None:
        """Store the weights, topics and centroids as plain arrays."""
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial.npz")
        np.savez_compressed(
            partial,
            weights=self.weights,
            bias=np.array([self.bias]),
            topics=np.array(self.topics, dtype=str),
            centroids=self.centroids,
        )
        partial.replace(path)

    @classmethod
    def load(cls, path: Path) -> ComplaintClassifier:
        """A stored classifier."""
        with np.load(path, allow_pickle=False) as stored:
            return cls(
                stored["weights"],
                float(stored["bias"][0]),
                [str(topic) for topic in stored["topics"]],
                stored["centroids"].astype(np.float32),
            )

    # Use.

    def embed(self, texts: Sequence[str]) -> Array:
        """The shared encoder's vectors of `texts` (cached: rasa computed most already)."""
        return self.encoder.encode(list(texts))

    def probability_of(self, vectors: Array) -> NDArray[np.float64]:
        """P(complaint) for each row of `vectors`."""
        logits = vectors.astype(np.float64) @ self.weights.astype(np.float64) + self.bias
        result: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-logits))
        return result

    def topic_of(self, vector: Array) -> str | None:
        """The complaint topic whose examples are closest to `vector`, if there are topics."""
        if not len(self.topics):
            return None
        return self.topics[int(np.argmax(self.centroids @ vector))]

    def probability(self, text: str) -> float:
        """How likely `text` is a complaint or frustrated, 0..1."""
        return float(self.probability_of(self.embed([text]))[0])

    def probabilities(self, texts: Sequence[str]) -> list[float]:
        """`probability` for many texts at once."""
        if not texts:
            return []
        return [float(p) for p in self.probability_of(self.embed(texts))]
