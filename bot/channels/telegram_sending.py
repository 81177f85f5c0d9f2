"""Sending to Telegram: messages formatted for it, and its errors handled.

- 429 (flood control): wait the `retry_after` Telegram names, then try again;
- 403: the customer blocked the bot (or it left the group): `Blocked`, not retried;
- network failures and timeouts: retried with exponential backoff, a bounded number
  of times; then `CannotPush`, and the message stays stored and unsent for later;
- anything else Telegram refuses (400...): `CannotPush` at once, since trying the
  same request again cannot help.

The caller marks a message sent only once this returns, so nothing is lost; a message
is sent again only when Telegram never confirmed it (a read timeout after Telegram
accepted it is the one case that can show it twice: Telegram has no idempotency key).
"""

from __future__ import annotations

import asyncio
import html
import logging
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from telegram import Bot, ReplyParameters
from telegram.constants import MessageLimit, ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from core.errors import CannotPush
from core.messages import Author, StoredMessage

logger = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
MAX_CHARS = int(MessageLimit.MAX_TEXT_LENGTH)


class Blocked(CannotPush):
    """The recipient blocked the bot, or the bot is no longer in the group (403)."""


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to try a request again.

    Attributes:
        attempts: Tries in all, counting the first, before giving up.
        first_backoff: Seconds to wait after the first network failure; doubled each time.
        max_backoff: The longest wait between two tries after network failures.
    """

    attempts: int = 5
    first_backoff: float = 0.5
    max_backoff: float = 30.0

    def backoff(self, failures: int) -> float:
        """Seconds to wait after `failures` network failures in a row (1, 2, ...)."""
        return float(min(self.max_backoff, self.first_backoff * 2 ** max(0, failures - 1)))


def retry_after_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for (an int or a timedelta, depending on PTB's settings)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that the int form is going away
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def with_retries(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    what: str,
    *,
    sleep: Sleep = asyncio.sleep,
) -> T:
    """Run a Bot API call, waiting out flood control and retrying network failures.

    Raises:
        Blocked: Telegram answered 403.
        CannotPush: Telegram refused the request, or it failed `policy.attempts` times.
    """
    failures = 0
    while True:
        try:
            return await call()
        except RetryAfter as error:
            pause, problem = retry_after_seconds(error), str(error)
        except Forbidden as error:
            raise Blocked(f"{what}: {error.message}") from error
        except BadRequest as error:  # a NetworkError subclass, but final
            raise CannotPush(f"{what}: Telegram refused it: {error.message}") from error
        except NetworkError as error:  # includes TimedOut
            pause, problem = policy.backoff(failures + 1), str(error) or type(error).__name__
        except TelegramError as error:
            raise CannotPush(f"{what}: {error.message}") from error
        failures += 1
        if failures >= policy.attempts:
            raise CannotPush(f"{what} failed {failures} times; the last time: {problem}")
        logger.warning("%s failed (%s); trying again in %.1f s.", what, problem, pause)
        await sleep(pause)


def split_text(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Cut a text into pieces of at most `limit` characters, at a line or word if possible."""
    pieces = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit + 1)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit + 1)
        if cut < limit // 2:
            cut = limit
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*pieces, text]


def format_message(message: StoredMessage, limit: int = MAX_CHARS) -> list[str]:
    """A stored message as Telegram HTML, in as many messages as it needs.

    An agent's message is signed with their display name: "<b>Maya</b>: text".
    """
    payload = message.payload or {}
    name = payload.get("agent_name") if message.author is Author.AGENT else None
    prefix = f"{name}: " if name else ""
    pieces = [
        html.escape(piece, quote=False) for piece in split_text(message.text, limit - len(prefix))
    ]
    if name:
        pieces[0] = f"<b>{html.escape(str(name), quote=False)}</b>: {pieces[0]}"
    return pieces


class TelegramSender:
    """Sends messages through one bot, with the retry policy.

    Args:
        bot: The initialised bot.
        policy: How to retry.
    """

    def __init__(self, bot: Bot, policy: RetryPolicy) -> None:
        self.bot = bot
        self.policy = policy

    async def send_html(self, chat: int, text: str, *, reply_to: int | None = None) -> int:
        """Send one HTML message; Telegram's id for it.

        Raises:
            Blocked: The recipient blocked the bot.
            CannotPush: Not delivered.
        """
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None

        async def send() -> int:
            sent = await self.bot.send_message(
                chat, text, parse_mode=ParseMode.HTML, reply_parameters=reply
            )
            return sent.message_id

        return await with_retries(send, self.policy, f"sendMessage to chat {chat}")

    async def send_stored(
        self, chat: int, message: StoredMessage, *, reply_to: int | None = None
    ) -> int:
        """Send a stored message (in pieces if it is long); Telegram's id of the first."""
        ids = [
            await self.send_html(chat, piece, reply_to=reply_to)
            for piece in format_message(message)
        ]
        return ids[0]
