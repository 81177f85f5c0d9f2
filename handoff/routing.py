"""Choosing the agent for a thread, and what to tell a customer who has to wait.

Pure functions of snapshots: the service reads agents and load from the store,
asks here, and writes the outcome back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.actors import Presence
from handoff.hours import WorkingHours

__all__ = ["AgentSnapshot", "Presence", "RoutingRequest", "choose_agent"]


@dataclass(frozen=True)
class AgentSnapshot:
    """What routing needs to know about one agent right now."""

    id: int
    display_name: str
    presence: Presence
    capacity: int
    active_threads: int
    teams: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    hours: WorkingHours = field(default_factory=WorkingHours)
    last_assigned_at: datetime | None = None

    def can_take(self, now: datetime) -> bool:
        """Online, on shift and below capacity."""
        return (
            self.presence is Presence.ONLINE
            and self.active_threads < self.capacity
            and self.hours.is_open(now)
        )


@dataclass(frozen=True)
class RoutingRequest:
    """What the thread asks for; every field is optional."""

    language: str | None = None
    topic: str | None = None
    team: str | None = None
    exclude: frozenset[int] = frozenset()


def choose_agent(
    agents: list[AgentSnapshot], request: RoutingRequest, now: datetime
) -> AgentSnapshot | None:
    """The agent to assign, or None when nobody suitable is free.

    Never an agent who is offline, away, off shift or full. Within the team asked for,
    speakers of the customer's language first (when anyone free speaks it), then
    those with the topic as a skill, then the least loaded, then the longest idle.
    """
    free = [
        agent
        for agent in agents
        if agent.can_take(now)
        and agent.id not in request.exclude
        and (request.team is None or request.team in agent.teams)
    ]
    for wanted, attribute in ((request.language, "languages"), (request.topic, "skills")):
        if wanted is not None:
            matching = [agent for agent in free if wanted in getattr(agent, attribute)]
            free = matching or free
    if not free:
        return None
    never = datetime.min.replace(tzinfo=now.tzinfo)
    return min(
        free,
        key=lambda agent: (
            agent.active_threads / agent.capacity,
            agent.last_assigned_at or never,
            agent.id,
        ),
    )


def anyone_on_shift(agents: list[AgentSnapshot], request: RoutingRequest, now: datetime) -> bool:
    """Whether someone who could take the thread is working now (even if busy)."""
    return any(
        agent.presence is not Presence.OFFLINE
        and agent.hours.is_open(now)
        and (request.team is None or request.team in agent.teams)
        for agent in agents
    )


def next_opening(agents: list[AgentSnapshot], request: RoutingRequest, now: datetime) -> datetime:
    """When the earliest suitable agent's working hours start again."""
    suitable = [a for a in agents if request.team is None or request.team in a.teams] or agents
    if not suitable:
        return now + timedelta(days=1)
    return min(agent.hours.next_opening(now) for agent in suitable)


def estimated_wait(position: int, agents_working: int, handle_time: timedelta) -> timedelta:
    """A plain estimate: the threads ahead, shared among the agents working.

    Args:
        position: 1 for the first in the queue.
        agents_working: Agents on shift who could take it (at least one is assumed).
        handle_time: How long a thread usually holds an agent.
    """
    rounds = -(-position // max(agents_working, 1))  # ceiling division
    return handle_time * rounds
