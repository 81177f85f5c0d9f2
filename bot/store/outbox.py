"""The outbox: what was said to a customer and has not reached them yet.

Every message to a customer (the bot's answer, an agent's reply, a notice, the rating
question) is stored before it is sent, with `sent_at` empty until its channel has it:
REST once a response carries it, web chat once the page acknowledges it, Telegram
once the Bot API accepts it. What is still undelivered is looked up by chat, across
the chat's threads, so a resolved thread's last words reach a customer whose next
message opens a new one.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.database import read_only
from bot.store.repository import message_from_row, utcnow
from bot.store.schema import messages, threads
from core.clock import Clock
from core.messages import Author, StoredMessage

TO_CUSTOMER = (Author.BOT.value, Author.AGENT.value, Author.SYSTEM.value)


class Outbox:
    """Undelivered messages by chat, and marking them delivered."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    async def undelivered(self, channel: str, chat_id: str) -> list[StoredMessage]:
        """The chat's messages to the customer not delivered yet, oldest first."""
        async with read_only(self.engine) as conn:
            return await _undelivered(conn, channel, chat_id)

    async def take_undelivered(self, channel: str, chat_id: str) -> list[StoredMessage]:
        """Mark the chat's undelivered messages delivered and return them, oldest first.

        For a response that carries them: of two concurrent responses to one
        customer, each message goes in exactly one (the update counts only rows
        still undelivered; SQLite's write lock is taken at the transaction's start).
        Nearly always nothing waits: that is found by a read, without taking the lock.
        """
        if not await self.undelivered(channel, chat_id):
            return []
        async with self.engine.begin() as conn:
            waiting = await _undelivered(conn, channel, chat_id)
            if not waiting:
                return []
            update = (
                sa.update(messages)
                .where(messages.c.id.in_([m.id for m in waiting]), messages.c.sent_at.is_(None))
                .values(sent_at=self.clock())
            )
            if conn.dialect.name != "postgresql":
                await conn.execute(update)
                return waiting
            taken = set((await conn.execute(update.returning(messages.c.id))).scalars())
            return [m for m in waiting if m.id in taken]

    async def acknowledge(self, channel: str, chat_id: str, message_ids: Sequence[int]) -> int:
        """Mark messages of this chat delivered (the customer's client showed them).

        Ids of other chats' messages are ignored. Returns how many were newly marked.
        """
        if not message_ids:
            return 0
        chat_threads = sa.select(threads.c.id).where(
            threads.c.channel == channel, threads.c.chat_id == chat_id
        )
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.update(messages)
                .where(
                    messages.c.id.in_(list(message_ids)),
                    messages.c.thread_id.in_(chat_threads.scalar_subquery()),
                    messages.c.author.in_(TO_CUSTOMER),
                    messages.c.sent_at.is_(None),
                )
                .values(sent_at=self.clock())
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount or 0)


async def _undelivered(conn: AsyncConnection, channel: str, chat_id: str) -> list[StoredMessage]:
    query = (
        sa.select(messages)
        .join(threads, threads.c.id == messages.c.thread_id)
        .where(
            threads.c.channel == channel,
            threads.c.chat_id == chat_id,
            messages.c.sent_at.is_(None),
            messages.c.author.in_(TO_CUSTOMER),
        )
        .order_by(messages.c.id)
    )
    return [message_from_row(row) for row in (await conn.execute(query)).mappings()]
