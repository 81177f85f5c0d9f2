"""Who the agents are: the configured agents, their store ids, tokens and snapshots."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.actors import Actor, Presence
from core.errors import NotFound, Unauthorized
from core.ports import AgentStore, CredentialStore
from handoff.passwords import hash_secret
from handoff.routing import AgentSnapshot
from handoff.settings import AgentSettings, HandoffSettings


class AgentDirectory:
    """The agents of `config/handoff.yml`, matched with their rows in the store."""

    def __init__(
        self, settings: HandoffSettings, agents: AgentStore, credentials: CredentialStore
    ) -> None:
        self.settings = settings
        self.agents = agents
        self.credentials = credentials
        self._ids: dict[str, int] = {}

    async def start(self) -> None:
        """Give every configured agent a row in the store."""
        self._ids = await self.agents.sync_agents(a.login for a in self.settings.agents)

    def actor(self, login: str) -> Actor:
        """The configured agent with this login."""
        agent = self.settings.agent(login)
        if agent is None or login not in self._ids:
            raise NotFound(f"no agent {login!r} in {self.settings.source}")
        return self._actor(agent)

    def actor_by_id(self, agent_id: int | None) -> Actor | None:
        """The configured agent with this store id, or None (e.g. removed from the file)."""
        login = next((name for name, i in self._ids.items() if i == agent_id), None)
        agent = self.settings.agent(login) if login is not None else None
        return self._actor(agent) if agent is not None else None

    def agent_name(self, agent_id: int | None) -> str | None:
        """An agent's display name by id."""
        actor = self.actor_by_id(agent_id)
        return actor.display_name if actor else None

    async def authenticate(self, token: str, now: datetime) -> Actor:
        """The agent a bearer token belongs to, if it has not expired by `now`."""
        actor = self.actor_by_id(await self.credentials.agent_for_token(token, now))
        if actor is None:
            raise Unauthorized("the token is unknown, expired or revoked")
        return actor

    async def issue_token(self, login: str, token: str, now: datetime) -> datetime:
        """Store a new bearer token (hashed) for an agent; when it expires."""
        expires_at = now + timedelta(days=self.settings.console.token_days)
        await self.credentials.add_credential(
            self.actor(login).id, "token", hash_secret(token), expires_at
        )
        return expires_at

    async def presence(self, agent_id: int) -> Presence:
        """An agent's presence as stored (offline when unknown)."""
        rows = await self.agents.agent_rows()
        return next((r.presence for r in rows if r.id == agent_id), Presence.OFFLINE)

    async def snapshots(self) -> list[AgentSnapshot]:
        """Every agent who takes threads, with presence and load, for routing."""
        rows = {row.login: row for row in await self.agents.agent_rows()}
        return [
            AgentSnapshot(
                id=rows[agent.login].id,
                display_name=agent.display_name,
                presence=rows[agent.login].presence,
                capacity=agent.capacity,
                active_threads=rows[agent.login].active_threads,
                teams=frozenset(agent.teams),
                languages=frozenset(agent.languages),
                skills=frozenset(agent.skills),
                hours=agent.working_hours,
                last_assigned_at=rows[agent.login].last_assigned_at,
            )
            for agent in self.settings.agents
            if agent.login in rows and agent.role not in ("designer", "manager")  # no threads
        ]

    def _actor(self, agent: AgentSettings) -> Actor:
        return Actor(
            id=self._ids[agent.login],
            login=agent.login,
            display_name=agent.display_name,
            supervisor=agent.role == "supervisor",
            teams=frozenset(agent.teams),
            designer=agent.role == "designer",
            manager=agent.role == "manager",
        )
