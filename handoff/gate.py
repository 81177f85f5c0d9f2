"""The gate in front of the bot: it decides who answers each customer message.

- a thread that people own (queued, with an agent): nobody automatic; the agents are
  told, and the message never reaches rasa;
- a resolved thread: the customer's 1-5 rating closes it; anything else starts a
  new thread (the pipeline asks `thread_is_over`);
- otherwise rasa's NLU runs once, the detector decides, and either the thread is
  escalated or rasa answers, reusing that parse. A bot answer that carries a
  handoff request (rasa's `action_handoff`) escalates too.
"""

from __future__ import annotations

import re
from typing import Any

from bot.engine import RasaEngine
from bot.engine.rasa_engine import Parse
from bot.messages import Inbound, Outbound, StoredMessage, Thread
from handoff.detection import Detector, HandoffDecision, TurnContext
from handoff.service import Escalation, HandoffService
from handoff.states import ThreadState
from handoff.store import HandoffStore

FALLBACK_INTENTS = frozenset({"nlu_fallback"})
HISTORY = 6
_RATING = re.compile(r"^\s*([1-5])(?:\s*(?:/\s*5|stars?|\*|out of 5))?\s*[.!]?\s*$", re.IGNORECASE)


def parse_rating(text: str) -> int | None:
    """A 1-5 satisfaction rating ("4", "4/5", "5 stars", "⭐⭐⭐"), or None."""
    stars = text.strip().count("⭐")
    if stars and not text.replace("⭐", "").strip():
        return min(stars, 5)
    match = _RATING.match(text)
    return int(match.group(1)) if match else None


def handoff_request(reply: Outbound) -> dict[str, Any] | None:
    """The `{"handoff": {...}}` payload that `action_handoff` sends, if this reply is one."""
    custom = reply.extras.get("custom")
    request = custom.get("handoff") if isinstance(custom, dict) else None
    return dict(request) if isinstance(request, dict) else None


class HandoffGate:
    """The pipeline's responder when the handoff is on."""

    def __init__(
        self,
        engine: RasaEngine,
        detector: Detector,
        service: HandoffService,
        handoff_store: HandoffStore,
    ) -> None:
        self.engine = engine
        self.detector = detector
        self.service = service
        self.handoff_store = handoff_store

    def thread_is_over(self, thread: Thread, inbound: Inbound) -> bool:
        """A resolved thread is over unless this message is its rating."""
        return thread.state == ThreadState.RESOLVED.value and parse_rating(inbound.text) is None

    async def respond(
        self, thread: Thread, inbound: Inbound, message: StoredMessage
    ) -> list[Outbound]:
        """Answer, escalate, or stay silent for a human."""
        state = ThreadState(thread.state)
        if state.human_owned:
            await self.service.customer_wrote(thread, message)
            return []
        if state is ThreadState.RESOLVED:
            await self.handoff_store.close(thread.id, rating=parse_rating(inbound.text))
            return [self.service.templates.render("utter_rating_thanks")]
        parse = await self.engine.parse(inbound.text)
        decision = self.detector.decide(await self._context(thread, inbound, message, parse))
        await self.handoff_store.annotate(
            message.id,
            intent=parse.intent,
            confidence=parse.confidence,
            negativity=decision.negativity,
        )
        if decision.escalate:
            return await self.service.escalate(thread, _escalation(decision, inbound))
        replies = await self.engine.respond(
            thread.conversation_id,
            inbound.text,
            channel=inbound.channel,
            message_id=inbound.message_id,
            metadata=inbound.metadata or None,
            parse=parse,
        )
        requests = [request for reply in replies if (request := handoff_request(reply))]
        if not requests:
            return replies
        kept = [reply for reply in replies if handoff_request(reply) is None]
        reason = str(requests[0].get("reason") or "the conversation asked for a person")
        escalation = Escalation(
            reason=reason,
            topic=requests[0].get("topic") or decision.topic,
            language=inbound.metadata.get("language"),
        )
        return kept + await self.service.escalate(thread, escalation)

    async def _context(
        self, thread: Thread, inbound: Inbound, message: StoredMessage, parse: Parse
    ) -> TurnContext:
        recent = await self.handoff_store.recent_customer_messages(thread.id, HISTORY + 1)
        earlier = [m for m in recent if m.id != message.id][-HISTORY:]
        fallbacks = 0
        for past in reversed(earlier):
            if past.intent not in FALLBACK_INTENTS:
                break
            fallbacks += 1
        return TurnContext(
            text=inbound.text,
            intent=parse.intent,
            intent_confidence=parse.confidence,
            recent_texts=tuple(m.text for m in earlier),
            recent_scores=tuple(m.negativity for m in earlier if m.negativity is not None),
            fallbacks_in_a_row=fallbacks,
            public=thread.public or bool(inbound.metadata.get("public")),
            customer_tier=inbound.metadata.get("tier"),
        )


def _escalation(decision: HandoffDecision, inbound: Inbound) -> Escalation:
    return Escalation(
        reason=decision.reason,
        score=decision.score,
        topic=decision.topic,
        language=inbound.metadata.get("language"),
    )
