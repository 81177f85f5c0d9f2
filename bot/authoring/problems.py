"""A problem `validate` found: how bad, what, and where (file and line)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from bot.authoring.yaml_files import line_of

_KEY_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class Severity(str, Enum):
    """Errors make `validate` fail; warnings are worth a look."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding, printed as `file:line: severity: message` like a compiler's."""

    severity: Severity
    message: str
    path: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.path or ""
        if self.path and self.line is not None:
            where = f"{self.path}:{self.line}"
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.severity.value}: {self.message}"

    def as_json(self) -> dict[str, Any]:
        """The problem for the designer's API."""
        return {
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "text": str(self),
        }


def error(message: str, path: Path | str | None = None, line: int | None = None) -> Problem:
    """An error at `path:line`."""
    return Problem(Severity.ERROR, message, str(path) if path is not None else None, line)


def warning(message: str, path: Path | str | None = None, line: int | None = None) -> Problem:
    """A warning at `path:line`."""
    return Problem(Severity.WARNING, message, str(path) if path is not None else None, line)


def line_for_key(data: Any, dotted: str) -> int | None:
    """The line of a dotted key such as `agents[2].teams` in data loaded by ruamel."""
    node, line = data, None
    for name, index in _KEY_PART.findall(dotted):
        key: Any = int(index) if index else name
        try:
            found = line_of(node, key)
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        line = found or line
    return line
