"""Reading requests and writing JSON, the same way for every route."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from sanic import Request
from sanic.response import HTTPResponse

from bot.web.validation import Body, parse_json
from core.messages import StoredMessage

Handler = Callable[..., Coroutine[Any, Any, HTTPResponse | None]]


def handler(method: Handler) -> Handler:
    """A plain function calling a bound method: sanic 21 tags handlers with attributes."""

    @functools.wraps(method)
    async def call(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse | None:
        return await method(request, *args, **kwargs)

    return call


def read_body(request: Request, schema: Body) -> dict[str, Any]:
    """The request body, checked by the edge's one validation layer (`bot.web.validation`).

    Raises:
        BadRequest: The body is not JSON, too deep, holds unstorable characters, or
            does not fit `schema` (a missing, unknown or ill-typed field); the message
            says which.
    """
    return schema.check(parse_json(request.body))


def message_json(message: StoredMessage) -> dict[str, Any]:
    """A stored message as pages and the agents' API show it."""
    return {
        "id": message.id,
        "author": message.author.value,
        "text": message.text,
        "created_at": message.created_at.isoformat(),
        **(message.payload or {}),
    }
