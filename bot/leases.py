"""Leases for timed jobs: each tick of a job runs on one worker of the deployment.

Every worker runs the same timers (`bot.runtime.every`). Ticks are numbered from
the bot's clock (`time // seconds`, `clock:` in the settings), so workers and
machines agree on them without talking; before running a tick, a worker claims
its lease, and only the one that gets it runs the job. With Redis
(`events.redis_url`) a lease is a key set only if absent (`SET NX PX`); on one
process without Redis every claim succeeds.
"""

from __future__ import annotations

import logging
import os
import socket
from typing import Protocol

logger = logging.getLogger(__name__)
LEASE_MIN_MS = 60_000  # a tick's key lasts at least this long


class Leases(Protocol):
    """Who runs a tick of a timed job."""

    async def claim(self, job: str, tick: int, seconds: float) -> bool:
        """True for the one worker that runs tick `tick` of `job` (every `seconds`, real)."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


class LocalLeases:
    """One process: every tick is this worker's."""

    async def claim(self, job: str, tick: int, seconds: float) -> bool:
        """Always True."""
        return True

    async def close(self) -> None:
        """Nothing to release."""


class RedisLeases:
    """Leases shared by every worker through Redis keys that expire.

    Args:
        url: The Redis server (`events.redis_url`).
        prefix: Starts every key's name (`events.redis_prefix`).
    """

    def __init__(self, url: str, prefix: str) -> None:
        from redis import asyncio as redis

        self._redis = redis.from_url(url)
        self._prefix = prefix
        self.holder = f"{socket.gethostname()}:{os.getpid()}"

    async def claim(self, job: str, tick: int, seconds: float) -> bool:
        """Set the tick's key if nobody has; it expires after two periods or a minute.

        A key names one tick, so a long life blocks no later tick: it keeps a worker
        whose clock is late (by up to that long) from running the tick again.
        """
        key = f"{self._prefix}:lease:{job}:{tick}"
        expiry_ms = max(LEASE_MIN_MS, int(seconds * 2000))
        return bool(await self._redis.set(key, self.holder, nx=True, px=expiry_ms))

    async def close(self) -> None:
        """Close the connection."""
        await self._redis.close()
