"""The messages repository: customers' messages, what is said back, and its delivery.

Inbound messages are recorded before they are answered, and answers before they are
sent, so a crash loses nothing. A customer's message finds (or opens) its chat's
open thread in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.database import read_only
from bot.store.repository import as_utc, message_from_row, thread_from_row, utcnow
from bot.store.schema import customers, messages, threads
from bot.store.threads import close_thread
from core.clock import Clock, clock_seconds
from core.messages import Author, Inbound, Outbound, StoredMessage, Thread, ThreadState

_TO_CUSTOMER = [Author.BOT.value, Author.AGENT.value, Author.SYSTEM.value]

ThreadFilter = Callable[[Thread], bool]


@dataclass(frozen=True)
class Annotation:
    """What the engine and the detector made of a customer message (`annotate`)."""

    intent: str | None
    confidence: float | None
    negativity: float

    def columns(self) -> dict[str, Any]:
        """The message's columns that hold it."""
        return {
            "intent": self.intent,
            "intent_confidence": self.confidence,
            "negativity": self.negativity,
        }


class MessageRepository:
    """Stores customers' messages (opening their threads) and everything said back."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        dialect = engine.dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    async def record_inbound(
        self,
        inbound: Inbound,
        *,
        is_over: ThreadFilter | None = None,
        claim: tuple[str, float] | None = None,
    ) -> tuple[Thread, StoredMessage, bool]:
        """Store a customer's message in its chat's open thread, opening one if needed.

        Args:
            inbound: The message.
            is_over: Says whether the open thread is finished for this message; a
                finished thread is closed and the message opens a new one.
            claim: A token and lease (seconds): a newly stored message is claimed for
                answering by its token (`bot.store.answer_claims`).

        Returns:
            The thread, the stored message, and whether it was a repeated delivery
            (then the message is the one stored the first time).
        """
        try:
            return await self._record_inbound_once(inbound, is_over, claim)
        except sa.exc.IntegrityError:
            # A concurrent delivery of the same message committed first: it is a repeat.
            return await self._record_inbound_once(inbound, is_over, claim)

    async def _record_inbound_once(
        self, inbound: Inbound, is_over: ThreadFilter | None, claim: tuple[str, float] | None
    ) -> tuple[Thread, StoredMessage, bool]:
        async with self.engine.begin() as conn:
            if inbound.delivery_key is not None:
                earlier = await self._message_by_delivery_key(conn, inbound.delivery_key)
                if earlier is not None:
                    thread = await self._thread_by_id(conn, earlier.thread_id)
                    return thread, earlier, True
            customer_id = await self._ensure_customer(conn, inbound)
            thread = await self._ensure_open_thread(conn, customer_id, inbound)
            if is_over is not None and is_over(thread):
                await close_thread(conn, thread.id, self.clock())
                thread = await self._ensure_open_thread(conn, customer_id, inbound)
            message = await self._insert_message(
                conn,
                thread.id,
                Author.CUSTOMER,
                inbound.text,
                delivery_key=inbound.delivery_key,
                channel_message_id=inbound.message_id,
                payload=inbound.metadata or None,
                **_claim_columns(claim, self.clock),
            )
            return thread, message, False

    async def record_replies(
        self,
        thread_id: int,
        replies: Sequence[Outbound],
        *,
        author: Author = Author.BOT,
        reply_to_id: int | None = None,
        agent_id: int | None = None,
        sent: bool = False,
    ) -> list[StoredMessage]:
        """Store messages written in a thread by the bot, an agent or the system.

        Args:
            thread_id: The thread.
            replies: What to store.
            author: Who wrote them.
            reply_to_id: The customer message they answer, if any.
            agent_id: The agent who wrote them, if any.
            sent: The channel delivers them in the current response.
        """
        async with self.engine.begin() as conn:
            return await self.insert_replies(
                conn, thread_id, replies, author=author, reply_to_id=reply_to_id,
                agent_id=agent_id, sent=sent,
            )  # fmt: skip

    async def insert_replies(
        self,
        conn: AsyncConnection,
        thread_id: int,
        replies: Sequence[Outbound],
        *,
        author: Author = Author.BOT,
        reply_to_id: int | None = None,
        agent_id: int | None = None,
        sent: bool = False,
    ) -> list[StoredMessage]:
        """`record_replies` in the caller's transaction."""
        stored = [
            await self._insert_message(
                conn,
                thread_id,
                author,
                reply.text,
                reply_to_id=reply_to_id,
                agent_id=agent_id,
                payload=reply.extras or None,
                sent_at=self.clock() if sent else None,
            )
            for reply in replies
        ]
        await conn.execute(
            sa.update(threads).where(threads.c.id == thread_id).values(updated_at=self.clock())
        )
        return stored

    async def mark_sent(self, message_id: int, channel_message_id: str | None = None) -> None:
        """Record that a stored message reached the channel."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(messages)
                .where(messages.c.id == message_id)
                .values(sent_at=self.clock(), channel_message_id=channel_message_id)
            )

    async def unsent(self, thread_id: int) -> list[StoredMessage]:
        """A thread's messages for the customer not delivered yet, in order.

        (By chat, across its threads, and marking them: `bot.store.outbox`.)
        """
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(messages)
                .where(
                    messages.c.thread_id == thread_id,
                    messages.c.sent_at.is_(None),
                    messages.c.author.in_(_TO_CUSTOMER),
                )
                .order_by(messages.c.id)
            )
            return [message_from_row(row) for row in rows.mappings()]

    async def replies_to(self, message_id: int) -> list[StoredMessage]:
        """The answers stored for a message, in order."""
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(messages)
                .where(messages.c.reply_to_id == message_id)
                .order_by(messages.c.id)
            )
            return [message_from_row(row) for row in rows.mappings()]

    async def transcript(
        self, thread_id: int, *, after_id: int = 0, limit: int = 500, with_notes: bool = False
    ) -> list[StoredMessage]:
        """A thread's messages in order, optionally only those after `after_id`.

        Agents' private notes are left out unless `with_notes` (for agents' eyes only).
        """
        query = sa.select(messages).where(
            messages.c.thread_id == thread_id, messages.c.id > after_id
        )
        if not with_notes:
            query = query.where(messages.c.author != Author.NOTE.value)
        async with self.engine.connect() as conn:
            rows = await conn.execute(query.order_by(messages.c.id).limit(limit))
            return [message_from_row(row) for row in rows.mappings()]

    async def recent_customer_messages(self, thread_id: int, limit: int) -> list[StoredMessage]:
        """The customer's last messages in a thread, oldest first."""
        query = (
            sa.select(messages)
            .where(messages.c.thread_id == thread_id, messages.c.author == Author.CUSTOMER.value)
            .order_by(messages.c.id.desc())
            .limit(limit)
        )
        async with read_only(self.engine) as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [message_from_row(row) for row in rows][::-1]

    async def last_said_at(self, thread_id: int) -> datetime | None:
        """When the customer was last written to in a thread (bot, agent or notice)."""
        said = [Author.BOT.value, Author.AGENT.value, Author.SYSTEM.value]
        query = sa.select(sa.func.max(messages.c.created_at)).where(
            messages.c.thread_id == thread_id, messages.c.author.in_(said)
        )
        async with self.engine.connect() as conn:
            last: datetime | None = as_utc((await conn.execute(query)).scalar_one_or_none())
        return last

    async def annotate(
        self, message_id: int, *, intent: str | None, confidence: float | None, negativity: float
    ) -> None:
        """Keep what the engine and the detector made of a customer message."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(messages)
                .where(messages.c.id == message_id)
                .values(intent=intent, intent_confidence=confidence, negativity=negativity)
            )

    async def count(self, table: sa.Table) -> int:
        """How many rows a table holds (for checks and reports)."""
        async with self.engine.connect() as conn:
            result = await conn.execute(sa.select(sa.func.count()).select_from(table))
            return int(result.scalar_one())

    async def _ensure_customer(self, conn: AsyncConnection, inbound: Inbound) -> int:
        # Look first: nearly every message is from a known customer, and a lookup is
        # one statement where insert-then-select is two.
        query = sa.select(customers.c.id, customers.c.display_name, customers.c.username).where(
            customers.c.channel == inbound.channel,
            customers.c.external_id == inbound.sender_id,
        )
        known = (await conn.execute(query)).first()
        if known is None:  # a first message; a concurrent first one may insert it too
            await conn.execute(
                self._insert(customers)
                .values(
                    channel=inbound.channel,
                    external_id=inbound.sender_id,
                    display_name=inbound.sender_name,
                    username=inbound.sender_handle,
                    created_at=self.clock(),
                )
                .on_conflict_do_nothing()
            )
            return int((await conn.execute(query)).one().id)
        renamed = {  # the channel's name for them changed (a Telegram user renamed)
            column: value
            for column, value in (
                ("display_name", inbound.sender_name),
                ("username", inbound.sender_handle),
            )
            if value and value != getattr(known, column)
        }
        if renamed:
            await conn.execute(
                sa.update(customers).where(customers.c.id == known.id).values(**renamed)
            )
        return int(known.id)

    async def _ensure_open_thread(
        self, conn: AsyncConnection, customer_id: int, inbound: Inbound
    ) -> Thread:
        query = sa.select(threads).where(
            threads.c.channel == inbound.channel,
            threads.c.chat_id == inbound.chat_id,
            threads.c.closed_at.is_(None),
        )
        row = (await conn.execute(query)).mappings().first()
        if row is None:  # as for customers: insert only when there is none, race-safe
            now = self.clock()
            await conn.execute(
                self._insert(threads)
                .values(
                    customer_id=customer_id,
                    channel=inbound.channel,
                    chat_id=inbound.chat_id,
                    state=ThreadState.BOT.value,
                    created_at=now,
                    updated_at=now,
                )
                .on_conflict_do_nothing()
            )
            row = (await conn.execute(query)).mappings().one()
        return thread_from_row(row)

    async def _insert_message(
        self,
        conn: AsyncConnection,
        thread_id: int,
        author: Author,
        text: str,
        **columns: Any,
    ) -> StoredMessage:
        values = {
            "thread_id": thread_id,
            "author": author.value,
            "text": text,
            "created_at": self.clock(),
            **columns,
        }
        result = await conn.execute(sa.insert(messages).values(**values))
        return message_from_row({**_EMPTY_MESSAGE, **values, "id": result.inserted_primary_key[0]})

    async def _message_by_delivery_key(
        self, conn: AsyncConnection, key: str
    ) -> StoredMessage | None:
        row = (
            (await conn.execute(sa.select(messages).where(messages.c.delivery_key == key)))
            .mappings()
            .first()
        )
        return message_from_row(row) if row is not None else None

    async def _thread_by_id(self, conn: AsyncConnection, thread_id: int) -> Thread:
        row = (
            (await conn.execute(sa.select(threads).where(threads.c.id == thread_id)))
            .mappings()
            .one()
        )
        return thread_from_row(row)


_EMPTY_MESSAGE = {column.name: None for column in messages.columns}


def _claim_columns(claim: tuple[str, float] | None, clock: Clock) -> dict[str, Any]:
    """A claim's columns; its lease is real seconds (it outlasts the engine's limits)."""
    if claim is None:
        return {}
    token, lease_seconds = claim
    lease = timedelta(seconds=clock_seconds(clock, lease_seconds))
    return {"claimed_by": token, "claimed_until": clock() + lease}
