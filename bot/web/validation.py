"""The one validation layer at the edge: what a request may hold, checked before use.

Every JSON body is read by `parse_json` (nesting bounded while parsing, characters the
store cannot keep refused) and then checked against its route's `Body`
(`bot.web.schemas`): types, lengths, integer ranges, unknown fields. Path parameters
and query arguments are checked by `check_path_and_query` before any handler runs.
The same descriptions produce the OpenAPI document's schemas (`Body.json_schema`), so
what the document promises and what the server accepts cannot drift apart.
Anything refused raises `BadRequest` saying which field and why; nothing is stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from core.errors import BadRequest

# Ids are the store's INTEGER columns: 32 bits on PostgreSQL; SQLite's 64 are not needed.
MIN_ID, MAX_ID = 1, 2**31 - 1
MAX_BODY_DEPTH = 32
STORABLE = "no NUL, no lone surrogates"
# Lone surrogates cannot be encoded as UTF-8; PostgreSQL's text cannot hold NUL.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Field(Protocol):
    """One field's rule: checks a value and describes itself as JSON Schema."""

    def check(self, name: str, value: Any) -> Any:
        """The value if it is acceptable; `BadRequest` naming the field otherwise."""

    def json_schema(self) -> dict[str, Any]:
        """The rule in JSON Schema (OpenAPI 3.0's dialect)."""


@dataclass(frozen=True)
class Text:
    """A string of bounded length; `non_blank` refuses one of white space only."""

    max_length: int
    min_length: int = 1
    pattern: str | None = None
    non_blank: bool = False
    choices: tuple[str, ...] = ()
    description: str = ""

    def check(self, name: str, value: Any) -> str:
        """See `Field.check`."""
        if not isinstance(value, str):
            raise BadRequest(f"field {name!r} must be a string, got {_json_type(value)}")
        if self.choices and value not in self.choices:
            raise BadRequest(f"field {name!r} must be one of {', '.join(self.choices)}")
        if self.non_blank and not value.strip():
            raise BadRequest(f"field {name!r} is empty")
        if not self.min_length <= len(value) <= self.max_length:
            raise BadRequest(
                f"field {name!r} must be {self.min_length} to {self.max_length} characters"
                f" long, got {len(value)}"
            )
        if self.pattern and not re.fullmatch(self.pattern, value):
            raise BadRequest(f"field {name!r} must match {self.pattern}")
        return value

    def json_schema(self) -> dict[str, Any]:
        """See `Field.json_schema`."""
        schema: dict[str, Any] = {"type": "string", "maxLength": self.max_length}
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.pattern:
            schema["pattern"] = f"^{self.pattern}$"
        elif self.non_blank:  # some character that is not white space, and no NUL
            schema["pattern"] = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"
        else:
            schema["pattern"] = r"^[^\u0000]*$"
        return _described(
            schema, f"{self.description}; {STORABLE}" if self.description else STORABLE
        )


@dataclass(frozen=True)
class Integer:
    """A whole number (not a boolean) within bounds; by default an id's range."""

    minimum: int = MIN_ID
    maximum: int = MAX_ID
    description: str = ""

    def check(self, name: str, value: Any) -> int:
        """See `Field.check`."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadRequest(f"field {name!r} must be a whole number, got {_json_type(value)}")
        if not self.minimum <= value <= self.maximum:
            raise BadRequest(f"field {name!r} must be from {self.minimum} to {self.maximum}")
        return value

    def json_schema(self) -> dict[str, Any]:
        """See `Field.json_schema`."""
        schema = {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}
        return _described(schema, self.description)


@dataclass(frozen=True)
class Boolean:
    """True or false."""

    description: str = ""

    def check(self, name: str, value: Any) -> bool:
        """See `Field.check`."""
        if not isinstance(value, bool):
            raise BadRequest(f"field {name!r} must be true or false")
        return value

    def json_schema(self) -> dict[str, Any]:
        """See `Field.json_schema`."""
        return _described({"type": "boolean"}, self.description)


@dataclass(frozen=True)
class TextOrNumber:
    """An id a client chooses: a string, or a whole number kept as its digits."""

    max_length: int = 200
    description: str = ""

    def check(self, name: str, value: Any) -> str:
        """See `Field.check`."""
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise BadRequest(f"field {name!r} must be a string or a number")
        return Text(self.max_length).check(name, value)

    def json_schema(self) -> dict[str, Any]:
        """See `Field.json_schema`."""
        limit = 10 ** min(self.max_length, 18) - 1
        text = {"type": "string", "minLength": 1, "maxLength": self.max_length}
        number = {"type": "integer", "minimum": -limit, "maximum": limit}
        return _described({"oneOf": [text, number]}, self.description)


@dataclass(frozen=True)
class ListOf:
    """A list of items of one rule, with a bounded count."""

    item: Field
    max_items: int
    min_items: int = 1
    description: str = ""

    def check(self, name: str, value: Any) -> list[Any]:
        """See `Field.check`."""
        if not isinstance(value, list):
            raise BadRequest(f"field {name!r} must be a list, got {_json_type(value)}")
        if not self.min_items <= len(value) <= self.max_items:
            raise BadRequest(f"field {name!r} must hold {self.min_items} to {self.max_items} items")
        return [self.item.check(f"{name}[{i}]", item) for i, item in enumerate(value)]

    def json_schema(self) -> dict[str, Any]:
        """See `Field.json_schema`."""
        schema = {
            "type": "array",
            "items": self.item.json_schema(),
            "minItems": self.min_items,
            "maxItems": self.max_items,
        }
        return _described(schema, self.description)


@dataclass(frozen=True)
class FreeObject:
    """A JSON object of the client's own shape (rasa's metadata), bounded in depth and size."""

    max_depth: int
    max_bytes: int
    description: str = ""

    def check(self, name: str, value: Any) -> dict[str, Any]:
        """See `Field.check`."""
        if not isinstance(value, dict):
            raise BadRequest(f"field {name!r} must be a JSON object, got {_json_type(value)}")
        if nesting_depth(value) > self.max_depth:
            raise BadRequest(f"field {name!r} is nested over {self.max_depth} levels deep")
        size = len(json.dumps(value).encode())
        if size > self.max_bytes:
            raise BadRequest(f"field {name!r} is {size} bytes; the limit is {self.max_bytes}")
        return value

    def json_schema(self) -> dict[str, Any]:
        """See `Field.json_schema` (depth and size are said in words: JSON Schema cannot)."""
        limits = f"at most {self.max_depth} levels deep and {self.max_bytes} bytes"
        text = f"{self.description} ({limits})" if self.description else limits
        return {"type": "object", "description": text}


@dataclass(frozen=True)
class Body:
    """A request body: a JSON object with these fields, and no others."""

    fields: Mapping[str, Field]
    required: tuple[str, ...] = ()
    description: str = ""

    def check(self, body: Any) -> dict[str, Any]:
        """The body with each field checked (client ids as strings); `BadRequest` otherwise."""
        if not isinstance(body, dict):
            raise BadRequest(f"the body must be a JSON object, got {_json_type(body)}")
        missing = [name for name in self.required if name not in body]
        if missing:
            raise BadRequest(f"missing field(s): {', '.join(missing)}")
        unknown = sorted(set(body) - set(self.fields))
        if unknown:
            allowed = ", ".join(self.fields) or "none"
            raise BadRequest(f"unknown field(s): {', '.join(unknown)}; allowed: {allowed}")
        checked = {}
        for name, value in body.items():
            left_out = value is None and name not in self.required  # null: as if absent
            checked[name] = value if left_out else self.fields[name].check(name, value)
        return checked

    def json_schema(self) -> dict[str, Any]:
        """The body's JSON Schema (unknown fields refused)."""
        properties = {}
        for name, rule in self.fields.items():
            schema = rule.json_schema()
            if name not in self.required:
                schema = {**schema, "nullable": True} if "oneOf" not in schema else schema
            properties[name] = schema
        body: dict[str, Any] = {
            "type": "object",
            "additionalProperties": False,
            "properties": properties,
        }
        if self.required:
            body["required"] = list(self.required)
        return _described(body, self.description)


def parse_json(raw: bytes | None, *, max_depth: int = MAX_BODY_DEPTH) -> Any:
    """A request body's JSON, refused when malformed, too deep or holding unstorable text.

    Raises:
        BadRequest: Not JSON (or numbers too long to read), nested over `max_depth`
            levels, or a string with NUL or a lone surrogate (the message names where).
    """
    try:
        value = json.loads(raw or b"")
    except RecursionError:
        raise BadRequest(f"the body is nested over {max_depth} levels deep") from None
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        raise BadRequest(f"the body is not valid JSON ({error})") from None
    if nesting_depth(value) > max_depth:
        raise BadRequest(f"the body is nested over {max_depth} levels deep")
    problem = unstorable_text(value)
    if problem is not None:
        raise BadRequest(problem)
    return value


def nesting_depth(value: Any) -> int:
    """How many objects and lists deep a parsed JSON value goes (without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def unstorable_text(value: Any, where: str = "body") -> str | None:
    """Where a parsed JSON value holds NUL or a lone surrogate (in a key or a string)."""
    stack = [(value, where)]
    while stack:
        item, path = stack.pop()
        if isinstance(item, str):
            if found := UNSTORABLE.search(item):
                return f"{_field_name(path)} holds a character that cannot be stored " + (
                    f"(U+{ord(found.group()):04X})"
                )
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((key, path))
                stack.append((child, f"{path}.{key}" if path != "body" else key))
        elif isinstance(item, list):
            stack.extend((child, f"{path}[{i}]") for i, child in enumerate(item))
    return None


def check_path_and_query(match_info: Mapping[str, Any], args: Mapping[str, list[str]]) -> None:
    """Path ids within the store's range, and no unstorable text in path or query.

    Raises:
        BadRequest: Naming the parameter.
    """
    for name, value in match_info.items():
        if isinstance(value, int) and not MIN_ID <= value <= MAX_ID:
            raise BadRequest(f"{name} must be a whole number from {MIN_ID} to {MAX_ID}")
        if isinstance(value, str) and UNSTORABLE.search(value):
            raise BadRequest(f"{name} holds a character that cannot be stored")
    for name, values in args.items():
        if UNSTORABLE.search(name) or any(UNSTORABLE.search(v) for v in values):
            raise BadRequest(f"query argument {name!r} holds a character that cannot be stored")


def id_argument(name: str, raw: str) -> int:
    """A message id given as text (a query argument, a header), within the ids' range."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(MAX_ID)):
        raise BadRequest(f"{name!r} must be a message id (a whole number), got {raw[:20]!r}")
    number = int(raw)
    if number > MAX_ID:
        raise BadRequest(f"{name!r} must be from 0 to {MAX_ID}")
    return number


def _field_name(path: str) -> str:
    return "the body" if path == "body" else f"field {path!r}"


def _described(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {**schema, "description": description} if description else schema


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")
