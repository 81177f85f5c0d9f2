"""Who acts on threads: agents, supervisors, designers, and the system itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Presence(str, Enum):
    """An agent's availability, as they set it."""

    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Actor:
    """An authenticated agent, or (with `system`) the bot and its timers.

    Attributes:
        id: The agent's store id (0 for the system).
        login: The login, recorded with every move the actor makes.
        display_name: The name customers and colleagues read.
        supervisor: Acts on every thread.
        teams: The teams whose queues the agent works.
        designer: Reviews what the bot missed; never sees customers' threads.
        manager: Reads the care reports; never sees customers' messages.
        system: The bot, routing and timers: the rules let it make automatic moves.
    """

    id: int
    login: str
    display_name: str
    supervisor: bool
    teams: frozenset[str]
    designer: bool = False
    manager: bool = False
    system: bool = False

    @property
    def role(self) -> str:
        """`agent`, `supervisor`, `designer`, `manager` or `system`."""
        if self.system:
            return "system"
        if self.manager:
            return "manager"
        return "designer" if self.designer else "supervisor" if self.supervisor else "agent"


def system_actor(login: str = "system") -> Actor:
    """The bot (`bot`) or the timers and routing (`system`), as an actor."""
    return Actor(0, login, login, supervisor=False, teams=frozenset(), system=True)


BOT = system_actor("bot")
SYSTEM = system_actor("system")


@dataclass(frozen=True)
class AgentRow:
    """An agent's changing state, as stored."""

    id: int
    login: str
    presence: Presence
    last_assigned_at: datetime | None
    active_threads: int
    last_seen_at: datetime | None = None  # the last heartbeat or presence change
    session_expires_at: datetime | None = None  # of the console session seen last


@dataclass(frozen=True)
class SessionRow:
    """A stored console sign-in."""

    agent_id: int
    expires_at: datetime
    revoked: bool


@dataclass(frozen=True)
class Snippet:
    """An agent's own canned answer."""

    id: int
    title: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One stored sign-in or credential event."""

    id: int
    event: str
    login: str | None
    address: str | None
    detail: str | None
    created_at: datetime
