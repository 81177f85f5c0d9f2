"""What a channel keeps between restarts: its small state, and who blocked the bot.

`channel_state` holds short values under a key per channel (Telegram's polling offset,
the update ids already handled, the agents' group posts). `customers.blocked_at`
records a customer who blocked the bot, so nothing is pushed to them in vain.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.repository import as_utc, utcnow
from bot.store.schema import channel_state, customers
from core.clock import Clock


class ChannelStore:
    """One channel's state and blocked customers, over the framework's database.

    Args:
        engine: The store's engine.
        channel: The channel's registry name; every key lives under it.
    """

    def __init__(self, engine: AsyncEngine, channel: str, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        self.channel = channel
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def get(self, key: str) -> str | None:
        """The value under `key`, or None."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                sa.select(channel_state.c.value).where(
                    channel_state.c.channel == self.channel, channel_state.c.key == key
                )
            )
            value = result.scalar_one_or_none()
        return str(value) if value is not None else None

    async def put(self, key: str, value: str) -> None:
        """Set `key` to `value`, replacing what was there."""
        insert = self._insert(channel_state).values(
            channel=self.channel, key=key, value=value, updated_at=self.clock()
        )
        async with self.engine.begin() as conn:
            await conn.execute(
                insert.on_conflict_do_update(
                    index_elements=[channel_state.c.channel, channel_state.c.key],
                    set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at},
                )
            )

    async def add(self, key: str, value: str) -> bool:
        """Set `key` only if it is absent: True for the one caller that set it.

        Atomic across processes, so several workers can agree on who does a job once.
        """
        async with self.engine.begin() as conn:
            result = await conn.execute(
                self._insert(channel_state)
                .values(channel=self.channel, key=key, value=value, updated_at=self.clock())
                .on_conflict_do_nothing()
            )
            return bool(result.rowcount == 1)

    async def forget(self, key: str) -> None:
        """Remove `key`."""
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(channel_state).where(
                    channel_state.c.channel == self.channel, channel_state.c.key == key
                )
            )

    async def forget_older(self, prefix: str, before: datetime) -> int:
        """Remove the keys starting with `prefix` last set before `before`; how many."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                sa.delete(channel_state).where(
                    channel_state.c.channel == self.channel,
                    channel_state.c.key.startswith(prefix, autoescape=True),
                    channel_state.c.updated_at < before,
                )
            )
            return int(result.rowcount)

    async def set_blocked(self, external_id: str, blocked: bool) -> None:
        """Record that a customer blocked the bot, or no longer does."""
        condition = sa.and_(
            customers.c.channel == self.channel,
            customers.c.external_id == external_id,
            customers.c.blocked_at.is_(None) if blocked else customers.c.blocked_at.isnot(None),
        )
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.update(customers)
                .where(condition)
                .values(blocked_at=self.clock() if blocked else None)
            )

    async def blocked_at(self, external_id: str) -> datetime | None:
        """When the customer blocked the bot, or None if they have not."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                sa.select(customers.c.blocked_at).where(
                    customers.c.channel == self.channel, customers.c.external_id == external_id
                )
            )
            value = result.scalar_one_or_none()
        return as_utc(value) if value is not None else None
