"""The agents repository: agents with their presence, and their snippets.

Their API tokens, console passwords and sessions are in `bot.store.credentials`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.presence_log import log_presence
from bot.store.repository import as_utc, utcnow
from bot.store.schema import agents, snippets, threads
from core.actors import AgentRow, Presence, Snippet
from core.clock import Clock
from core.messages import ThreadState


class AgentRepository:
    """Agents' rows, presence and load, and their snippets."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    async def sync_agents(self, logins: Iterable[str]) -> dict[str, int]:
        """Make sure every configured agent has a row; return their ids by login.

        Workers starting together on a fresh database race to add the same rows:
        the one that loses reads the winner's.
        """
        wanted = list(logins)
        try:
            return await self._sync_agents(wanted)
        except sa.exc.IntegrityError:
            return await self._sync_agents(wanted)

    async def _sync_agents(self, wanted: list[str]) -> dict[str, int]:
        async with self.engine.begin() as conn:
            existing = {
                row.login: row.id
                for row in await conn.execute(sa.select(agents.c.login, agents.c.id))
            }
            now = self.clock()
            for login in wanted:
                if login not in existing:
                    result = await conn.execute(
                        sa.insert(agents).values(
                            login=login,
                            presence=Presence.OFFLINE.value,
                            presence_changed_at=now,
                            created_at=now,
                        )
                    )
                    existing[login] = int(result.inserted_primary_key[0])
        return {login: existing[login] for login in wanted}

    async def agent_rows(self) -> list[AgentRow]:
        """Every agent with presence and current load (threads they hold)."""
        load = (
            sa.select(threads.c.agent_id, sa.func.count().label("active"))
            .where(threads.c.state == ThreadState.WITH_AGENT.value)
            .group_by(threads.c.agent_id)
            .subquery()
        )
        query = sa.select(agents, sa.func.coalesce(load.c.active, 0).label("active")).outerjoin(
            load, load.c.agent_id == agents.c.id
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            AgentRow(
                id=row["id"],
                login=row["login"],
                presence=Presence(row["presence"]),
                last_assigned_at=as_utc(row["last_assigned_at"]),
                active_threads=int(row["active"]),
                last_seen_at=as_utc(row["last_seen_at"]),
                session_expires_at=as_utc(row["session_expires_at"]),
            )
            for row in rows
        ]

    async def set_presence(self, agent_id: int, presence: Presence) -> None:
        """Record an agent's presence, and a change (only a change) in the presence log."""
        now = self.clock()
        async with self.engine.begin() as conn:
            changed = await conn.execute(
                sa.update(agents)
                .where(agents.c.id == agent_id, agents.c.presence != presence.value)
                .values(presence=presence.value, presence_changed_at=now)
            )
            if changed.rowcount:
                await log_presence(conn, agent_id, presence, now)

    async def record_seen(
        self, agent_id: int, at: datetime, session_expires_at: datetime | None
    ) -> None:
        """Record a heartbeat: when the agent was heard from, and their session's end."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(agents)
                .where(agents.c.id == agent_id)
                .values(last_seen_at=at, session_expires_at=session_expires_at)
            )

    # Snippets

    async def snippets(self, agent_id: int) -> list[Snippet]:
        """An agent's snippets, by title."""
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(snippets)
                    .where(snippets.c.agent_id == agent_id)
                    .order_by(snippets.c.title, snippets.c.id)
                )
            ).mappings()
            return [_snippet(row) for row in rows]

    async def add_snippet(self, agent_id: int, title: str, text: str) -> Snippet:
        """Save a new snippet for an agent."""
        now = self.clock()
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.insert(snippets).values(
                    agent_id=agent_id, title=title, text=text, created_at=now
                )
            )
            snippet_id = int(result.inserted_primary_key[0])
        return Snippet(id=snippet_id, title=title, text=text, created_at=now)

    async def delete_snippet(self, agent_id: int, snippet_id: int) -> bool:
        """Delete one of the agent's snippets; False when they have no such snippet."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.delete(snippets).where(
                    snippets.c.id == snippet_id, snippets.c.agent_id == agent_id
                )
            )
            return bool(result.rowcount == 1)


def _snippet(row: sa.engine.RowMapping) -> Snippet:
    return Snippet(
        id=row["id"], title=row["title"], text=row["text"], created_at=as_utc(row["created_at"])
    )
