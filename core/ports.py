"""The ports: what the core and the handoff need from the edges, as small protocols.

The store's repositories (`bot.store`), the conversation engine (`bot.engine`), the
channels' delivery and the event bus (`handoff.events`) implement them; tests can
hand in their own.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from core.actors import Actor, AgentRow, AuditEntry, Presence, SessionRow, Snippet
from core.messages import Author, Outbound, StoredMessage, Thread, ThreadState
from core.records import Move, ThreadSummary
from core.states import Transition

Deliver = Callable[[Thread, StoredMessage], Awaitable[None]]
"""Push a stored message through its thread's channel (kept unsent if it cannot go)."""


@dataclass(frozen=True)
class Parse:
    """What the engine's NLU made of a message; `data` goes back to the engine unchanged."""

    intent: str | None
    confidence: float | None
    data: dict[str, Any]


class Engine(Protocol):
    """The conversation engine (rasa): understands a message, then answers it."""

    async def parse(self, text: str) -> Parse:
        """The intent of `text`, without changing any conversation."""
        ...

    async def respond(
        self,
        conversation_id: str,
        text: str,
        *,
        channel: str,
        message_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        parse: Parse | None = None,
        repeated: bool = False,
    ) -> list[Outbound]:
        """What the bot says to `text` in the conversation, reusing `parse` if given.

        `repeated`: an earlier attempt may have run it; if the engine took message
        `message_id` then, its answer is given again instead of running it twice.
        """
        ...


class Events(Protocol):
    """Live events by topic: agents' notifications, messages for open chat pages."""

    def publish(self, kind: str, **data: Any) -> None:
        """Send an agents' event to every console."""
        ...

    async def send(self, topic: str, event: dict[str, Any]) -> int:
        """Send an event to a topic's subscribers; how many received it."""
        ...

    def subscribe(self, topic: str = ...) -> AbstractAsyncContextManager[Any]:
        """A queue of the topic's events (the agents' by default), until the context exits."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class ThreadStore(Protocol):
    """Threads, their moves and their close (`bot.store.threads`)."""

    async def thread(self, thread_id: int) -> Thread | None:
        """A thread by id."""
        ...

    async def open_thread(self, channel: str, chat_id: str) -> Thread | None:
        """The chat's open thread."""
        ...

    async def threads_in(
        self, states: Iterable[ThreadState], *, agent_id: int | None = None
    ) -> list[Thread]:
        """Open threads in the states, oldest escalation first."""
        ...

    async def overdue(self, escalated_before: datetime) -> list[Thread]:
        """Escalated threads with no agent answer and no breach yet."""
        ...

    async def apply(
        self, transition: Transition, *, reason: str | None = None, **changes: Any
    ) -> Thread | None:
        """Compare-and-set a decided move; None if the thread moved meanwhile."""
        ...

    async def mark_first_response(self, thread_id: int) -> None:
        """Record the first agent answer, once."""
        ...

    async def claim_breach(self, thread_id: int) -> bool:
        """Flag an SLA breach; True only for the first caller."""
        ...

    async def close(self, thread_id: int, *, rating: int | None = None) -> None:
        """Close a thread for good."""
        ...

    async def moves(self, thread_id: int) -> list[Move]:
        """The recorded moves, in order."""
        ...

    async def customer_threads(self, customer_id: int) -> list[ThreadSummary]:
        """A customer's threads, newest first."""
        ...

    async def customer_name(self, customer_id: int) -> str | None:
        """The customer's display name."""
        ...


class MessageStore(Protocol):
    """Messages and their delivery (`bot.store.messages`)."""

    async def record_replies(
        self,
        thread_id: int,
        replies: Sequence[Outbound],
        *,
        author: Author = Author.BOT,
        reply_to_id: int | None = None,
        agent_id: int | None = None,
        sent: bool = False,
    ) -> list[StoredMessage]:
        """Store what the bot, an agent or the system wrote in a thread."""
        ...

    async def transcript(
        self, thread_id: int, *, after_id: int = 0, limit: int = 500, with_notes: bool = False
    ) -> list[StoredMessage]:
        """A thread's messages in order."""
        ...

    async def recent_customer_messages(self, thread_id: int, limit: int) -> list[StoredMessage]:
        """The customer's last messages in a thread, oldest first."""
        ...

    async def last_said_at(self, thread_id: int) -> datetime | None:
        """When the customer was last written to in a thread (bot, agent or notice)."""
        ...


class AgentStore(Protocol):
    """Agents, their presence and snippets (`bot.store.agents`)."""

    async def sync_agents(self, logins: Iterable[str]) -> dict[str, int]:
        """Give every configured agent a row; their ids by login."""
        ...

    async def agent_rows(self) -> list[AgentRow]:
        """Every agent with presence and load."""
        ...

    async def set_presence(self, agent_id: int, presence: Presence) -> None:
        """Record an agent's presence."""
        ...

    async def record_seen(
        self, agent_id: int, at: datetime, session_expires_at: datetime | None
    ) -> None:
        """Record that an agent's console or client was heard from."""
        ...

    async def snippets(self, agent_id: int) -> list[Snippet]:
        """An agent's snippets."""
        ...

    async def add_snippet(self, agent_id: int, title: str, text: str) -> Snippet:
        """Save a snippet."""
        ...

    async def delete_snippet(self, agent_id: int, snippet_id: int) -> bool:
        """Delete one of the agent's snippets."""
        ...


class CredentialStore(Protocol):
    """Agents' API tokens, console passwords and sessions (`bot.store.credentials`)."""

    async def add_credential(
        self, agent_id: int, kind: str, secret_hash: str, expires_at: datetime | None = None
    ) -> None:
        """Store a hashed token (with its expiry) or password."""
        ...

    async def agent_for_token(self, token: str, now: datetime) -> int | None:
        """The agent of a bearer token that is neither revoked nor expired at `now`."""
        ...

    async def revoke_all(self, agent_id: int) -> tuple[int, int]:
        """Revoke an agent's tokens and sessions; how many of each."""
        ...

    async def password_hash(self, agent_id: int | None) -> str | None:
        """The agent's current password hash (None, after the same query, for no agent)."""
        ...

    async def create_session(self, agent_id: int, secret_hash: str, expires_at: datetime) -> None:
        """Record a console sign-in."""
        ...

    async def session(self, secret_hash: str) -> SessionRow | None:
        """A sign-in by the hash of its secret."""
        ...

    async def revoke_session(self, secret_hash: str) -> None:
        """Sign out."""
        ...

    async def delete_expired_sessions(self, before: datetime) -> None:
        """Forget sessions expired before the moment."""
        ...


class SignInFailures(Protocol):
    """Failed sign-ins per key within a sliding window, shared by every worker.

    Kept in Redis (`bot.store.sign_ins.RedisSignInFailures`) or in the database
    (`bot.store.sign_ins.DatabaseSignInFailures`).
    """

    async def add(
        self, key: str, attempt: str, at: datetime, window: timedelta
    ) -> tuple[int, datetime]:
        """Count an attempt; the key's attempts within the window and the oldest's time."""
        ...

    async def remove(self, key: str, attempt: str) -> None:
        """Forget one attempt (refused unchecked, or one that succeeded)."""
        ...

    async def clear(self, key: str) -> None:
        """Forget every attempt of a key (its owner signed in)."""
        ...


class AuditLog(Protocol):
    """Who signed in or out, and which credentials were issued or revoked."""

    async def record(
        self, event: str, login: str | None, address: str | None, detail: str | None = None
    ) -> None:
        """Store one event."""
        ...

    async def recent(self, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        """The latest events, newest first (those older than `before_id` if given)."""
        ...


class AgentWork(Protocol):
    """The handoff, as a channel where agents work sees it (`handoff.services.Handoff`)."""

    events: Events
    threads: ThreadStore
    messages: MessageStore

    def actor(self, login: str) -> Actor:
        """The configured agent with this login (NotFound)."""
        ...

    def agent_name(self, agent_id: int | None) -> str | None:
        """An agent's display name by id."""
        ...

    def telegram_accounts(self) -> dict[int, str]:
        """Agents' logins by Telegram user id."""
        ...

    async def claim(self, actor: Actor, thread_id: int) -> Thread:
        """Take a waiting thread."""
        ...

    async def reply(self, actor: Actor, thread_id: int, text: str) -> StoredMessage:
        """Write to the customer."""
        ...

    async def resolve(self, actor: Actor, thread_id: int) -> Thread:
        """Resolve the thread."""
        ...

    async def hand_back(self, actor: Actor, thread_id: int) -> Thread:
        """Give the thread back to the bot."""
        ...
