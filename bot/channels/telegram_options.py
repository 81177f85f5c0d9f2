"""The Telegram channel's options, under `channels: telegram:` in `config/bot.yml`.

    channels:
      telegram:
        token: "123456:ABC..."   # from @BotFather; better: TELEGRAM_BOT_TOKEN in the environment
        mode: polling            # or webhook, served by this app at /webhooks/telegram/webhook
        webhook_url: https://bot.example.com/webhooks/telegram/webhook   # webhook mode
        secret_token: ...        # Telegram sends it back on every webhook call (default:
                                 # derived from the token)
        agents_chat_id: -100...  # the agents' group (optional): escalations are posted there
        poll_timeout: 30         # seconds a long poll waits for updates
        send_attempts: 5         # tries per message when the network fails
        base_url: https://api.telegram.org/bot           # another Bot API server, e.g. a
        base_file_url: https://api.telegram.org/file/bot # local one (or the tests' fake)

Each can also come from the environment, e.g. `BOT_CHANNELS_TELEGRAM_MODE=webhook`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from core.config_files import parse_section
from core.errors import ConfigError

PREFIX = "channels.telegram."
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True)
class TelegramOptions:
    """The channel's options (see the module's docstring)."""

    token: str = ""
    mode: str = "polling"
    webhook_url: str | None = None
    secret_token: str | None = None
    agents_chat_id: int | None = None
    poll_timeout: int = 30
    send_attempts: int = 5
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    enabled: bool = True

    @property
    def secret(self) -> str:
        """The webhook's secret token: the configured one, or one derived from the token."""
        return self.secret_token or hashlib.sha256(f"webhook:{self.token}".encode()).hexdigest()


def read_options(options: dict[str, Any], source: str) -> TelegramOptions:
    """Check the channel's options.

    Raises:
        ConfigError: With the file and the key (a token is never repeated in a message).
    """
    parsed = parse_section(TelegramOptions, options, source, PREFIX)
    problem = _problem(parsed)
    if problem is not None:
        raise ConfigError(source, PREFIX + problem[0], problem[1])
    return parsed


def _problem(options: TelegramOptions) -> tuple[str, str] | None:
    """The first option that is wrong, and why."""
    if not options.token:
        return "token", "is required: the bot's token from @BotFather (or TELEGRAM_BOT_TOKEN)"
    if not _TOKEN.fullmatch(options.token):
        return "token", "does not look like a bot token (digits, ':', then 20+ letters)"
    if options.mode not in ("polling", "webhook"):
        return "mode", f"must be polling or webhook, not {options.mode!r}"
    if options.mode == "webhook" and not options.webhook_url:
        return "webhook_url", "is required in webhook mode (the public https URL of the webhook)"
    if options.webhook_url and not re.match(r"https?://", options.webhook_url):
        return "webhook_url", "must be an http(s):// URL"
    if options.secret_token is not None and not _SECRET.fullmatch(options.secret_token):
        return "secret_token", "must be 1 to 256 letters, digits, '_' or '-'"
    if not 0 <= options.poll_timeout <= 300:
        return "poll_timeout", "must be 0 to 300 seconds"
    if options.send_attempts < 1:
        return "send_attempts", "must be at least 1"
    return None
