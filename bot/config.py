"""Typed settings, read from `config/bot.yml` and `BOT_*` environment variables.

Every section is a frozen dataclass with defaults, so an empty file is a valid
configuration. Loading validates types and names: a typo or a wrong type fails at
start-up with the file, the line, the dotted key and the reason. Any leaf can be
overridden from the environment: `database.url` by `BOT_DATABASE_URL`,
`server.port` by `BOT_SERVER_PORT`; a channel's option by `BOT_CHANNELS_<NAME>_<OPTION>`
(which also switches the channel on), e.g. `BOT_CHANNELS_TELEGRAM_TOKEN`, or simply
`TELEGRAM_BOT_TOKEN`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.shared_stores import check_shared_stores
from core.clock import Clock, ScaledClock, utcnow
from core.config_files import parse_section, read_yaml
from core.customers import check_order_format
from core.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("config/bot.yml")
ENV_PREFIX = "BOT_"
CHANNEL_ENV_PREFIX = f"{ENV_PREFIX}CHANNELS_"
# Well-known variables that set a channel's option: (channel, option).
CHANNEL_ENV_ALIASES = {"TELEGRAM_BOT_TOKEN": ("telegram", "token")}


@dataclass(frozen=True)
class BrandSettings:
    """Who the bot speaks for, and in which languages (the first is the default)."""

    name: str = "Fernhill Home"
    # A response variant is in the language of its `metadata: {language: xx}`, or in
    # the first of these; `validate` reports templates missing a language.
    languages: list[str] = field(default_factory=lambda: ["en"])
    # The brand's order numbers, '#' for a digit: agents see those a customer mentions.
    order_number: str = "FH-#####"


@dataclass(frozen=True)
class ServerSettings:
    """The web server."""

    host: str = "127.0.0.1"
    port: int = 5005
    workers: int = 1
    max_request_bytes: int = 64 * 1024


@dataclass(frozen=True)
class DatabaseSettings:
    """The framework's own store: any SQLAlchemy URL (SQLite or PostgreSQL)."""

    url: str = "sqlite:///var/bot.db"
    # A request waiting longer for the database gets a 503 with Retry-After.
    connect_timeout_seconds: float = 5.0
    statement_timeout_seconds: float = 10.0


@dataclass(frozen=True)
class ProjectSettings:
    """Where the rasa project lives: pipeline, domain, training data, actions."""

    config: str = "config/pipeline.yml"
    domain: str = "data/domain.yml"
    data: list[str] = field(default_factory=lambda: ["data"])
    actions: str = "actions"
    handoff: str = "config/handoff.yml"
    handoff_examples: str = "data/handoff/frustration.yml"


@dataclass(frozen=True)
class EngineSettings:
    """The rasa engine: trained models, and rasa's own endpoints file."""

    model_dir: str = "models"
    endpoints: str | None = "config/endpoints.yml"
    reply_timeout_seconds: float = 30.0
    # A custom action that raises or takes longer hands the thread to a person.
    action_timeout_seconds: float = 5.0
    # A rasa session ends at rest after this many customer messages (0: only by time),
    # so that a long conversation's messages cost what its first ones do.
    session_messages: int = 10


@dataclass(frozen=True)
class EventsSettings:
    """Live events, timers' leases and failed sign-ins; Redis shares them between workers."""

    redis_url: str | None = None
    redis_prefix: str = "fernhill"  # starts Redis's channel and key names


@dataclass(frozen=True)
class LimitsSettings:
    """Input limits; anything above them is refused with a clear error."""

    max_message_chars: int = 4096


@dataclass(frozen=True)
class DesignerSettings:
    """Conversation designers' tools: `validate` and the review inbox."""

    min_examples: int = 15  # fewer examples for an intent is a warning
    low_confidence: float = 0.5  # messages classified below this go to the review inbox
    group_similarity: float = 0.25  # how alike messages must be to share a group (0-1)


@dataclass(frozen=True)
class ClockSettings:
    """The time the bot lives by: every timestamp it stores and every timer it runs.

    `factor` 1 is real time. Above 1 (simulations, `python -m bot simulate`) time
    starts at `start` (an ISO date-time; the real now if null) once the server is
    ready, and runs `factor` times faster; timeouts that guard real I/O (database,
    HTTP, the engine) stay real. One worker only: each worker would keep its own clock.
    """

    factor: float = 1.0
    start: str | None = None


@dataclass(frozen=True)
class Settings:
    """The whole configuration."""

    brand: BrandSettings = field(default_factory=BrandSettings)
    server: ServerSettings = field(default_factory=ServerSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    project: ProjectSettings = field(default_factory=ProjectSettings)
    engine: EngineSettings = field(default_factory=EngineSettings)
    limits: LimitsSettings = field(default_factory=LimitsSettings)
    events: EventsSettings = field(default_factory=EventsSettings)
    designer: DesignerSettings = field(default_factory=DesignerSettings)
    clock: ClockSettings = field(default_factory=ClockSettings)
    channels: dict[str, dict[str, Any]] = field(default_factory=lambda: {"rest": {}, "webchat": {}})
    source: str = "(defaults)"


def load_settings(
    path: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read settings from a YAML file (optional) and the environment.

    Args:
        path: The YAML file; `config/bot.yml` when it exists and none is given.
        environ: Environment variables; `os.environ` when not given.

    Raises:
        ConfigError: The file cannot be read or a value is invalid.
    """
    environ = os.environ if environ is None else environ
    if path is None and DEFAULT_CONFIG_PATH.exists():
        path = DEFAULT_CONFIG_PATH
    data: Any = {}
    source = "(defaults)"
    if path is not None:
        source = str(path)
        data = read_yaml(Path(path))
    data = _apply_environment(Settings, data, environ)
    data = _apply_channel_environment(data, environ)
    settings = parse_section(Settings, {**data, "source": source}, source)
    if not settings.brand.languages:
        raise ConfigError(source, "brand.languages", "name at least one language (the default)")
    engine = settings.engine
    # At or above reply_timeout_seconds, a stuck action times the whole answer out
    # instead (a 503 that the client retries) rather than handing over with an apology.
    if not engine.action_timeout_seconds > 0:
        raise ConfigError(source, "engine.action_timeout_seconds", "must be above 0")
    if engine.session_messages < 0:
        raise ConfigError(source, "engine.session_messages", "must be 0 (no limit) or more")
    if (wrong := check_order_format(settings.brand.order_number)) is not None:
        raise ConfigError(source, "brand.order_number", wrong)
    check_clock(settings)
    if settings.server.workers > 1:
        check_shared_stores(settings)
    return settings


def check_clock(settings: Settings) -> None:
    """A factor above 0, a readable start, and one worker for a clock that is not real."""
    clock, source = settings.clock, settings.source
    if not clock.factor > 0:
        raise ConfigError(source, "clock.factor", "must be above 0 (1 is real time)")
    if clock.start is not None:
        try:
            datetime.fromisoformat(clock.start)
        except ValueError:
            raise ConfigError(
                source, "clock.start", "an ISO date-time, e.g. 2024-05-06T09:00:00+00:00"
            ) from None
    if clock.factor != 1 and settings.server.workers > 1:
        raise ConfigError(
            source, "clock.factor", "a clock faster than real time runs on one worker only"
        )


def build_clock(settings: ClockSettings) -> Clock:
    """The clock the settings ask for: real time, or a scaled one (see `ClockSettings`)."""
    if settings.factor == 1 and settings.start is None:
        return utcnow
    start = datetime.fromisoformat(settings.start) if settings.start else None
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return ScaledClock(settings.factor, start, running=False)  # begins once serving


def _apply_environment(cls: type, data: Any, environ: Mapping[str, str]) -> Any:
    """Overlay `BOT_SECTION_KEY` variables on the sections read from the file."""
    if not isinstance(data, Mapping):
        return data
    merged = dict(data)
    for section in fields(cls):
        if not is_dataclass(section.default_factory):
            continue
        overrides = {
            leaf.name: _from_environment(environ[variable], leaf.type)
            for leaf in fields(section.default_factory)
            if (variable := f"{ENV_PREFIX}{section.name}_{leaf.name}".upper()) in environ
        }
        if overrides:
            merged[section.name] = {**(merged.get(section.name) or {}), **overrides}
    return merged


def _apply_channel_environment(data: Any, environ: Mapping[str, str]) -> Any:
    """Overlay `BOT_CHANNELS_<NAME>_<OPTION>` variables (and the aliases) on `channels:`.

    A channel named only in the environment is switched on beside the file's channels
    (or the default ones); empty variables are ignored.
    """
    if not isinstance(data, Mapping):
        return data
    overrides: dict[str, dict[str, str]] = {}
    for variable, (name, option) in CHANNEL_ENV_ALIASES.items():
        if environ.get(variable):
            overrides.setdefault(name, {})[option] = environ[variable]
    for variable, value in environ.items():
        name, _, option = variable.removeprefix(CHANNEL_ENV_PREFIX).lower().partition("_")
        if variable.startswith(CHANNEL_ENV_PREFIX) and name and option and value:
            overrides.setdefault(name, {})[option] = value
    if not overrides:
        return data
    channels = data["channels"] if "channels" in data else Settings().channels
    if not isinstance(channels, Mapping):
        return data  # parse_section reports the file's mistake
    merged = dict(channels)
    for name, options in overrides.items():
        from_file = merged.get(name) or {}
        merged[name] = {**from_file, **options} if isinstance(from_file, Mapping) else from_file
    return {**data, "channels": merged}


def _from_environment(raw: str, kind: Any) -> Any:
    if "list" in str(kind):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if raw == "" and "None" in str(kind):
        return None
    return raw
