"""The message pipeline: every channel's inbound messages take the same path.

check the text -> store it -> answer it -> store the answers -> hand them back to
the channel to deliver. A repeated delivery gets the answers of the first one: it
waits for them while the first is still being answered, reads them from the store
once they are there, and is answered afresh only if the first attempt failed.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from bot.config import LimitsSettings
from bot.engine import RasaEngine
from bot.errors import BadRequest, PayloadTooLarge
from bot.messages import Inbound, Outbound, StoredMessage, Thread
from bot.store import Store


class Responder(Protocol):
    """Whatever answers a thread's message: the rasa engine, or later a human."""

    async def respond(
        self, thread: Thread, inbound: Inbound, message: StoredMessage
    ) -> list[Outbound]:
        """The answers to `inbound`, stored as `message` in `thread` (possibly none)."""
        ...

    def thread_is_over(self, thread: Thread, inbound: Inbound) -> bool:
        """Whether `inbound` should start a new thread instead of joining `thread`."""
        ...


class EngineResponder:
    """Answers with the rasa engine, keyed by the thread's conversation id."""

    def __init__(self, engine: RasaEngine) -> None:
        self.engine = engine

    async def respond(
        self, thread: Thread, inbound: Inbound, message: StoredMessage
    ) -> list[Outbound]:
        """Ask the engine."""
        del message
        return await self.engine.respond(
            thread.conversation_id,
            inbound.text,
            channel=inbound.channel,
            message_id=inbound.message_id,
            metadata=inbound.metadata or None,
        )

    def thread_is_over(self, thread: Thread, inbound: Inbound) -> bool:
        """Threads never end on the bot's side."""
        return False


class MessagePipeline:
    """Takes inbound messages from any channel through store and responder."""

    def __init__(self, store: Store, responder: Responder, limits: LimitsSettings) -> None:
        self.store = store
        self.responder = responder
        self.limits = limits
        self._in_flight: dict[int, asyncio.Future[list[StoredMessage]]] = {}

    async def handle(self, inbound: Inbound, *, delivered_in_response: bool) -> list[StoredMessage]:
        """Store, answer and store the answers to one customer message.

        Args:
            inbound: The customer's message.
            delivered_in_response: The channel returns the answers in the same
                HTTP response (REST, web chat), so they count as sent once stored.

        Returns:
            The stored answers, for the channel to deliver. A channel that answers in
            the response also gets, first, any messages still waiting for this
            customer (an agent's reply written while they were away).
        """
        check_text(inbound.text, self.limits)
        thread, message, repeated = await self.store.record_inbound(
            inbound, is_over=lambda open_thread: self.responder.thread_is_over(open_thread, inbound)
        )
        waiting: list[StoredMessage] = []
        if delivered_in_response and not repeated:
            waiting = await self.store.unsent(thread.id)
            await self.store.mark_all_sent([m.id for m in waiting])
        return waiting + await self._answer_once(
            thread, inbound, message, repeated=repeated, sent=delivered_in_response
        )

    async def _answer_once(
        self,
        thread: Thread,
        inbound: Inbound,
        message: StoredMessage,
        *,
        repeated: bool,
        sent: bool,
    ) -> list[StoredMessage]:
        """Answer a message unless a delivery of it is being or was answered already."""
        if repeated:
            if message.id in self._in_flight:
                return await asyncio.shield(self._in_flight[message.id])
            stored = await self.store.replies_to(message.id)
            if stored:
                return stored
        answering = asyncio.get_running_loop().create_future()
        self._in_flight[message.id] = answering
        try:
            replies = await self.responder.respond(thread, inbound, message)
            stored = await self.store.record_replies(
                thread.id, replies, reply_to_id=message.id, sent=sent
            )
        except asyncio.CancelledError:
            answering.cancel()
            raise
        except Exception as error:
            answering.set_exception(error)
            answering.exception()  # retrieved here, so an unwaited failure is not logged twice
            raise
        finally:
            del self._in_flight[message.id]
        answering.set_result(stored)
        return stored


def check_text(text: str, limits: LimitsSettings) -> None:
    """Refuse empty and over-long messages with a message that says which."""
    if not text.strip():
        raise BadRequest("the message text is empty")
    if len(text) > limits.max_message_chars:
        raise PayloadTooLarge(
            f"the message is {len(text)} characters long; the limit is {limits.max_message_chars}"
        )
