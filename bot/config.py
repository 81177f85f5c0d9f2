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

import difflib
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from bot.errors import ConfigError

DEFAULT_CONFIG_PATH = Path("config/bot.yml")
ENV_PREFIX = "BOT_"
CHANNEL_ENV_PREFIX = f"{ENV_PREFIX}CHANNELS_"
# Well-known variables that set a channel's option: (channel, option).
CHANNEL_ENV_ALIASES = {"TELEGRAM_BOT_TOKEN": ("telegram", "token")}

T = TypeVar("T")


@dataclass(frozen=True)
class BrandSettings:
    """Who the bot speaks for, and in which languages (the first is the default)."""

    name: str = "Fernhill Home"
    # A response variant is in the language of its `metadata: {language: xx}`, or in
    # the first of these; `validate` reports templates missing a language.
    languages: list[str] = field(default_factory=lambda: ["en"])


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


@dataclass(frozen=True)
class EventsSettings:
    """Live events for agents; Redis shares them between several workers."""

    redis_url: str | None = None


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
    if settings.server.workers > 1:
        if settings.database.url.startswith("sqlite"):
            raise ConfigError(source, "server.workers", "several workers need a PostgreSQL store")
        if not settings.events.redis_url:
            raise ConfigError(source, "server.workers", "several workers need events.redis_url")
    return settings


def read_yaml(path: Path) -> Any:
    """Load a YAML file keeping line numbers (ruamel's round-trip loader)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(str(path), "", f"cannot read the file ({error.strerror})") from error
    try:
        data = YAML(typ="rt").load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(str(path), "", f"not valid YAML: {problem}", line) from error
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(str(path), "", "the top level must be a mapping of sections")
    return data


def parse_section(cls: type[T], data: Any, source: str, prefix: str = "") -> T:
    """Build dataclass `cls` from a mapping, checking names and types.

    Args:
        cls: A dataclass type whose fields have defaults.
        data: The mapping read from YAML (line numbers kept when it came from ruamel).
        source: The file name, for error messages.
        prefix: The dotted key of this section, for error messages.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(source, prefix or "(top level)", f"expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean '{prefix}{close[0]}'?)" if close else ""
            raise ConfigError(source, dotted, f"unknown key{hint}", _line_of(data, key))
        values[key] = _convert(hints[key], value, source, dotted, _line_of(data, key))
    for name, spec in known.items():
        if name not in values and spec.default is MISSING and spec.default_factory is MISSING:
            raise ConfigError(source, f"{prefix}{name}", "is required")
    return cls(**values)


def _convert(kind: Any, value: Any, source: str, key: str, line: int | None) -> Any:
    origin = typing.get_origin(kind)
    args = typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _convert(inner, value, source, key, line)
    if is_dataclass(kind):
        return parse_section(kind, value, source, f"{key}.")  # type: ignore[arg-type]
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(source, key, f"expected a list, got {value!r}", line)
        return [
            _convert(args[0], item, source, f"{key}[{index}]", _line_of(value, index) or line)
            for index, item in enumerate(value)
        ]
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(source, key, f"expected a mapping, got {value!r}", line)
        item_kind: Any = args[1]
        if isinstance(item_kind, type) and is_dataclass(item_kind):
            return {
                str(k): parse_section(item_kind, v, source, f"{key}.{k}.") for k, v in value.items()
            }
        return {str(k): _plain(v) for k, v in value.items()}
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"true", "false", "1", "0", "yes", "no"}:
            return value.lower() in {"true", "1", "yes"}
        raise ConfigError(source, key, f"expected true or false, got {value!r}", line)
    if kind in (int, float):
        if isinstance(value, bool):
            raise ConfigError(source, key, f"expected a number, got {value!r}", line)
        try:
            number = kind(value)
        except (TypeError, ValueError):
            noun = "a whole number" if kind is int else "a number"
            raise ConfigError(source, key, f"expected {noun}, got {value!r}", line) from None
        if kind is int and isinstance(value, float) and value != number:
            raise ConfigError(source, key, f"expected a whole number, got {value!r}", line)
        return number
    if kind is str:
        if isinstance(value, (Mapping, list)) or value is None:
            raise ConfigError(source, key, f"expected text, got {value!r}", line)
        return str(value)
    if kind is Any:
        return _plain(value)
    raise TypeError(f"unsupported settings type {kind!r} for {key}")


def _plain(value: Any) -> Any:
    """Turn ruamel's commented containers into plain dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _line_of(data: Any, key: Any) -> int | None:
    lc: Any = getattr(data, "lc", None)
    if lc is None:
        return None
    try:
        position = lc.item(key) if isinstance(data, list) else lc.key(key)
        return int(position[0]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


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
