"""One exception tree for the framework.

Each error carries the HTTP status it maps to, so the web layer turns any of them
into a response in one place (`bot.web.app`), and the command line into an exit message.
"""

from __future__ import annotations


class BotError(Exception):
    """Base of every error the framework raises on purpose."""

    status_code: int = 500
    quiet: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(BotError):
    """A configuration file is missing, unreadable or invalid.

    The message names the file, the line when known, the key and the reason.
    """

    def __init__(self, path: str, key: str, reason: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {key}: {reason}" if key else f"{where}: {reason}")
        self.path, self.key, self.reason, self.line = path, key, reason, line


class BadRequest(BotError):
    """The client sent something we cannot accept; the message says what."""

    status_code = 400
    quiet = True


class PayloadTooLarge(BadRequest):
    """A message or request body is over the configured limit."""

    status_code = 413


class Unauthorized(BotError):
    """No valid credentials were given."""

    status_code = 401
    quiet = True


class Forbidden(BotError):
    """The caller is known but may not do this."""

    status_code = 403
    quiet = True


class Conflict(BotError):
    """The request lost a race or no longer fits the thing's state."""

    status_code = 409
    quiet = True


class TooManyRequests(BotError):
    """The caller must wait before trying again (e.g. after repeated failed sign-ins)."""

    status_code = 429
    quiet = True


class CannotPush(BotError):
    """A channel cannot deliver a message now; it stays stored, unsent, for later."""

    quiet = True


class NotFound(BotError):
    """The thing asked for does not exist (unknown thread, channel, ...)."""

    status_code = 404
    quiet = True


class EngineUnavailable(BotError):
    """The conversation engine cannot answer right now (not loaded, or it failed)."""

    status_code = 503


class ModelMissing(BotError):
    """No trained model was found where one was expected."""

    status_code = 503
