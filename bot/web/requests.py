"""Reading requests and writing JSON, the same way for every route."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Coroutine
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse

from core.errors import BadRequest
from core.messages import StoredMessage

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse | None]]


def handler(method: Handler) -> Handler:
    """A plain function calling a bound method: sanic 21 tags handlers with attributes."""

    @functools.wraps(method)
    async def call(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse | None:
        return await method(request, *args, **kwargs)

    return call


def read_json_object(
    request: Request, *, required: tuple[str, ...], optional: tuple[str, ...]
) -> dict[str, Any]:
    """The request body as a JSON object with exactly the given fields.

    Raises:
        BadRequest: The body is not JSON, not an object, misses a required field
            or has a field nobody asked for; the message says which.
    """
    try:
        body = json.loads(request.body or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise BadRequest(f"the body is not valid JSON ({error})") from None
    if not isinstance(body, dict):
        raise BadRequest(f"the body must be a JSON object, got {type(body).__name__}")
    missing = [key for key in required if key not in body]
    if missing:
        raise BadRequest(f"missing field(s): {', '.join(missing)}")
    unknown = sorted(set(body) - set(required) - set(optional))
    if unknown:
        allowed = ", ".join((*required, *optional))
        raise BadRequest(f"unknown field(s): {', '.join(unknown)}; allowed: {allowed}")
    return body


def text_field(body: dict[str, Any], key: str) -> str:
    """A field that must be a string."""
    value = body[key]
    if not isinstance(value, str):
        raise BadRequest(f"field {key!r} must be a string, got {type(value).__name__}")
    return value


def optional_id_field(body: dict[str, Any], key: str) -> str | None:
    """An optional id field: a string or a number, kept as a string."""
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadRequest(f"field {key!r} must be a string or a number")
    text = str(value)
    if not text or len(text) > 200:
        raise BadRequest(f"field {key!r} must be 1 to 200 characters")
    return text


def message_json(message: StoredMessage) -> dict[str, Any]:
    """A stored message as pages and the agents' API show it."""
    return {
        "id": message.id,
        "author": message.author.value,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
        **(message.payload or {}),
    }
