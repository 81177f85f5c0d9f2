"""The values that flow through the pipeline: what came in, what goes out, what is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

# The intents the engine gives when it did not understand.
FALLBACK_INTENTS = frozenset({"nlu_fallback"})


class Author(str, Enum):
    """Who wrote a message."""

    CUSTOMER = "customer"
    BOT = "bot"
    AGENT = "agent"
    SYSTEM = "system"
    NOTE = "note"  # an agent's private note: never sent to the customer


@dataclass(frozen=True)
class Inbound:
    """A customer's message as a channel adapter received it.

    Attributes:
        channel: The adapter's registry name (`rest`, `webchat`, `telegram`...).
        chat_id: The conversation on that channel; one open thread per chat.
        sender_id: The customer on that channel.
        text: What they wrote, already checked against the limits.
        message_id: The channel's id for this delivery, when it has one: a repeated
            delivery with the same id is stored and answered once.
        sender_name: A display name, when the channel knows it.
        sender_handle: The channel's handle for the sender (Telegram's username), if any.
        metadata: Channel data kept with the message.
    """

    channel: str
    chat_id: str
    sender_id: str
    text: str
    message_id: str | None = None
    sender_name: str | None = None
    sender_handle: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def delivery_key(self) -> str | None:
        """A key unique to this delivery across channels, or None without a message id."""
        if self.message_id is None:
            return None
        return f"{self.channel}:{self.chat_id}:{self.message_id}"


@dataclass(frozen=True)
class Outbound:
    """Something to say to the customer: text, plus any rich parts (buttons, image)."""

    text: str
    extras: dict[str, Any] = field(default_factory=dict)


class ThreadState(str, Enum):
    """Who is answering a thread."""

    BOT = "bot"
    QUEUED = "queued"
    WITH_AGENT = "with_agent"
    RESOLVED = "resolved"

    @property
    def human_owned(self) -> bool:
        """A person owns or is about to own the thread: the bot must stay silent."""
        return self in (ThreadState.QUEUED, ThreadState.WITH_AGENT)

    @property
    def words(self) -> str:
        """The state as a sentence says it ("with agent")."""
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class Thread:
    """A conversation with one customer on one chat, from opening to close."""

    id: int
    customer_id: int
    channel: str
    chat_id: str
    state: ThreadState
    created_at: datetime
    agent_id: int | None = None
    team: str | None = None
    language: str | None = None
    topic: str | None = None
    public: bool = False
    escalated_at: datetime | None = None
    escalation_score: float | None = None
    escalation_reason: str | None = None
    first_response_at: datetime | None = None
    sla_breached_at: datetime | None = None
    rating: int | None = None
    closed_at: datetime | None = None

    @property
    def conversation_id(self) -> str:
        """The id the engine knows this conversation by."""
        return f"{self.channel}:{self.chat_id}"


@dataclass(frozen=True)
class StoredMessage:
    """A message as the store keeps it."""

    id: int
    thread_id: int
    author: Author
    text: str
    created_at: datetime
    sent_at: datetime | None = None
    reply_to_id: int | None = None
    payload: dict[str, Any] | None = None
    agent_id: int | None = None
    intent: str | None = None
    intent_confidence: float | None = None
    negativity: float | None = None

    def as_outbound(self) -> Outbound:
        """The message as something to send again (a repeated delivery's answers)."""
        return Outbound(self.text, dict(self.payload or {}))
