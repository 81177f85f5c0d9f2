"""What the encoder and the detector add to each message, timed one message at a time.

In the bot, rasa's featurizer encodes a message (the encoder's cost, paid once), then
the detector decides on the stored vector (the detector's own cost). Both are timed
here as the bot pays them: each text encoded from an empty cache, then decided.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from handoff.detection.detector import Detector, TurnContext


@dataclass(frozen=True)
class Latency:
    """Median milliseconds per message."""

    messages: int
    encoder_ms: float
    detector_ms: float

    @property
    def total_ms(self) -> float:
        """Encoder and detector together."""
        return self.encoder_ms + self.detector_ms


def measure_latency(detector: Detector, texts: Sequence[str]) -> Latency:
    """Time the encoding and the decision of each text (texts not seen before)."""
    encoder = detector.classifier.encoder
    encoding: list[float] = []
    deciding: list[float] = []
    for index, text in enumerate(texts):
        fresh = f"{text} #{index}{time.perf_counter_ns()}"  # never in the cache
        started = time.perf_counter()
        encoder.encode([fresh])
        encoded = time.perf_counter()
        detector.decide(TurnContext(fresh))
        deciding.append(time.perf_counter() - encoded)
        encoding.append(encoded - started)
    return Latency(
        len(texts), statistics.median(encoding) * 1000, statistics.median(deciding) * 1000
    )
