"""The project's exception tree lives in `core.errors`; these names stay importable here."""

from core.errors import (
    BadRequest,
    BotError,
    CannotPush,
    ConfigError,
    Conflict,
    EngineUnavailable,
    Forbidden,
    ModelMissing,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
)

__all__ = [
    "BadRequest",
    "BotError",
    "CannotPush",
    "ConfigError",
    "Conflict",
    "EngineUnavailable",
    "Forbidden",
    "ModelMissing",
    "NotFound",
    "PayloadTooLarge",
    "TooManyRequests",
    "Unauthorized",
]
