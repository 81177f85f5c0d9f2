"""The message path: every channel's customer messages take it, step by step.

    channel adapter (bot/channels/<name>.py)   payload -> Inbound
      -> MessagePipeline.handle (this module)
           check the text, store it (bot/store/messages.py), once per delivery
           answer it, first step that answers wins:
             language            which of the brand's languages the customer writes
                                 (bot/language_id.py); never answers
             orders              the order numbers mentioned, kept on the customer's
                                 profile (core/customers.py); never answers
             continue_privately  a public complaint followed to a private chat
             leave_contact       queued: an e-mail or Telegram username to be reached at,
                                 kept on the profile and acknowledged
             human_owned         queued or with an agent: agents are told; a queued
                                 customer reads their place in the queue (now and then)
             rating              a resolved thread: the 1-5 rating closes it
             prepared            a channel command or a message without text: a template
             decide              NLU once (the engine), then the detector
                                 (handoff/detection/detector.py): escalate, or stay
                                 silent for public chatter
             answer_with_engine  rasa answers (bot/engine/rasa_engine.py), reusing the
                                 parse; an `action_handoff` in its answer escalates, and
                                 so does a custom action that failed (an apology first)
           store the answers, with what `decide` made of the message (bot/exactly_once.py:
           once per message, across workers)
      <- the channel delivers them (in its response, or pushed), and marks them
         delivered in the outbox (bot/store/outbox.py) once the customer has them

An agent's reply takes the other way: agents' API (bot/web/agents_api.py) ->
`AgentActions.reply` (handoff/agent_actions.py), which the state machine
(core/states.py) allows or refuses -> the store -> `Services.deliver` -> the
channel's `push` (web chat: through the event bus, to the worker holding the page).

Where to add to the path: a step is a method `async (Turn) -> list[Outbound] | None`
put in `self.steps`; the rating in words or digits is read by
`handoff.ratings.parse_rating` (in `rating` and `thread_is_over`); what the detector
sees of the thread is built in `bot/thread_context.py`.

A repeated delivery gets the answers of the first one: it waits for them while the
first is still being answered (by this worker or another), reads them from the store
once they are there, and is answered afresh only if the first attempt failed or its
worker died; rasa is then not run again if it had taken the message already.
A channel that answers in its response hands the customer, with the answers, what
still waits for them (an agent's reply, a notice), and only once the answers exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from bot.config import LimitsSettings
from bot.exactly_once import ExactlyOnce, new_claim_token
from bot.language_id import with_language
from bot.store import Database
from bot.store.messages import Annotation
from bot.thread_context import ThreadContext
from core import clock, timing
from core.customers import contact_in, order_numbers
from core.errors import BadRequest, PayloadTooLarge
from core.messages import Inbound, Outbound, StoredMessage, Thread, ThreadState
from core.ports import Engine, Parse
from handoff.detection import Detector, HandoffDecision
from handoff.escalation import Escalation
from handoff.ratings import parse_rating
from handoff.services import Handoff

# The signals that may escalate public chatter the bot was not asked about.
OVERHEARD_SIGNALS = frozenset(
    {"complaint", "complaint_intent", "asked_for_human", "public_complaint"}
)


@dataclass
class Turn:
    """One customer message on its way through the steps; steps add what they learn."""

    thread: Thread
    inbound: Inbound
    message: StoredMessage
    parse: Parse | None = None  # set by `decide`
    decision: HandoffDecision | None = None  # set by `decide`
    repeat: bool = False  # an earlier attempt at answering it failed or died
    recent: list[StoredMessage] | None = None  # the customer's last messages (`language`)
    annotation: Annotation | None = None  # `decide`'s, stored with the answers

    @property
    def metadata(self) -> dict[str, Any]:
        """The channel's data about the message (language, public, command...)."""
        return self.inbound.metadata


Step = Callable[[Turn], Awaitable["list[Outbound] | None"]]


class MessagePipeline:
    """Takes customer messages from any channel through the steps and the store."""

    def __init__(
        self,
        store: Database,
        engine: Engine,
        detector: Detector,
        handoff: Handoff,
        limits: LimitsSettings,
        answer_lease_seconds: float = 65.0,
        order_format: str = "FH-#####",
    ) -> None:
        self.store = store
        self.engine = engine
        self.detector = detector
        self.handoff = handoff
        self.limits = limits
        self.order_format = order_format  # `brand.order_number`
        self.steps: list[Step] = [
            self.language,
            self.orders,
            self.continue_privately,
            self.leave_contact,
            self.human_owned,
            self.rating,
            self.prepared,
            self.decide,
            self.answer_with_engine,
        ]
        self.once = ExactlyOnce(store, answer_lease_seconds)
        self.context = ThreadContext(store)  # what the detector sees of the thread

    async def handle(self, inbound: Inbound, *, delivered_in_response: bool) -> list[StoredMessage]:
        """Store, answer and store the answers to one customer message.

        Args:
            inbound: The customer's message.
            delivered_in_response: The channel returns the answers in the same
                HTTP response (REST), so they count as delivered once stored.

        Returns:
            The stored answers, for the channel to deliver. A channel that answers in
            the response gets, first, every message still waiting for this customer
            (an agent's reply written while they were away, a resolved thread's last
            words), marked delivered only now that the answers exist: a failing
            answer leaves them waiting for the next request.
        """
        with clock.working():  # a simulation speeds up waiting, not the bot's work
            with timing.stage("channel.parse"):
                check_text(inbound.text, self.limits)
            claim = new_claim_token()
            with timing.stage("store.inbound"):
                thread, message, repeated = await self.store.messages.record_inbound(
                    inbound,
                    is_over=lambda open_thread: thread_is_over(open_thread, inbound),
                    claim=(claim, self.once.lease_seconds),
                )
            turn = Turn(thread, inbound, message)

            async def respond(repeat: bool) -> list[Outbound]:
                turn.repeat = repeat
                return await self.respond(turn)

            try:
                answers = await self.once.answer(
                    message,
                    None if repeated else claim,
                    respond,
                    sent=delivered_in_response,
                    annotation=lambda: turn.annotation,
                )
            finally:
                self.context.pending.pop(message.id, None)
            if not delivered_in_response:
                return answers
            with timing.stage("store.outbox"):
                waiting = await self.store.outbox.take_undelivered(thread.channel, thread.chat_id)
            waiting_ids = {m.id for m in waiting}
            return waiting + [answer for answer in answers if answer.id not in waiting_ids]

    async def respond(self, turn: Turn) -> list[Outbound]:
        """The first answer a step gives (possibly none)."""
        for step in self.steps:
            answer = await step(turn)
            if answer is not None:
                return answer
        return []

    # The steps: each answers (a list, maybe empty) or passes (None).

    async def language(self, turn: Turn) -> None:
        """Which of the brand's languages the customer writes (`metadata.language`).

        What they wrote wins over what the channel says; a short or ambiguous message
        keeps the language of their earlier messages (`bot.language_id`). The thread
        keeps the language found (`Thread.language`: the channel's page speaks it too).
        """
        with timing.stage("store.context"):
            recent = turn.recent = await self.context.recent(turn.thread)
        earlier = [m.text for m in recent if m.id != turn.message.id]
        languages = self.handoff.notices.templates.languages
        with timing.stage("pipeline.language"):
            turn.inbound = await asyncio.to_thread(
                with_language, turn.inbound, languages, earlier, turn.thread.language
            )
        found = turn.inbound.metadata.get("language")
        if isinstance(found, str) and found != turn.thread.language:
            with timing.stage("store.language"):
                await self.store.threads.note_language(turn.thread.id, found)
            turn.thread = replace(turn.thread, language=found)

    async def orders(self, turn: Turn) -> None:
        """Keep the order numbers the message mentions on the customer's profile."""
        numbers = order_numbers(turn.inbound.text, self.order_format)
        if numbers:
            with timing.stage("store.orders"):
                await self.store.customers.note_orders(
                    turn.thread.customer_id, turn.thread.id, numbers
                )

    async def continue_privately(self, turn: Turn) -> list[Outbound] | None:
        """The customer followed a public answer's link (`metadata.continue_from`)."""
        public_chat = turn.metadata.get("continue_from")
        if not isinstance(public_chat, str):
            return None
        return await self.handoff.escalations.continue_privately(turn.thread, public_chat)

    async def leave_contact(self, turn: Turn) -> list[Outbound] | None:
        """Waiting for a person: an e-mail address or Telegram username is kept, and thanked for.

        After hours the routing notice invites it (`utter_handoff_leave_contact`); the
        agent sees it on the thread's card.
        """
        contact = contact_in(turn.inbound.text)
        if turn.thread.state is not ThreadState.QUEUED or contact is None:
            return None
        await self.store.customers.leave_contact(turn.thread.customer_id, contact=contact)
        await self.handoff.escalations.customer_wrote(turn.thread, turn.message)
        language = turn.metadata.get("language")
        notices = self.handoff.notices
        return [notices.render("utter_handoff_contact_saved", language, contact=contact.value)]

    async def human_owned(self, turn: Turn) -> list[Outbound] | None:
        """Queued or with an agent: the agents hear of it, the bot stays silent.

        A queued customer reads their place in the queue, at most once every
        `routing.queued_reply_every_seconds` (`Escalations.customer_wrote`).
        """
        if not turn.thread.state.human_owned:
            return None
        return await self.handoff.escalations.customer_wrote(turn.thread, turn.message)

    async def rating(self, turn: Turn) -> list[Outbound] | None:
        """A resolved thread: this message is its rating (see `thread_is_over`)."""
        if turn.thread.state is not ThreadState.RESOLVED:
            return None
        await self.store.threads.close(turn.thread.id, rating=parse_rating(turn.inbound.text))
        return [self.handoff.notices.render("utter_rating_thanks", turn.metadata.get("language"))]

    async def prepared(self, turn: Turn) -> list[Outbound] | None:
        """A channel command (`metadata.command`) or a message without text: a template."""
        templates = self.handoff.notices.templates
        language = turn.metadata.get("language")
        command = turn.metadata.get("command")
        if isinstance(command, str) and f"utter_command_{command}" in templates.responses:
            return [templates.render(f"utter_command_{command}", language)]
        attachment = turn.metadata.get("attachment")
        if isinstance(attachment, dict) and not attachment.get("caption"):
            kind = str(attachment.get("kind") or "attachment").replace("_", " ")
            return [templates.render("utter_non_text", language, kind=kind)]
        return None

    async def decide(self, turn: Turn) -> list[Outbound] | None:
        """NLU once, then the detector: escalate, stay silent when overheard, or pass on.

        In public (`metadata.public`) the bot answers only what is said to it
        (`metadata.addressed`); other chatter escalates only as a complaint or a call
        for a person.
        """
        with timing.stage("engine.nlu"):
            parse = await self.engine.parse(turn.inbound.text)
        with timing.stage("store.context"):
            recent = (
                turn.recent if turn.recent is not None else await self.context.recent(turn.thread)
            )
            context = await self.context.for_turn(
                turn.thread, turn.message, turn.inbound, parse, recent
            )
        with timing.stage("pipeline.decide"):
            decision = self.detector.decide(context)
        # Stored with the answers (one write), or now when people are about to look.
        turn.annotation = Annotation(parse.intent, parse.confidence, decision.negativity)
        self.context.pending[turn.message.id] = turn.annotation
        overheard = turn.metadata.get("addressed") is False
        if decision.escalate and (not overheard or _matters_when_overheard(decision)):
            escalation = _escalation(turn, decision.reason, decision.score, decision.topic)
            await self._annotate_now(turn)
            return await self.handoff.escalations.escalate(turn.thread, escalation)
        if overheard:
            return []
        turn.parse, turn.decision = parse, decision
        return None

    async def answer_with_engine(self, turn: Turn) -> list[Outbound] | None:
        """Rasa answers, reusing the parse; its `action_handoff` escalates."""
        inbound = turn.inbound
        replies = await self.engine.respond(
            turn.thread.conversation_id,
            inbound.text,
            channel=inbound.channel,
            message_id=inbound.message_id,
            metadata=inbound.metadata or None,
            parse=turn.parse,
            repeated=turn.repeat,
        )
        requests = [request for reply in replies if (request := handoff_request(reply))]
        if not requests:
            return replies
        kept = [reply for reply in replies if handoff_request(reply) is None]
        reason = str(requests[0].get("reason") or "the conversation asked for a person")
        topic = requests[0].get("topic") or (turn.decision.topic if turn.decision else None)
        fault = bool(requests[0].get("fault"))  # an action failed: apologise first
        escalation = _escalation(turn, reason, 1.0, topic, apology=fault)
        await self._annotate_now(turn)
        return kept + await self.handoff.escalations.escalate(turn.thread, escalation)

    # Inside

    async def _annotate_now(self, turn: Turn) -> None:
        """Store `decide`'s annotation at once: an escalation shows the thread to people."""
        notes, turn.annotation = turn.annotation, None
        self.context.pending.pop(turn.message.id, None)
        if notes is not None:
            with timing.stage("store.annotate"):
                await self.store.messages.annotate(
                    turn.message.id,
                    intent=notes.intent,
                    confidence=notes.confidence,
                    negativity=notes.negativity,
                )


def thread_is_over(thread: Thread, inbound: Inbound) -> bool:
    """A resolved thread is over unless this message is its rating: then a new one opens."""
    return thread.state is ThreadState.RESOLVED and parse_rating(inbound.text) is None


def check_text(text: str, limits: LimitsSettings) -> None:
    """Refuse empty and over-long messages with a message that says which."""
    if not text.strip():
        raise BadRequest("the message text is empty")
    if len(text) > limits.max_message_chars:
        raise PayloadTooLarge(
            f"the message is {len(text)} characters long; the limit is {limits.max_message_chars}"
        )


def handoff_request(reply: Outbound) -> dict[str, Any] | None:
    """The `{"handoff": {...}}` payload that `action_handoff` sends, if this reply is one."""
    custom = reply.extras.get("custom")
    request = custom.get("handoff") if isinstance(custom, dict) else None
    return dict(request) if isinstance(request, dict) else None


def _escalation(
    turn: Turn, reason: str, score: float, topic: str | None, *, apology: bool = False
) -> Escalation:
    """An escalation of this turn: where it was said, and where to continue privately.

    `apology`: the bot failed (a custom action raised or ran out of time), so the
    customer reads `utter_handoff_bot_failed` first.
    """
    link = turn.metadata.get("private_link")
    return Escalation(
        first_notice="utter_handoff_bot_failed" if apology else None,
        reason=reason,
        score=score,
        topic=topic,
        language=turn.metadata.get("language"),
        public=bool(turn.metadata.get("public")),
        private_link=link if isinstance(link, str) else None,
    )


def _matters_when_overheard(decision: HandoffDecision) -> bool:
    """Public chatter not addressed to the bot escalates only as a complaint or a call."""
    return any(signal.name in OVERHEARD_SIGNALS for signal in decision.signals)
