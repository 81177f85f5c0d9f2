"""The detector: every signal for one turn, combined into a decision with its reasons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from handoff.detection import signals
from handoff.detection.classifier import FrustrationClassifier, read_nlu_examples
from handoff.detection.settings import DetectionSettings
from handoff.detection.signals import Signal

# What a conversation is about, for routing: from rasa's intent, else from keywords.
TOPIC_OF_INTENT = {
    "order_status": "orders",
    "inform_order_number": "orders",
    "change_order": "orders",
    "cancel_order": "orders",
    "delivery_times": "delivery",
    "delivery_costs": "delivery",
    "returns": "returns",
    "refund_status": "returns",
    "payment_methods": "payments",
    "account_help": "account",
}
TOPIC_KEYWORDS = (
    ("payments", r"charg|paid|payment|card|invoice|débit|cobr|abbuch|addebit|pago|pagament"),
    ("returns", r"refund|return|money back|rembours|erstatt|reembols|rimbors|devolu|retour"),
    ("account", r"password|log ?in|account|compte|konto|cuenta|conta"),
    ("delivery", r"deliver|parcel|courier|driver|arriv|shipping|livr|liefer|entreg|consegn|envío"),
    ("orders", r"order|commande|bestell|pedido|ordine|encomenda"),
)


@dataclass(frozen=True)
class TurnContext:
    """Everything the decision about one customer message depends on."""

    text: str
    intent: str | None = None
    intent_confidence: float | None = None
    recent_texts: tuple[str, ...] = ()
    recent_scores: tuple[float, ...] = ()
    fallbacks_in_a_row: int = 0
    public: bool = False
    customer_tier: str | None = None


@dataclass(frozen=True)
class HandoffDecision:
    """Whether to escalate, how strongly, and why."""

    escalate: bool
    score: float
    negativity: float
    signals: tuple[Signal, ...]
    topic: str | None

    @property
    def reason(self) -> str:
        """The fired signals' reasons, strongest first: "complaint 0.91, shouting"."""
        return ", ".join(signal.reason for signal in self.signals) or "no signal"


class Detector:
    """Decides, for each customer message, whether a person should take over."""

    def __init__(self, settings: DetectionSettings, classifier: FrustrationClassifier) -> None:
        self.settings = settings
        self.classifier = classifier

    @classmethod
    def from_settings(
        cls, settings: DetectionSettings, examples: Path, nlu_files: Sequence[Path] = ()
    ) -> Detector:
        """A detector whose classifier learns from the examples file and the NLU data."""
        extra = read_nlu_examples(
            nlu_files, frustrated=settings.complaint_intents, ignored=settings.human_intents
        )
        return cls(settings, FrustrationClassifier.from_examples(examples, extra))

    def decide(self, context: TurnContext) -> HandoffDecision:
        """The decision for one message, from every enabled signal."""
        probability = self.classifier.probability(context.text)
        return self.decide_with(context, probability)

    def decide_with(self, context: TurnContext, probability: float) -> HandoffDecision:
        """The decision when the classifier's probability is already known."""
        s = self.settings
        fallbacks = context.fallbacks_in_a_row + (context.intent in s.fallback_intents)
        fired = [
            signals.complaint(probability, s.complaint_min_probability),
            signals.complaint_intent(
                context.intent, context.intent_confidence, s.complaint_intents
            ),
            signals.asked_for_human(context.text, context.intent, s.human_intents),
            signals.fallbacks(fallbacks, s.fallbacks_to_escalate),
            signals.low_confidence(context.intent_confidence, s.low_confidence_below),
            signals.repetition(context.text, context.recent_texts),
            signals.negative_trend(probability, context.recent_scores, s.trend_window),
            signals.shouting(context.text),
            signals.insult(context.text),
            signals.emphasis(context.text),
            signals.public_complaint(context.public, probability, s.complaint_min_probability),
            signals.vip(context.customer_tier, s.vip_tiers, probability),
        ]
        counted = [signal for signal in fired if signal and s.weight(signal.name) > 0]
        counted.sort(key=lambda signal: s.weight(signal.name) * signal.strength, reverse=True)
        remaining = 1.0
        for signal in counted:
            remaining *= 1.0 - min(1.0, s.weight(signal.name) * signal.strength)
        score = 1.0 - remaining
        return HandoffDecision(
            escalate=score >= s.threshold,
            score=round(score, 4),
            negativity=round(probability, 4),
            signals=tuple(counted),
            topic=topic_of(context.text, context.intent),
        )


def topic_of(text: str, intent: str | None) -> str | None:
    """What the message is about, for routing to the right team."""
    if intent in TOPIC_OF_INTENT:
        return TOPIC_OF_INTENT[intent]
    lowered = text.lower()
    for topic, pattern in TOPIC_KEYWORDS:
        if re.search(pattern, lowered):
            return topic
    return None
