"""Telegram, through python-telegram-bot: long polling for a local run, or a webhook.

The options are in `bot.channels.telegram_options`; a token in the environment
(`TELEGRAM_BOT_TOKEN`) is enough to switch the channel on, in polling mode. In webhook
mode this app serves `POST /webhooks/telegram/webhook` and registers it with Telegram;
a call without the secret token gets 403.

Each update is handled once, also across a restart: the polling offset and the ids of
the updates handled (for two days) are kept in `channel_state`, and the store keeps
one copy of each message. An edited message counts as a new message, marked
`edited`, since the customer changed what they ask. Answers are sent in order and
each is marked sent as soon as Telegram confirms it, so a failure leaves the rest
stored and unsent: they go out with the next message or push to that thread.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from weakref import WeakValueDictionary

from sanic import Blueprint, Request, response
from sanic.response import HTTPResponse
from telegram import Bot, Update
from telegram.error import InvalidToken, RetryAfter, TelegramError

from bot.channels.base import ChannelAdapter, handler, register
from bot.channels.telegram_desk import AgentsDesk
from bot.channels.telegram_options import read_options
from bot.channels.telegram_sending import (
    Blocked,
    RetryPolicy,
    TelegramSender,
    retry_after_seconds,
    with_retries,
)
from bot.channels.telegram_updates import (
    ALLOWED_UPDATES,
    BlockChange,
    CustomerTurn,
    DeskTurn,
    Target,
    UpdateReader,
    lock_for,
    target_of,
    update_body,
)
from bot.config import Settings
from bot.pipeline import MessagePipeline
from bot.store.channel_store import ChannelStore
from core.errors import BadRequest, CannotPush, ConfigError, Forbidden
from core.messages import StoredMessage, Thread

if TYPE_CHECKING:
    from core.ports import AgentWork

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
OFFSET_KEY = "offset"
UPDATE_KEY = "update:"  # + update id: handled already
REMEMBER_UPDATES = timedelta(days=2)  # Telegram keeps an unconfirmed update for one day


@register
class TelegramChannel(ChannelAdapter):
    """Customers (and, in their group, agents) on Telegram."""

    name = "telegram"

    def __init__(self, options: dict[str, Any], source: str = "(settings)") -> None:
        super().__init__(options)
        self.config = read_options(options, source)
        self.policy = RetryPolicy(attempts=self.config.send_attempts)
        self._bot: Bot | None = None
        self._state: ChannelStore | None = None
        self._reader: UpdateReader | None = None
        self._sender: TelegramSender | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._failures: dict[int, int] = {}
        self._update_locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()
        self._send_locks: WeakValueDictionary[int, asyncio.Lock] = WeakValueDictionary()
        self.desk: AgentsDesk | None = None

    @classmethod
    def from_settings(cls, options: dict[str, Any], settings: Settings) -> TelegramChannel:
        """The channel, with its options checked against the settings file."""
        channel = cls(options, settings.source)
        if channel.config.mode == "polling" and settings.server.workers > 1:
            reason = "several workers cannot all poll one bot; use mode: webhook"
            raise ConfigError(settings.source, "channels.telegram.mode", reason)
        return channel

    def blueprint(self) -> Blueprint:
        """`POST /webhooks/telegram/webhook`, in webhook mode."""
        routes = Blueprint("channel_telegram", url_prefix="/webhooks/telegram")
        if self.config.mode == "webhook":
            routes.add_route(handler(self.webhook), "/webhook", methods=["POST"])
        return routes

    # Running

    async def start(self, pipeline: MessagePipeline, handoff: AgentWork | None = None) -> None:
        """Connect to Telegram in the background, then poll or register the webhook."""
        await super().start(pipeline, handoff)
        if self.config.agents_chat_id is not None and handoff is not None:
            handoff.telegram_accounts()  # a wrong Telegram id stops the start
        self._state = pipeline.store.channel_state(self.name)
        self._bot = Bot(
            self.config.token,
            base_url=self.config.base_url,
            base_file_url=self.config.base_file_url,
        )
        self._tasks.append(asyncio.create_task(self._run(), name="telegram"))
        self._tasks.append(asyncio.create_task(self._forget_old_updates()))

    async def stop(self) -> None:
        """Stop polling and following events, and close the connections."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._bot is not None and self._reader is not None:
            try:
                await self._bot.shutdown()
            except TelegramError as error:
                logger.warning("Closing the Telegram connection failed: %s", error)

    async def _run(self) -> None:
        """Serve until stopped; an unexpected failure (the store is down...) starts over."""
        failures = 0
        while True:
            try:
                await self._serve()
                return
            except Exception:
                failures += 1
                pause = self.policy.backoff(failures)
                logger.exception("The telegram channel failed; starting over in %.0f s.", pause)
                await asyncio.sleep(pause)

    async def _serve(self) -> None:
        if not await self._connect():
            return
        if self.config.agents_chat_id is not None and self.desk is None:
            self._start_desk(self.config.agents_chat_id)
        if self.config.mode == "webhook":
            await self._until_done(self._set_webhook, "setWebhook")
        else:
            await self._until_done(self.bot.delete_webhook, "deleteWebhook")
            await self._poll()

    async def _connect(self) -> bool:
        """Ask Telegram who the bot is, until it answers; False for a refused token."""
        failures = 0
        while True:
            try:
                await self.bot.initialize()
                break
            except InvalidToken:
                logger.error("Telegram refused the bot token; the telegram channel is off.")
                return False
            except TelegramError as error:
                failures += 1
                pause = self.policy.backoff(failures)
                logger.warning("Cannot reach Telegram (%s); again in %.0f s.", error, pause)
                await asyncio.sleep(pause)
        bot = self.bot
        self._reader = UpdateReader(self.name, bot.id, bot.username, self.config.agents_chat_id)
        self._sender = TelegramSender(bot, self.policy)
        logger.info("Telegram: @%s, %s mode.", bot.username, self.config.mode)
        return True

    def _start_desk(self, chat: int) -> None:
        if self._handoff is None:
            logger.warning("Telegram: no handoff service, so no agents' group.")
            return
        self.desk = AgentsDesk(chat, self.sender, self.state, self._handoff)
        self._tasks.append(asyncio.create_task(self.desk.follow_events(), name="telegram-desk"))

    async def _set_webhook(self) -> bool:
        url = str(self.config.webhook_url)
        return await self.bot.set_webhook(
            url, secret_token=self.config.secret, allowed_updates=ALLOWED_UPDATES
        )

    async def _until_done(self, call: Callable[[], Awaitable[object]], what: str) -> None:
        """A call that must succeed before going on: retried until it does."""
        while True:
            try:
                await with_retries(call, self.policy, what)
                return
            except CannotPush as error:
                logger.error("Telegram: %s; trying again in a minute.", error.message)
                await asyncio.sleep(60)

    async def _poll(self) -> None:
        """Long-poll for updates, handling each once and remembering the offset."""
        saved = await self.state.get(OFFSET_KEY)
        offset = int(saved) if saved else None
        failures = 0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self.config.poll_timeout, allowed_updates=ALLOWED_UPDATES
                )
            except RetryAfter as error:
                await asyncio.sleep(retry_after_seconds(error))
                continue
            except TelegramError as error:
                failures += 1
                pause = self.policy.backoff(failures)
                logger.warning("Telegram getUpdates failed (%s); again in %.1f s.", error, pause)
                await asyncio.sleep(pause)
                continue
            failures = 0
            for update in updates:
                if not await self._handle_polled(update):
                    break  # asked for again from this update on
                offset = max(offset or 0, update.update_id + 1)
                await self.state.put(OFFSET_KEY, str(offset))

    async def _handle_polled(self, update: Update) -> bool:
        """Handle a polled update; False to fetch it again after a pause."""
        try:
            await self.handle_update(update)
        except Exception:
            failures = self._failures[update.update_id] = (
                self._failures.get(update.update_id, 0) + 1
            )
            if failures >= self.policy.attempts:
                logger.exception(
                    "Telegram update %s failed %d times; skipped.", update.update_id, failures
                )
                del self._failures[update.update_id]
                return True
            logger.exception("Telegram update %s failed; trying again.", update.update_id)
            await asyncio.sleep(self.policy.backoff(failures))
            return False
        self._failures.pop(update.update_id, None)
        return True

    async def _forget_old_updates(self) -> None:
        """Hourly, forget the updates handled long enough ago that none can come again."""
        while True:
            try:
                await self.state.forget_older(UPDATE_KEY, self.state.clock() - REMEMBER_UPDATES)
            except Exception:
                logger.exception("Could not forget old Telegram updates; again in an hour.")
            await asyncio.sleep(3600)

    # Receiving

    async def webhook(self, request: Request) -> HTTPResponse:
        """One update from Telegram; answered once handled, so a failure is delivered again."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.config.secret.encode()):
            raise Forbidden("wrong or missing secret token")
        if self._reader is None:
            return response.json({"error": "not connected to Telegram yet"}, status=503)
        # Telegram delivers again whatever is not answered 2xx, and an update it could
        # not read once it cannot read later: refused updates are logged and dropped.
        try:
            body = update_body(request.body)
            update = self._update(body)
        except BadRequest as error:
            logger.warning("Telegram update dropped, nothing stored: %s", error.message)
            return response.json({"dropped": error.message})
        await self.handle_update(update)
        return response.json({})

    def _update(self, body: dict[str, Any]) -> Update:
        try:
            return Update.de_json(body, self.bot)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as error:
            raise BadRequest(f"not a Telegram update ({error!r})") from None

    async def handle_update(self, update: Update) -> None:
        """Handle an update, unless it was handled before (here or before a restart)."""
        key = f"{UPDATE_KEY}{update.update_id}"
        chat = update.effective_chat
        async with lock_for(self._update_locks, str(chat.id if chat else "")):
            if await self.state.get(key) is not None:
                logger.info("Telegram update %s came again; ignored.", update.update_id)
                return
            turn = self.reader.read(update)
            if isinstance(turn, CustomerTurn):
                await self._answer(turn)
            elif isinstance(turn, DeskTurn) and self.desk is not None:
                await self.desk.handle(turn)
            elif isinstance(turn, BlockChange):
                await self._blocked(turn)
            await self.state.put(key, "done")

    async def _answer(self, turn: CustomerTurn) -> None:
        """Take a customer's message through the pipeline and send what is waiting."""
        inbound = turn.inbound
        if not turn.public:
            await self.state.set_blocked(inbound.sender_id, False)  # they write: not blocked
        try:
            replies = await self.pipeline.handle(inbound, delivered_in_response=False)
        except BadRequest as error:
            logger.info("Telegram message %s refused: %s", inbound.delivery_key, error.message)
            return
        thread_ids = sorted({reply.thread_id for reply in replies})
        if not thread_ids:
            thread = await self.pipeline.store.threads.open_thread(self.name, inbound.chat_id)
            thread_ids = [thread.id] if thread is not None else []
        reply_to = turn.message_id if turn.public else None
        for thread_id in thread_ids:
            try:
                await self._flush(thread_id, target_of(inbound.chat_id), reply_to=reply_to)
            except CannotPush as reason:
                logger.warning("Telegram: thread %s waits: %s", thread_id, reason.message)

    async def _blocked(self, change: BlockChange) -> None:
        """Record a block; on an unblock, send what waited meanwhile."""
        customer = str(change.user_id)
        await self.state.set_blocked(customer, change.blocked)
        thread = await self.pipeline.store.threads.open_thread(self.name, customer)
        if not change.blocked and thread is not None:
            try:
                await self._flush(thread.id, target_of(thread.chat_id))
            except CannotPush as reason:
                logger.warning("Telegram: thread %s waits: %s", thread.id, reason.message)

    # Sending

    async def push(self, thread: Thread, message: StoredMessage) -> str | None:
        """Send a message now (an agent's reply, a notice), after any still waiting."""
        if self._sender is None:
            raise CannotPush("not connected to Telegram yet")
        target = target_of(thread.chat_id)
        if not target.public and await self.state.blocked_at(target.customer) is not None:
            raise CannotPush("the customer blocked the bot")
        sent = await self._flush(thread.id, target)
        return str(sent[message.id]) if message.id in sent else None

    async def _flush(
        self, thread_id: int, target: Target, *, reply_to: int | None = None
    ) -> dict[int, int]:
        """Send a thread's unsent messages in order, each marked sent once Telegram has it.

        Returns:
            Telegram's message ids, by stored message id.

        Raises:
            CannotPush: Some stay unsent (blocked, or Telegram kept failing).
        """
        sent: dict[int, int] = {}
        async with lock_for(self._send_locks, thread_id):
            for message in await self.pipeline.store.messages.unsent(thread_id):
                try:
                    telegram_id = await self.sender.send_stored(
                        target.chat, message, reply_to=reply_to
                    )
                except Blocked:
                    if not target.public:
                        await self.state.set_blocked(target.customer, True)
                    raise
                # Shielded: a stop arriving now must not leave a sent message unmarked.
                await asyncio.shield(
                    self.pipeline.store.messages.mark_sent(message.id, str(telegram_id))
                )
                sent[message.id] = telegram_id
        return sent

    # The parts, once started

    @property
    def bot(self) -> Bot:
        """The bot (made by `start`)."""
        if self._bot is None:
            raise RuntimeError("the telegram channel is not started")
        return self._bot

    @property
    def state(self) -> ChannelStore:
        """The channel's own state (made by `start`)."""
        if self._state is None:
            raise RuntimeError("the telegram channel is not started")
        return self._state

    @property
    def reader(self) -> UpdateReader:
        """Reads updates (once connected)."""
        if self._reader is None:
            raise RuntimeError("not connected to Telegram yet")
        return self._reader

    @property
    def sender(self) -> TelegramSender:
        """Sends messages (once connected)."""
        if self._sender is None:
            raise RuntimeError("not connected to Telegram yet")
        return self._sender
