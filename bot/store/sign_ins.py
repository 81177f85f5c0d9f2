"""Failed sign-ins, counted where every worker sees them: Redis, or else the database.

Both keep one entry per attempt under its key (`login:maya`, `address:10.0.0.7`) and
count those within the window, so the count survives a restart and is the same
whichever worker takes the next attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.repository import as_utc
from bot.store.schema import sign_in_failures


class DatabaseSignInFailures:
    """Failed sign-ins in the `sign_in_failures` table (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def add(
        self, key: str, attempt: str, at: datetime, window: timedelta
    ) -> tuple[int, datetime]:
        """Count an attempt; the key's attempts within the window and the oldest's time."""
        table = sign_in_failures
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(table).where(table.c.failed_at <= at - window))
            await conn.execute(sa.insert(table).values(key=key, attempt=attempt, failed_at=at))
            count, oldest = (
                await conn.execute(
                    sa.select(sa.func.count(), sa.func.min(table.c.failed_at)).where(
                        table.c.key == key
                    )
                )
            ).one()
        return int(count), as_utc(oldest) if isinstance(oldest, datetime) else at

    async def remove(self, key: str, attempt: str) -> None:
        """Forget one attempt."""
        table = sign_in_failures
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.delete(table).where(table.c.key == key, table.c.attempt == attempt)
            )

    async def clear(self, key: str) -> None:
        """Forget every attempt of a key."""
        async with self.engine.begin() as conn:
            await conn.execute(sa.delete(sign_in_failures).where(sign_in_failures.c.key == key))


class RedisSignInFailures:
    """Failed sign-ins as Redis sorted sets (one per key, scored by time), which expire."""

    def __init__(self, url: str, prefix: str) -> None:
        from redis import asyncio as redis

        self._redis = redis.from_url(url)
        self.prefix = prefix

    async def add(
        self, key: str, attempt: str, at: datetime, window: timedelta
    ) -> tuple[int, datetime]:
        """Count an attempt, atomically: the key's attempts within the window, the oldest."""
        name, now = self._name(key), at.timestamp()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(name, "-inf", now - window.total_seconds())
            pipe.zadd(name, {attempt: now})
            pipe.zcard(name)
            pipe.zrange(name, 0, 0, withscores=True)
            pipe.expire(name, int(window.total_seconds()) + 1)
            _, _, count, oldest, _ = await pipe.execute()
        first = float(oldest[0][1]) if oldest else now
        return int(count), datetime.fromtimestamp(first, timezone.utc)

    async def remove(self, key: str, attempt: str) -> None:
        """Forget one attempt."""
        await self._redis.zrem(self._name(key), attempt)

    async def clear(self, key: str) -> None:
        """Forget every attempt of a key."""
        await self._redis.delete(self._name(key))

    async def close(self) -> None:
        """Close the connection."""
        await self._redis.close()

    def _name(self, key: str) -> str:
        return f"{self.prefix}:sign-in:{key}"
