"""NLU-only rasa models for measuring: train one in a scratch folder, parse with it.

Used by `nlu-bench` and `test`, which train on data that is not the project's own
(a CSV file, or the part of the project's data that is not held out) and ask the
model about each message one at a time, as the bot does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from bot.errors import BotError, ModelMissing
from bot.nlu import minilm
from handoff.detection import sentence_encoder as e5

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.shared.nlu.training_data.training_data import TrainingData

FALLBACK_COMPONENT = "FallbackClassifier"
T = TypeVar("T")


def forget_encoded_texts() -> None:
    """Empty the sentence encoders' caches, so that timings include the encoding."""
    minilm.forget_encoded_texts()
    e5.forget_encoded_texts()


class PipelineError(BotError):
    """A pipeline file cannot be read or used."""

    quiet = True


@dataclass(frozen=True)
class Prediction:
    """The top intent of one message, and the seconds the model took for it."""

    intent: str
    confidence: float
    seconds: float


def read_pipeline(source: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A rasa config file's contents and its pipeline's components.

    Raises:
        PipelineError: The file is missing, not YAML, or has no pipeline.
    """
    try:
        config = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise PipelineError(f"cannot read the pipeline {source}: {error}") from None
    pipeline = config.get("pipeline") if isinstance(config, dict) else None
    if not isinstance(pipeline, list) or not all(isinstance(c, dict) for c in pipeline):
        raise PipelineError(f"{source}: no `pipeline:` list of components")
    return config, [dict(component) for component in pipeline]


def trains_in_epochs(component: dict[str, Any]) -> bool:
    """Whether a component has an `epochs` setting (DIET has one by default)."""
    return "epochs" in component or component.get("name") == "DIETClassifier"


def nlu_only_config(
    source: Path, target: Path, *, epochs: int | None = None, keep_fallback: bool = True
) -> list[str]:
    """Write `source`'s language and pipeline (no policies) to `target`.

    Args:
        source: A rasa config file.
        target: Where the NLU-only copy goes.
        epochs: Replaces the `epochs` of every component that has one (DIET's).
        keep_fallback: False drops FallbackClassifier, so that the classifier's own
            top intent is scored rather than `nlu_fallback`.

    Returns:
        The names of the pipeline's components, in order.

    Raises:
        PipelineError: The file is missing, not YAML, or has no pipeline.
    """
    config, pipeline = read_pipeline(source)
    components = []
    for component in pipeline:
        if not keep_fallback and component.get("name") == FALLBACK_COMPONENT:
            continue
        if epochs is not None and trains_in_epochs(component):
            component["epochs"] = epochs
        components.append(component)
    kept: dict[str, Any] = {
        key: config[key] for key in ("recipe", "language", "assistant_id") if key in config
    }
    kept["pipeline"] = components
    target.write_text(yaml.safe_dump(kept, sort_keys=False))
    return [str(component.get("name")) for component in components]


def write_nlu_data(data: TrainingData, path: Path) -> None:
    """Store training data in rasa's YAML format."""
    from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter

    RasaYAMLWriter().dump(str(path), data)


@contextlib.contextmanager
def _no_training_cache() -> Iterator[None]:
    """Turn rasa's training cache off, so that each training does all its work."""
    previous = os.environ.get("RASA_MAX_CACHE_SIZE")
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("RASA_MAX_CACHE_SIZE", None)
        else:
            os.environ["RASA_MAX_CACHE_SIZE"] = previous


def train_nlu_model(config: Path, nlu_file: Path, output: Path, name: str) -> tuple[Path, float]:
    """Train an NLU-only model without rasa's cache; return it and the seconds it took.

    Raises:
        ModelMissing: rasa did not produce a model.
    """
    from rasa.model_training import train_nlu

    forget_encoded_texts()
    started = time.perf_counter()
    with _no_training_cache():
        model = train_nlu(str(config), str(nlu_file), str(output), fixed_model_name=name)
    seconds = time.perf_counter() - started
    if model is None:
        raise ModelMissing(f"training with {config} produced no model; see the log above")
    return Path(model), seconds


class NluModel:
    """A trained model, loaded on an event loop of its own, asked one message at a time."""

    def __init__(self, agent: Agent, loop: asyncio.AbstractEventLoop) -> None:
        self.agent = agent
        self._loop = loop

    @classmethod
    @contextlib.contextmanager
    def open(cls, path: Path) -> Iterator[NluModel]:
        """Load the model at `path`."""
        from rasa.core.agent import Agent

        loop = asyncio.new_event_loop()
        try:
            agent = Agent.load(str(path))
            forget_encoded_texts()
            yield cls(agent, loop)
        finally:
            loop.close()

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine (of rasa's, with this model's agent) on the model's loop."""
        return self._loop.run_until_complete(work)

    def predict(self, text: str) -> Prediction:
        """The top intent for `text` (`nlu_fallback` included), timed."""
        started = time.perf_counter()
        parsed: dict[str, Any] = self.run(self.agent.parse_message(text))
        seconds = time.perf_counter() - started
        intent = parsed.get("intent") or {}
        return Prediction(
            str(intent.get("name") or ""), float(intent.get("confidence") or 0.0), seconds
        )
