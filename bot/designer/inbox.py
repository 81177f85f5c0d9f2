"""The review inbox: customer messages the bot missed, not yet reviewed.

A message is in it when rasa fell back (`nlu_fallback`), classified it with a
confidence under `designer.low_confidence`, or it was the customer's last message
before their thread was escalated. A designer either turns it into a training
example (`assigned`, with the intent and the file) or dismisses it; either way a row
in `reviews` takes it out of the inbox.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.designer.clustering import group_texts
from bot.errors import Conflict, NotFound
from bot.messages import Author
from bot.store.repository import as_utc, utcnow
from bot.store.schema import messages, reviews, threads
from core.clock import Clock

FALLBACK_INTENTS = ("nlu_fallback",)
INBOX_LIMIT = 500


@dataclass(frozen=True)
class MissedMessage:
    """A customer message in the inbox, and why it is there."""

    id: int
    thread_id: int
    text: str
    intent: str | None
    confidence: float | None
    escalation_reason: str | None
    escalated_here: bool
    created_at: datetime

    def reasons(self, low_confidence: float) -> list[str]:
        """Why the message is in the inbox, in words."""
        found = []
        if self.intent in FALLBACK_INTENTS:
            found.append("fallback")
        elif self.confidence is not None and self.confidence < low_confidence:
            found.append(f"low confidence {self.confidence:.2f} ({self.intent})")
        if self.escalated_here:
            found.append(f"escalated: {self.escalation_reason or 'no reason given'}")
        return found

    def as_json(self, low_confidence: float) -> dict[str, Any]:
        """The message for the designer's API."""
        return {
            "id": self.id,
            "thread_id": self.thread_id,
            "text": self.text,
            "intent": self.intent,
            "confidence": self.confidence,
            "reasons": self.reasons(low_confidence),
            "created_at": self.created_at.isoformat(),
        }


@dataclass(frozen=True)
class InboxGroup:
    """Messages alike enough to label together."""

    messages: list[MissedMessage]

    @property
    def suggested_intent(self) -> str | None:
        """The intent rasa most often guessed for them (fallbacks aside), if any."""
        guesses = Counter(
            m.intent for m in self.messages if m.intent and m.intent not in FALLBACK_INTENTS
        )
        return guesses.most_common(1)[0][0] if guesses else None


class ReviewStore:
    """Reads the inbox and records reviews, over the framework's store."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    async def missed(self, low_confidence: float, limit: int = INBOX_LIMIT) -> list[MissedMessage]:
        """The messages waiting for review, newest first, less those handled well.

        A customer who asked for a person in so many words and was escalated for
        it got what they asked for: nothing to review there.
        """
        found = await self._select(self._inbox(low_confidence).limit(limit))
        return [m for m in found if not handled_as_asked(m)]

    async def missed_by_id(self, ids: Sequence[int], low_confidence: float) -> list[MissedMessage]:
        """These messages, all of which must be waiting for review.

        Raises:
            NotFound: One of them is not in the inbox (unknown, or reviewed already).
        """
        found = await self._select(self._inbox(low_confidence).where(messages.c.id.in_(list(ids))))
        missing = sorted(set(ids) - {m.id for m in found})
        if missing:
            raise NotFound(
                f"message{'s' * (len(missing) > 1)} {', '.join(map(str, missing))} "
                "not in the review inbox (reviewed already?)"
            )
        return sorted(found, key=lambda m: list(ids).index(m.id))

    async def record(
        self,
        message_ids: Sequence[int],
        reviewer_id: int,
        action: str,
        *,
        intent: str | None = None,
        file: str | None = None,
    ) -> None:
        """Mark messages reviewed, all or none.

        Raises:
            Conflict: Someone reviewed one of them in the meantime.
        """
        now = self.clock()
        rows = [
            {
                "message_id": message_id,
                "reviewer_id": reviewer_id,
                "action": action,
                "intent": intent,
                "file": file,
                "created_at": now,
            }
            for message_id in message_ids
        ]
        try:
            async with self.engine.begin() as conn:
                await conn.execute(reviews.insert(), rows)
        except sa.exc.IntegrityError:
            raise Conflict("someone reviewed these messages in the meantime") from None

    async def reviewed_count(self) -> int:
        """How many messages have been reviewed, ever."""
        async with self.engine.connect() as conn:
            count = await conn.scalar(sa.select(sa.func.count()).select_from(reviews))
        return int(count or 0)

    def _inbox(self, low_confidence: float) -> sa.sql.Select:
        earlier = messages.alias("earlier")
        escalating = (
            sa.select(sa.func.max(earlier.c.id))
            .where(
                earlier.c.thread_id == threads.c.id,
                earlier.c.author == Author.CUSTOMER.value,
                earlier.c.created_at <= threads.c.escalated_at,
            )
            .scalar_subquery()
        )
        return (
            sa.select(
                messages.c.id,
                messages.c.thread_id,
                messages.c.text,
                messages.c.intent,
                messages.c.intent_confidence,
                messages.c.created_at,
                threads.c.escalation_reason,
                (messages.c.id == escalating).label("escalated_here"),
            )
            .join(threads, threads.c.id == messages.c.thread_id)
            .outerjoin(reviews, reviews.c.message_id == messages.c.id)
            .where(
                messages.c.author == Author.CUSTOMER.value,
                reviews.c.id.is_(None),
                sa.or_(
                    messages.c.intent.in_(FALLBACK_INTENTS),
                    messages.c.intent_confidence < low_confidence,
                    messages.c.id == escalating,
                ),
            )
            .order_by(messages.c.id.desc())
        )

    async def _select(self, query: sa.sql.Select) -> list[MissedMessage]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            MissedMessage(
                id=row["id"],
                thread_id=row["thread_id"],
                text=row["text"],
                intent=row["intent"],
                confidence=row["intent_confidence"],
                escalation_reason=row["escalation_reason"],
                escalated_here=bool(row["escalated_here"]),
                created_at=as_utc(row["created_at"]),
            )
            for row in rows
        ]


def handled_as_asked(message: MissedMessage) -> bool:
    """An explicit request for a person (in so many words) that was escalated as asked."""
    from handoff.detection.signals import asked_for_human

    return (
        message.escalated_here
        and "asked for a person" in (message.escalation_reason or "")
        and asked_for_human(message.text, None, []) is not None
    )


@dataclass(frozen=True)
class Suggestion:
    """An intent a group of messages likely belongs to, by the model answering now."""

    intent: str
    likelihood: float

    def as_json(self) -> dict[str, Any]:
        """The suggestion for the designer's API."""
        return {"intent": self.intent, "likelihood": round(self.likelihood, 3)}


def suggestions(rankings: Sequence[Sequence[tuple[str, float]]], top: int = 3) -> list[Suggestion]:
    """The `top` intents of messages' NLU rankings, by their mean confidence.

    Args:
        rankings: For each message, the model's (intent, confidence) pairs.
        top: How many to keep.
    """
    if not rankings:
        return []
    totals: defaultdict[str, float] = defaultdict(float)
    for ranking in rankings:
        for intent, confidence in ranking:
            if intent not in FALLBACK_INTENTS:
                totals[intent] += confidence
    ranked = sorted(totals.items(), key=lambda item: -item[1])[:top]
    found = [Suggestion(intent, total / len(rankings)) for intent, total in ranked]
    return [s for s in found if s.likelihood > 0]


def group(missed: Sequence[MissedMessage], similarity: float) -> list[InboxGroup]:
    """The inbox's messages in groups of look-alikes, larger groups first."""
    indices = group_texts([m.text for m in missed], similarity)
    return [InboxGroup([missed[i] for i in members]) for members in indices]
