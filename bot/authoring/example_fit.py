"""Does an example sit with its intent? A warning when it looks like another intent's.

Each example becomes a sentence embedding (all-MiniLM-L6-v2, `bot.nlu.minilm`,
packaged and offline), so meaning counts, not shared letters. An example's
closeness to an intent is the mean cosine similarity to that intent's `K` nearest
examples. An example far from its own intent and clearly closer to another one is
probably a wrong assignment ("I want to talk to a real person" under `greet`).
Pure and deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Embed = Callable[[Sequence[str]], NDArray[np.float32]]

K = 3
MARGIN = 0.35  # the other intent must be this much closer than the example's own
FLOOR = 0.5  # and at least this close, so vague examples raise no alarm


@dataclass(frozen=True)
class Misfit:
    """An example closer to another intent's examples than to its own."""

    text: str
    intent: str
    own: float
    closest: str
    closeness: float

    def message(self) -> str:
        """The warning, in words."""
        return (
            f"'{self.text}' sits far from the examples of '{self.intent}' (similarity "
            f"{self.own:.2f}) and close to those of '{self.closest}' ({self.closeness:.2f}): "
            f"is it an example of '{self.closest}'?"
        )


def misfits(
    texts: Sequence[str],
    intent: str,
    examples: Mapping[str, Sequence[str]],
    embed: Embed | None = None,
) -> list[Misfit]:
    """The texts, meant as examples of `intent`, that look like another intent's.

    Args:
        texts: The new examples.
        intent: The intent they are added to (maybe a new one, without examples).
        examples: Every intent's current examples.
        embed: Unit-length sentence vectors of texts (default: MiniLM's).
    """
    if not texts:
        return []
    names = [name for name, found in examples.items() if found]
    corpus = [text for name in names for text in examples[name]]
    if not corpus:
        return []
    owners = np.array([name for name in names for _ in examples[name]])
    vectors = (embed or minilm_vectors)([*corpus, *texts])
    known, new = vectors[: len(corpus)], vectors[len(corpus) :]
    found = []
    for text, row in zip(texts, new, strict=True):
        similarity = known @ row
        same = np.array([c.strip().lower() == text.strip().lower() for c in corpus])
        similarity[same] = -1.0  # the text itself says nothing about where it belongs
        scores = {name: _closeness(similarity[owners == name]) for name in names}
        misfit = _judge(text, intent, scores)
        if misfit is not None:
            found.append(misfit)
    return found


def project_misfits(
    examples: Mapping[str, Sequence[str]], embed: Embed | None = None
) -> list[Misfit]:
    """Every example of the project that looks like another intent's (each left out in turn)."""
    names = [name for name, found in examples.items() if found]
    corpus = [text for name in names for text in examples[name]]
    if len(names) < 2:
        return []
    owners = np.array([name for name in names for _ in examples[name]])
    vectors = (embed or minilm_vectors)(corpus)
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -1.0)
    found = []
    for index, text in enumerate(corpus):
        scores = {name: _closeness(similarity[index][owners == name]) for name in names}
        misfit = _judge(text, str(owners[index]), scores)
        if misfit is not None:
            found.append(misfit)
    return found


def _judge(text: str, intent: str, scores: Mapping[str, float]) -> Misfit | None:
    own = scores.get(intent, 0.0)
    others = {name: score for name, score in scores.items() if name != intent}
    if not others:
        return None
    closest = max(others, key=lambda name: others[name])
    best = others[closest]
    if best >= FLOOR and best - own >= MARGIN:
        return Misfit(text, intent, max(own, 0.0), closest, best)
    return None


def _closeness(similarities: NDArray[np.float32]) -> float:
    """The mean similarity to the `K` nearest examples (fewer if the intent has fewer)."""
    kept = similarities[similarities >= 0]
    if kept.size == 0:
        return 0.0
    return float(np.sort(kept)[-K:].mean())


def minilm_vectors(texts: Sequence[str]) -> NDArray[np.float32]:
    """Unit-length MiniLM sentence vectors of `texts`."""
    from bot.nlu.minilm import MiniLMEncoder

    return np.asarray(MiniLMEncoder.shared().encode(list(texts)), dtype=np.float32)
