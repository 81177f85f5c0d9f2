"""Presence over time: every change of an agent's presence, kept for their time online.

`AgentRepository.set_presence` writes a row in its own transaction (`log_presence`);
the reports add up the time online over a range in SQL (`bot.reports.presence`).
An agent with no row was offline.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.store.repository import as_utc
from bot.store.schema import presence_log
from core.actors import Presence


async def log_presence(
    conn: AsyncConnection, agent_id: int, presence: Presence, at: datetime
) -> None:
    """Record that an agent's presence became `presence` at `at`, in the caller's transaction."""
    await conn.execute(
        sa.insert(presence_log).values(agent_id=agent_id, presence=presence.value, changed_at=at)
    )


class PresenceLog:
    """Reads the presence changes (written through `log_presence`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def changes(self, agent_id: int) -> list[tuple[Presence, datetime]]:
        """An agent's presence changes, oldest first."""
        query = (
            sa.select(presence_log.c.presence, presence_log.c.changed_at)
            .where(presence_log.c.agent_id == agent_id)
            .order_by(presence_log.c.changed_at, presence_log.c.id)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [(Presence(presence), as_utc(at)) for presence, at in rows]
