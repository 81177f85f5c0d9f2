"""The detector: every signal for one turn, combined into a decision with its reasons."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from handoff.detection import signals
from handoff.detection.classifier import ComplaintClassifier, read_nlu_examples
from handoff.detection.examples import example_files, from_labels, read_all
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
    """Everything the decision about one customer message depends on.

    The `recent_` fields describe the customer's earlier messages in the thread, oldest
    first, since the bot last took the thread back from a person (what was said
    before a hand-back was dealt with by that person and does not count again).
    """

    text: str
    intent: str | None = None
    intent_confidence: float | None = None
    recent_texts: tuple[str, ...] = ()
    recent_scores: tuple[float, ...] = ()
    recent_intents: tuple[str | None, ...] = ()
    recent_confidences: tuple[float | None, ...] = ()
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

    def __init__(self, settings: DetectionSettings, classifier: ComplaintClassifier) -> None:
        self.settings = settings
        self.classifier = classifier

    @classmethod
    def from_settings(
        cls, settings: DetectionSettings, examples: Path, nlu_files: Sequence[Path] = ()
    ) -> Detector:
        """A detector whose classifier learns from the examples and the NLU data.

        `examples` is `frustration.yml`; the `examples/` folder beside it is read too.
        The classifier is loaded from `detection.classifier.cache_dir` when it was
        trained on exactly these examples before, else trained (about a minute) and
        stored there.
        """
        texts, labels = read_nlu_examples(
            nlu_files, frustrated=settings.complaint_intents, ignored=settings.human_intents
        )
        found = read_all(example_files(examples)) + from_labels(texts, labels, "nlu")
        return cls(settings, ComplaintClassifier.load_or_train(found, settings.classifier))

    def decide(self, context: TurnContext) -> HandoffDecision:
        """The decision for one message, from every enabled signal.

        The message and the earlier ones are embedded by the shared encoder, which
        already holds the vectors of messages that rasa parsed.
        """
        vectors = self.classifier.embed([context.text, *context.recent_texts])
        probability = float(self.classifier.probability_of(vectors[:1])[0])
        topic = None
        if probability >= self.settings.complaint_min_probability:
            topic = self.classifier.topic_of(vectors[0])
        raised_before = 0
        if probability >= self.settings.same_problem_min_probability and len(vectors) > 1:
            similarities = vectors[1:] @ vectors[0]
            raised_before = int(np.sum(similarities >= self.settings.same_problem_similarity))
        return self.decide_with(context, probability, topic=topic, raised_before=raised_before)

    def decide_with(
        self,
        context: TurnContext,
        probability: float,
        *,
        topic: str | None = None,
        raised_before: int = 0,
    ) -> HandoffDecision:
        """The decision when the classifier's probability is already known.

        Args:
            context: The message and its thread.
            probability: The classifier's P(complaint) for the message.
            topic: The complaint's topic key (for the reason), if known.
            raised_before: How many earlier messages raise the same problem.
        """
        s = self.settings
        fallbacks = context.fallbacks_in_a_row + (context.intent in s.fallback_intents)
        # A routine intent rasa is sure of lowers a doubtful complaint (the bot answers
        # first), hardly a clear one: the discount shrinks as the probability grows.
        complaint = probability * (
            1.0 - s.routine_intent_discount * _routine_confidence(context, s) * (1.0 - probability)
        )
        fired = [
            signals.complaint(complaint, s.complaint_min_probability, _topic_label(topic)),
            signals.same_problem(raised_before),
            signals.bot_failing(_failures(context, s), s.bot_failing_window, s.bot_failing_count),
            signals.complaint_intent(
                context.intent, context.intent_confidence, s.complaint_intents
            ),
            signals.asked_for_human(
                context.text,
                context.intent,
                s.human_intents,
                context.intent_confidence,
                s.low_confidence_below,
            ),
            signals.fallbacks(fallbacks, s.fallbacks_to_escalate),
            signals.low_confidence(context.intent_confidence, s.low_confidence_below),
            signals.repetition(context.text, context.recent_texts),
            signals.negative_trend(probability, context.recent_scores, s.trend_window),
            signals.shouting(context.text),
            signals.insult(context.text),
            signals.emphasis(context.text),
            signals.public_complaint(context.public, complaint, s.complaint_min_probability),
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


# How a complaint topic reads to an agent, where its key does not say it plainly.
_TOPIC_LABELS = {
    "request_human": "wants a person",
    "bot": "the bot did not help",
    "leaving": "threatens to leave",
    "service": "poor service",
    "quality": "poor quality",
}


def _topic_label(topic: str | None) -> str | None:
    if not topic:
        return None
    return _TOPIC_LABELS.get(topic, topic.replace("_", " "))


def _routine_confidence(context: TurnContext, s: DetectionSettings) -> float:
    """How sure rasa is that this is a routine request it can answer (0 when it is not one)."""
    special = {*s.complaint_intents, *s.human_intents, *s.fallback_intents}
    if context.intent is None or context.intent in special or context.intent_confidence is None:
        return 0.0
    return context.intent_confidence


def _failures(context: TurnContext, s: DetectionSettings) -> int:
    """The bot's failures (fallbacks, unsure intents) over the last `bot_failing_window` turns."""
    turns = [
        *zip(context.recent_intents, context.recent_confidences, strict=False),
        (context.intent, context.intent_confidence),
    ][-s.bot_failing_window :]
    return sum(
        intent in s.fallback_intents
        or (confidence is not None and confidence < s.low_confidence_below)
        for intent, confidence in turns
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
