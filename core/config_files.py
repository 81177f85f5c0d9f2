"""Reading YAML settings into typed dataclasses, with the file, line and key of any mistake."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from dataclasses import MISSING, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from core.errors import ConfigError

T = TypeVar("T")


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
