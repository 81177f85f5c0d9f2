"""The detector's settings: the `detection:` section of `config/handoff.yml`."""

from __future__ import annotations

from dataclasses import dataclass, field

SIGNALS = (
    "complaint",
    "complaint_intent",
    "asked_for_human",
    "fallbacks",
    "low_confidence",
    "repetition",
    "negative_trend",
    "shouting",
    "insult",
    "emphasis",
    "public_complaint",
    "vip",
    "same_problem",
    "bot_failing",
)


@dataclass(frozen=True)
class SignalSettings:
    """How much one signal counts, and whether it counts at all."""

    weight: float = 1.0
    enabled: bool = True


def _default_signals() -> dict[str, SignalSettings]:
    weights = {
        "complaint": 1.0,
        "complaint_intent": 0.8,
        "asked_for_human": 1.0,
        "fallbacks": 0.7,
        "low_confidence": 0.3,
        "repetition": 0.5,
        "negative_trend": 0.6,
        "shouting": 0.35,
        "insult": 0.6,
        "emphasis": 0.25,
        "public_complaint": 0.6,
        "vip": 0.3,
        "same_problem": 0.6,
        "bot_failing": 0.6,
    }
    return {name: SignalSettings(weight) for name, weight in weights.items()}


@dataclass(frozen=True)
class ClassifierOptions:
    """How the complaint classifier is trained (`detection.classifier`)."""

    C: float = 0.5
    class_weight: str | None = "balanced_per_language"
    neighbours: int = 10  # nearest complaints and routine examples the vote compares
    neighbour_weight: float = 0.5  # the vote's share of the logit beside the regression (0: off)
    neighbour_sharpness: float = 100.0  # logit of the vote per unit of similarity difference
    cache_dir: str = "models/detector"


@dataclass(frozen=True)
class DetectionSettings:
    """When a thread should go to a person.

    Signals combine as a weighted noisy-OR: score = 1 - prod(1 - weight * strength).
    The thread is escalated when the score reaches `threshold`.
    """

    threshold: float = 0.65
    complaint_min_probability: float = 0.5
    low_confidence_below: float = 0.45
    fallbacks_to_escalate: int = 2
    trend_window: int = 3
    routine_intent_discount: float = 1.0
    same_problem_similarity: float = 0.9
    same_problem_min_probability: float = 0.4
    bot_failing_window: int = 4
    bot_failing_count: int = 2
    vip_tiers: list[str] = field(default_factory=lambda: ["vip", "gold"])
    human_intents: list[str] = field(default_factory=lambda: ["request_human"])
    complaint_intents: list[str] = field(default_factory=lambda: ["complaint"])
    fallback_intents: list[str] = field(default_factory=lambda: ["nlu_fallback"])
    signals: dict[str, SignalSettings] = field(default_factory=_default_signals)
    classifier: ClassifierOptions = field(default_factory=ClassifierOptions)

    def weight(self, signal: str) -> float:
        """The signal's weight, 0 when it is switched off."""
        spec = self.signals.get(signal, SignalSettings())
        return spec.weight if spec.enabled else 0.0
