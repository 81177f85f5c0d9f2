"""The channel adapter interface, and the registry of adapters by name."""

from __future__ import annotations

import functools
import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from bot.config import Settings
from bot.errors import BadRequest, CannotPush
from bot.messages import StoredMessage, Thread
from bot.pipeline import MessagePipeline

if TYPE_CHECKING:
    from handoff.service import HandoffService


class ChannelAdapter(ABC):
    """Connects one messaging channel to the pipeline.

    An adapter turns the channel's payloads into `Inbound` messages, hands them to
    the pipeline, and delivers what comes back. Adapters are created when the app is
    built (their routes are known then) and attached to the pipeline when it starts.

    Args:
        options: The adapter's section under `channels:` in the settings.
    """

    name: ClassVar[str]

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self._pipeline: MessagePipeline | None = None
        self._handoff: HandoffService | None = None

    @classmethod
    def from_settings(cls, options: dict[str, Any], settings: Settings) -> ChannelAdapter:
        """The adapter for its section under `channels:`; adapters check their options here.

        Raises:
            ConfigError: An option is missing or invalid (the message names file and key).
        """
        return cls(options)

    @property
    def pipeline(self) -> MessagePipeline:
        """The running pipeline (set by `start`)."""
        if self._pipeline is None:
            raise RuntimeError(f"channel {self.name!r} used before the app started")
        return self._pipeline

    @property
    def handoff(self) -> HandoffService:
        """The handoff service, for channels where agents work too (set by `start`)."""
        if self._handoff is None:
            raise RuntimeError(f"channel {self.name!r} started without the handoff service")
        return self._handoff

    @abstractmethod
    def blueprint(self) -> Blueprint:
        """The adapter's HTTP routes (webhooks, pages)."""

    async def start(self, pipeline: MessagePipeline, handoff: HandoffService | None = None) -> None:
        """Attach to the running pipeline; adapters that poll start polling here."""
        self._pipeline = pipeline
        self._handoff = handoff

    async def stop(self) -> None:  # noqa: B027 - most adapters hold nothing to release
        """Stop polling and release connections."""

    async def push(self, thread: Thread, message: StoredMessage) -> str | None:
        """Deliver a message the customer did not just ask for (e.g. an agent's reply).

        Returns:
            The channel's id for the delivered message, when it gives one.

        Raises:
            CannotPush: Not deliverable now; the message stays stored and unsent, and
                goes out with the answer to the customer's next message.
        """
        raise CannotPush(f"channel {self.name!r} answers only in its responses")


Handler = Callable[..., Coroutine[Any, Any, HTTPResponse | None]]


def handler(method: Handler) -> Handler:
    """A plain function calling a bound method: sanic 21 tags handlers with attributes."""

    @functools.wraps(method)
    async def call(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse | None:
        return await method(request, *args, **kwargs)

    return call


Adapter = TypeVar("Adapter", bound=type[ChannelAdapter])

CHANNELS: dict[str, type[ChannelAdapter]] = {}


def register(adapter: Adapter) -> Adapter:
    """Class decorator: make an adapter available under its `name`."""
    CHANNELS[adapter.name] = adapter
    return adapter


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
