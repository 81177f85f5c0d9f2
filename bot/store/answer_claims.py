"""Claims on answering a customer message, so it is answered once across processes.

A stored customer message is answered by whoever holds its claim: the delivery that
stored it takes the claim in the same insert (`MessageRepository.record_inbound`); a
repeated delivery takes it only when it is free, lapsed (the claimant crashed: a
claim is a lease) or released (the claimant failed). The answers are stored with
`answered_at` in one transaction, and only by the claim's holder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.messages import Annotation, MessageRepository
from bot.store.repository import as_utc, utcnow
from bot.store.schema import messages
from core.clock import Clock, clock_seconds
from core.messages import Outbound, StoredMessage


@dataclass(frozen=True)
class ClaimState:
    """Where the answering of one message stands."""

    answered: bool
    claimed_until: datetime | None

    def free(self, now: datetime) -> bool:
        """Nobody answers it now: never claimed, released, or the lease lapsed."""
        return not self.answered and (self.claimed_until is None or self.claimed_until <= now)


class AnswerClaims:
    """Take, release and complete claims on answering customer messages."""

    def __init__(
        self, engine: AsyncEngine, messages_repository: MessageRepository, clock: Clock = utcnow
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.messages = messages_repository

    async def state(self, message_id: int) -> ClaimState:
        """Whether the message is answered, and until when it is claimed."""
        query = sa.select(messages.c.answered_at, messages.c.claimed_until).where(
            messages.c.id == message_id
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).one()
        return ClaimState(row.answered_at is not None, as_utc(row.claimed_until))

    async def take(self, message_id: int, token: str, lease_seconds: float) -> bool:
        """Claim a free message for `lease_seconds`; False if someone holds it or it is done."""
        now = self.clock()
        lease = timedelta(seconds=clock_seconds(self.clock, lease_seconds))  # real seconds
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(messages)
                .where(
                    messages.c.id == message_id,
                    messages.c.answered_at.is_(None),
                    sa.or_(messages.c.claimed_until.is_(None), messages.c.claimed_until <= now),
                )
                .values(claimed_by=token, claimed_until=now + lease)
            )
            return bool(result.rowcount)

    async def release(
        self, message_id: int, token: str, annotation: Annotation | None = None
    ) -> None:
        """Give a claim up (answering failed), so that a retry may answer at once.

        `annotation`: what the engine and the detector made of the message, kept too.
        """
        notes = annotation.columns() if annotation is not None else {}
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(messages)
                .where(messages.c.id == message_id, messages.c.claimed_by == token)
                .values(claimed_by=None, claimed_until=None, **notes)
            )

    async def complete(
        self,
        message: StoredMessage,
        token: str,
        replies: Sequence[Outbound],
        *,
        sent: bool,
        annotation: Annotation | None = None,
    ) -> list[StoredMessage] | None:
        """Store the answers and mark the message answered, if `token` still holds it.

        `annotation`: what the engine and the detector made of the message, kept in
        the same transaction (one write per answered message instead of two).

        Returns:
            The stored answers; None if the claim was lost (it lapsed and another
            delivery took it): then nothing is stored, and the other's answers count.
        """
        async with self.engine.begin() as conn:
            done = await conn.execute(
                sa.update(messages)
                .where(
                    messages.c.id == message.id,
                    messages.c.claimed_by == token,
                    messages.c.answered_at.is_(None),
                )
                .values(
                    answered_at=self.clock(),
                    claimed_by=None,
                    claimed_until=None,
                    **(annotation.columns() if annotation is not None else {}),
                )
            )
            if not done.rowcount:
                return None
            return await self.messages.insert_replies(
                conn, message.thread_id, replies, reply_to_id=message.id, sent=sent
            )
