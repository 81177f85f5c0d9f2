"""The channel adapter interface, and the registry of adapters by name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from sanic import Blueprint

from bot.config import Settings
from bot.pipeline import MessagePipeline
from bot.web.requests import (
    handler,
    message_json,
    read_body,
)
from core.errors import CannotPush
from core.messages import StoredMessage, Thread

if TYPE_CHECKING:
    from core.ports import AgentWork


class ChannelAdapter(ABC):
    """Connects one messaging channel to the pipeline.

    An adapter turns the channel's payloads into `Inbound` messages, hands them to
    the pipeline, and delivers what comes back. Adapters are created when the app is
    built (their routes are known then) and attached to the pipeline when it starts.

    Args:
        options: The adapter's section under `channels:` in the settings.
    """

    name: ClassVar[str]
    # The customer's client acknowledges what it showed, which marks it delivered
    # (`Outbox.acknowledge`); a push alone is not a delivery.
    acknowledges_delivery: ClassVar[bool] = False

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self._pipeline: MessagePipeline | None = None
        self._handoff: AgentWork | None = None

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
    def handoff(self) -> AgentWork:
        """The handoff service, for channels where agents work too (set by `start`)."""
        if self._handoff is None:
            raise RuntimeError(f"channel {self.name!r} started without the handoff service")
        return self._handoff

    @abstractmethod
    def blueprint(self) -> Blueprint:
        """The adapter's HTTP routes (webhooks, pages)."""

    async def start(self, pipeline: MessagePipeline, handoff: AgentWork | None = None) -> None:
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


Adapter = TypeVar("Adapter", bound=type[ChannelAdapter])

CHANNELS: dict[str, type[ChannelAdapter]] = {}


def register(adapter: Adapter) -> Adapter:
    """Class decorator: make an adapter available under its `name`."""
    CHANNELS[adapter.name] = adapter
    return adapter


__all__ = [
    "CHANNELS",
    "ChannelAdapter",
    "handler",
    "message_json",
    "read_body",
    "register",
]
