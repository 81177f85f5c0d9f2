"""The complaint classifier: a logistic regression on the shared multilingual embedding.

Each message is embedded once by multilingual-e5-small (`sentence_encoder` beside
this module; rasa's intent classifier uses the same vector), so the classifier itself
costs one dot product. It learns from the designers' examples
(`handoff.detection.examples`), in every language they wrote, and from the NLU data
(complaint intents are complaints, routine intents are not). Each complaint topic
keeps its centroid, so a complaint is also told what it is about ("late delivery").

Beside the regression, the examples vote: a message's similarity to its nearest
complaints against its nearest routine examples (`neighbours`) is a second logit,
mixed in by `neighbour_weight`. The regression generalises; the vote makes an
example a designer wrote count for the messages that say nearly the same, which one
example among thousands cannot do through the regression's weights.

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
_FORMAT = "complaint-lr-knn-3"
# `class_weight` that balances the kinds within each language (see `language_weights`).
PER_LANGUAGE = "balanced_per_language"
VECTORS_FILE = "example-vectors.npz"  # the examples' embeddings, kept between trainings
_VOTE_ROWS = 256  # messages whose similarities to every example are computed at once
_FEW_ROWS = 8  # up to this many messages, similarities are computed on one thread


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
        vote: Vote | None = None,
    ) -> None:
        self.weights = weights.astype(np.float32)
        self.bias = float(bias)
        self.topics = tuple(topics)
        self.centroids = (
            centroids if centroids is not None else np.zeros((0, len(weights)), np.float32)
        )
        self._encoder = encoder
        self.vote = vote

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
        vote = Vote.of(vectors, labels, options) if options.neighbour_weight > 0 else None
        return cls(model.coef_[0], float(model.intercept_[0]), topics, centroids, encoder, vote)

    @staticmethod
    def fingerprint(examples: Sequence[Example], options: ClassifierOptions) -> str:
        """A hash of everything training depends on."""
        digest = hashlib.sha256(
            f"{_FORMAT} {options.C} {options.class_weight} {options.neighbours} "
            f"{options.neighbour_weight} {options.neighbour_sharpness}\n".encode()
        )
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
            **(self.vote.arrays() if self.vote else {}),
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
                vote=Vote.from_arrays(stored) if "vote_complaints" in stored else None,
            )

    # Use.

    def embed(self, texts: Sequence[str]) -> Array:
        """The shared encoder's vectors of `texts` (cached: rasa computed most already)."""
        return self.encoder.encode(list(texts))

    def probability_of(self, vectors: Array) -> NDArray[np.float64]:
        """P(complaint) for each row of `vectors`."""
        logits = vectors.astype(np.float64) @ self.weights.astype(np.float64) + self.bias
        if self.vote is not None:
            share = self.vote.weight
            logits = (1.0 - share) * logits + share * self.vote.logits(vectors)
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


class Vote:
    """The nearest examples' vote on a message, as a logit.

    Its mean similarity to the k nearest complaints minus that to the k nearest
    routine examples, times `sharpness`. The examples' vectors are stored in half
    precision (a few MB); one message costs a product with each, under a millisecond.
    """

    def __init__(
        self, complaints: Array, routine: Array, k: int, weight: float, sharpness: float
    ) -> None:
        # Rounded to the half precision they are stored in: trained and loaded agree.
        self.complaints = complaints.astype(np.float16).astype(np.float32)
        self.routine = routine.astype(np.float16).astype(np.float32)
        self.k = max(1, min(k, len(complaints), len(routine)))
        self.weight = float(weight)
        self.sharpness = float(sharpness)

    @classmethod
    def of(cls, vectors: Array, labels: NDArray[np.int_], options: ClassifierOptions) -> Vote:
        """The vote of the training examples, as `options` configure it."""
        return cls(
            vectors[labels == 1],
            vectors[labels == 0],
            options.neighbours,
            options.neighbour_weight,
            options.neighbour_sharpness,
        )

    def logits(self, vectors: Array) -> NDArray[np.float64]:
        """The vote's logit for each row of `vectors`."""
        result = np.empty(len(vectors), dtype=np.float64)
        for start in range(0, len(vectors), _VOTE_ROWS):
            rows = vectors[start : start + _VOTE_ROWS].astype(np.float32)
            near = _nearest_mean(_similarities(rows, self.complaints), self.k)
            far = _nearest_mean(_similarities(rows, self.routine), self.k)
            result[start : start + len(rows)] = near - far
        return result * self.sharpness

    def arrays(self) -> dict[str, Any]:
        """What `save` stores of the vote."""
        return {
            "vote_complaints": self.complaints.astype(np.float16),
            "vote_routine": self.routine.astype(np.float16),
            "vote_settings": np.array([self.k, self.weight, self.sharpness]),
        }

    @classmethod
    def from_arrays(cls, stored: Any) -> Vote:
        """The vote stored by `arrays`."""
        k, weight, sharpness = (float(value) for value in stored["vote_settings"])
        return cls(stored["vote_complaints"], stored["vote_routine"], int(k), weight, sharpness)


def _similarities(rows: Array, examples: Array) -> Array:
    """Each row's dot product with each example.

    A message or a thread's few take einsum's single thread: BLAS would spread so
    little work over every core, which on a busy server costs several times the work.
    """
    if len(rows) <= _FEW_ROWS:
        result: Array = np.einsum("kj,ij->ki", rows, examples)
        return result
    return rows @ examples.T


def _nearest_mean(similarities: NDArray[np.float32], k: int) -> NDArray[np.float64]:
    """The mean of each row's k largest values."""
    top = np.partition(similarities, similarities.shape[1] - k, axis=1)[:, -k:]
    result: NDArray[np.float64] = top.mean(axis=1, dtype=np.float64)
    return result
