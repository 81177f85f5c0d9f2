"""Telegram's long polling: each update handled once, the offset kept across restarts.

The offset is saved in the channel's state after each update handled; an update
that fails is fetched again after a pause, and skipped after the retry policy's
attempts. `forget_old_updates` drops, hourly, the marks of updates handled long
enough ago that Telegram cannot deliver them again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from telegram import Bot, Update
from telegram.error import RetryAfter, TelegramError

from bot.channels.telegram_sending import RetryPolicy, retry_after_seconds
from bot.channels.telegram_updates import ALLOWED_UPDATES
from bot.store.channel_store import ChannelStore

logger = logging.getLogger(__name__)

OFFSET_KEY = "offset"
UPDATE_KEY = "update:"  # + update id: handled already
REMEMBER_UPDATES = timedelta(days=2)  # Telegram keeps an unconfirmed update for one day


class UpdatePoller:
    """Long-polls `getUpdates` and hands each update to `handle`, in order."""

    def __init__(
        self,
        bot: Bot,
        state: ChannelStore,
        policy: RetryPolicy,
        poll_timeout: int,
        handle: Callable[[Update], Awaitable[None]],
    ) -> None:
        self.bot = bot
        self.state = state
        self.policy = policy
        self.poll_timeout = poll_timeout
        self.handle = handle
        self._failures: dict[int, int] = {}

    async def run(self) -> None:
        """Long-poll for updates, handling each once and remembering the offset."""
        saved = await self.state.get(OFFSET_KEY)
        offset = int(saved) if saved else None
        failures = 0
        while True:
            try:
                updates = await self.bot.get_updates(
                    offset=offset, timeout=self.poll_timeout, allowed_updates=ALLOWED_UPDATES
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
            await self.handle(update)
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


async def forget_old_updates(state: ChannelStore) -> None:
    """Hourly, forget the updates handled long enough ago that none can come again."""
    while True:
        try:
            await state.forget_older(UPDATE_KEY, state.clock() - REMEMBER_UPDATES)
        except Exception:
            logger.exception("Could not forget old Telegram updates; again in an hour.")
        await asyncio.sleep(3600)
