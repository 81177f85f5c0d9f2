"""The gate in front of the bot: it decides who answers each customer message.

- a thread that people own (queued, with an agent): nobody automatic; the agents are
  told, and the message never reaches rasa;
- a resolved thread: the customer's 1-5 rating closes it; anything else starts a
  new thread (the pipeline asks `thread_is_over`);
- a channel command (`metadata.command`, e.g. Telegram's /start and /help) and a
  message without text (`metadata.attachment`: a photo, a voice message...) are
  answered from the domain's templates (`utter_command_<name>`, `utter_non_text`);
- otherwise rasa's NLU runs once, the detector decides, and either the thread is
  escalated or rasa answers, reusing that parse. A bot answer that carries a
  handoff request (rasa's `action_handoff`) escalates too.

In public (`metadata.public`: a group, the comments under a post) the bot answers
only what is said to it (`metadata.addressed`), and other chatter escalates only as
a complaint or a request for a person. A customer who follows the public answer's
link to a private chat (`metadata.continue_from`: the public chat) continues their
public thread there.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from bot.engine import RasaEngine
from bot.engine.rasa_engine import Parse
from bot.language_id import with_language
from bot.messages import Inbound, Outbound, StoredMessage, Thread
from handoff.detection import Detector, HandoffDecision, TurnContext
from handoff.ratings import parse_rating
from handoff.service import Escalation, HandoffService
from handoff.states import ThreadEvent, ThreadState
from handoff.store import HandoffStore

FALLBACK_INTENTS = frozenset({"nlu_fallback"})
# The signals that may escalate public chatter the bot was not asked about.
OVERHEARD_SIGNALS = frozenset(
    {"complaint", "complaint_intent", "asked_for_human", "public_complaint"}
)
HISTORY = 6


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
        recent = await self.handoff_store.recent_customer_messages(thread.id, HISTORY + 1)
        earlier = [m.text for m in recent if m.id != message.id]
        inbound = await asyncio.to_thread(
            with_language, inbound, self.service.templates.languages, earlier, thread.language
        )
        public_chat = inbound.metadata.get("continue_from")
        if isinstance(public_chat, str):
            continued = await self.service.continue_privately(thread, public_chat)
            if continued is not None:
                return continued
        state = ThreadState(thread.state)
        if state.human_owned:
            await self.service.customer_wrote(thread, message)
            return []
        if state is ThreadState.RESOLVED:
            await self.handoff_store.close(thread.id, rating=parse_rating(inbound.text))
            language = inbound.metadata.get("language")
            return [self.service.templates.render("utter_rating_thanks", language)]
        prepared = self._prepared_answer(inbound)
        if prepared is not None:
            return prepared
        parse = await self.engine.parse(inbound.text)
        decision = self.detector.decide(await self._context(thread, inbound, message, parse))
        await self.handoff_store.annotate(
            message.id,
            intent=parse.intent,
            confidence=parse.confidence,
            negativity=decision.negativity,
        )
        overheard = inbound.metadata.get("addressed") is False
        if decision.escalate and (not overheard or _matters_when_overheard(decision)):
            return await self.service.escalate(thread, _escalation(decision, inbound))
        if overheard:
            return []
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
            **_where(inbound),
        )
        return kept + await self.service.escalate(thread, escalation)

    def _prepared_answer(self, inbound: Inbound) -> list[Outbound] | None:
        """The template for a channel command or a message without text, if it is one."""
        templates = self.service.templates
        language = inbound.metadata.get("language")
        command = inbound.metadata.get("command")
        if isinstance(command, str) and f"utter_command_{command}" in templates.responses:
            return [templates.render(f"utter_command_{command}", language)]
        attachment = inbound.metadata.get("attachment")
        if isinstance(attachment, dict) and not attachment.get("caption"):
            kind = str(attachment.get("kind") or "attachment").replace("_", " ")
            return [templates.render("utter_non_text", language, kind=kind)]
        return None

    async def _context(
        self, thread: Thread, inbound: Inbound, message: StoredMessage, parse: Parse
    ) -> TurnContext:
        recent = await self.handoff_store.recent_customer_messages(thread.id, HISTORY + 1)
        handed_back = await self._handed_back_at(thread)
        earlier = [
            m
            for m in recent
            if m.id != message.id and (handed_back is None or m.created_at > handed_back)
        ][-HISTORY:]
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
            recent_intents=tuple(m.intent for m in earlier),
            recent_confidences=tuple(m.intent_confidence for m in earlier),
            fallbacks_in_a_row=fallbacks,
            public=thread.public or bool(inbound.metadata.get("public")),
            customer_tier=inbound.metadata.get("tier"),
        )

    async def _handed_back_at(self, thread: Thread) -> datetime | None:
        """When people last handed the thread back to the bot (None: never)."""
        if thread.escalated_at is None:
            return None
        moves = await self.handoff_store.events(thread.id)
        backs = [move.created_at for move in moves if move.event == ThreadEvent.HAND_BACK.value]
        return backs[-1] if backs else None


def _escalation(decision: HandoffDecision, inbound: Inbound) -> Escalation:
    return Escalation(
        reason=decision.reason,
        score=decision.score,
        topic=decision.topic,
        language=inbound.metadata.get("language"),
        **_where(inbound),
    )


def _where(inbound: Inbound) -> dict[str, Any]:
    """Whether the message was public, and where the customer can continue privately."""
    link = inbound.metadata.get("private_link")
    return {
        "public": bool(inbound.metadata.get("public")),
        "private_link": link if isinstance(link, str) else None,
    }


def _matters_when_overheard(decision: HandoffDecision) -> bool:
    """Public chatter not addressed to the bot escalates only as a complaint or a call."""
    return any(signal.name in OVERHEARD_SIGNALS for signal in decision.signals)
