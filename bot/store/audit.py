"""The audit trail: sign-ins (and failures), sign-outs, tokens issued and revoked."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.repository import as_utc, utcnow
from bot.store.schema import audit_events
from core.actors import AuditEntry
from core.clock import Clock

FIELD_CHARS = 64


class AuditRepository:
    """Rows of `audit_events`, written once, read newest first."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    async def record(
        self, event: str, login: str | None, address: str | None, detail: str | None = None
    ) -> None:
        """Store one event (a login as typed is cut to the column's length)."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(audit_events).values(
                    event=event,
                    login=login[:FIELD_CHARS] if login else login,
                    address=address[:FIELD_CHARS] if address else address,
                    detail=detail,
                    created_at=self.clock(),
                )
            )

    async def recent(self, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        """The latest events, newest first; older than `before_id` when given."""
        query = sa.select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(audit_events.c.id < before_id)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            AuditEntry(
                id=row["id"],
                event=row["event"],
                login=row["login"],
                address=row["address"],
                detail=row["detail"],
                created_at=as_utc(row["created_at"]),
            )
            for row in rows
        ]
