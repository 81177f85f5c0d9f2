"""What the detector sees of a thread: the customer's last messages, and what they were.

The pipeline reads the customer's recent messages once per turn (`recent`) and builds
the detector's `TurnContext` from them (`for_turn`). Two things shape it:

- history before people last handed the thread back to the bot is left out: the
  people dealt with it, and it must not escalate the thread again ("asked for a
  person" once already);
- a message this worker is still answering has no annotation in the store yet (it
  is stored with the answers); `pending` lends it the parse and score it got, so a
  message sent right after it sees what it was.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.store import Database
from bot.store.messages import Annotation
from core.messages import FALLBACK_INTENTS, Inbound, StoredMessage, Thread
from core.ports import Parse
from core.states import ThreadEvent
from handoff.detection import TurnContext

HISTORY = 6  # earlier customer messages the detector weighs


class ThreadContext:
    """Reads a thread's recent customer messages and builds the detector's context."""

    def __init__(self, store: Database) -> None:
        self.store = store
        self.pending: dict[int, Annotation] = {}  # message id -> annotation not stored yet

    async def recent(self, thread: Thread) -> list[StoredMessage]:
        """The customer's last messages in the thread, this one included, oldest first."""
        return await self.store.messages.recent_customer_messages(thread.id, HISTORY + 1)

    async def for_turn(
        self,
        thread: Thread,
        message: StoredMessage,
        inbound: Inbound,
        parse: Parse,
        recent: list[StoredMessage],
    ) -> TurnContext:
        """The detector's view of this message and the thread's history since a hand-back."""
        handed_back = await self.handed_back_at(thread)
        earlier = [
            self._with_pending(m)
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

    async def handed_back_at(self, thread: Thread) -> datetime | None:
        """When people last handed the thread back to the bot (None: never)."""
        if thread.escalated_at is None:
            return None
        moves = await self.store.threads.moves(thread.id)
        backs = [move.created_at for move in moves if move.event == ThreadEvent.HAND_BACK.value]
        return backs[-1] if backs else None

    def _with_pending(self, message: StoredMessage) -> StoredMessage:
        """The message with its annotation, if this worker has it and the store not yet."""
        notes = self.pending.get(message.id)
        if notes is None or message.intent is not None or message.negativity is not None:
            return message
        return replace(
            message,
            intent=notes.intent,
            intent_confidence=notes.confidence,
            negativity=notes.negativity,
        )
