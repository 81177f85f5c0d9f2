"""Choosing the agent for a thread, and what to tell a customer who has to wait.

Pure functions of snapshots: the service reads agents and load from the store,
asks here, and writes the outcome back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.actors import Presence
from handoff.hours import WorkingHours

__all__ = ["AgentSnapshot", "Presence", "RoutingRequest", "choose_agent", "suitable_agents"]


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


def suitable_agents(agents: list[AgentSnapshot], request: RoutingRequest) -> list[AgentSnapshot]:
    """The agents who may ever take the thread, whatever their presence or load.

    The one rule every path uses (routing, re-routing after the SLA or a lost agent,
    the queue's notices): agents of the team asked for, and, when anyone there speaks
    the customer's language, only those who do. A language nobody on the team speaks
    goes to anyone on the team rather than to nobody.
    """
    team = [agent for agent in agents if request.team is None or request.team in agent.teams]
    speakers = [agent for agent in team if request.language in agent.languages]
    return speakers if request.language is not None and speakers else team


def choose_agent(
    agents: list[AgentSnapshot], request: RoutingRequest, now: datetime
) -> AgentSnapshot | None:
    """The agent to assign, or None when nobody suitable is free.

    Among `suitable_agents` (team and language are hard limits), never one who is
    offline, away, off shift, full or excluded; those with the topic as a skill first
    (when any of them is free), then the least loaded, then the longest idle.
    """
    free = [
        agent
        for agent in suitable_agents(agents, request)
        if agent.can_take(now) and agent.id not in request.exclude
    ]
    if request.topic is not None:
        free = [agent for agent in free if request.topic in agent.skills] or free
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


def working_agents(
    agents: list[AgentSnapshot], request: RoutingRequest, now: datetime
) -> list[AgentSnapshot]:
    """Suitable agents working now (on shift and online or away), even if busy."""
    return [
        agent
        for agent in suitable_agents(agents, request)
        if agent.presence is not Presence.OFFLINE and agent.hours.is_open(now)
    ]


def anyone_on_shift(agents: list[AgentSnapshot], request: RoutingRequest, now: datetime) -> bool:
    """Whether someone who could take the thread is working now (even if busy)."""
    return bool(working_agents(agents, request, now))


def next_opening(agents: list[AgentSnapshot], request: RoutingRequest, now: datetime) -> datetime:
    """When the earliest suitable agent's working hours start again."""
    suitable = suitable_agents(agents, request) or agents
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
