"""Live notifications for agents: escalations, customer messages, moves of threads.

`EventBus` fans events out within one process; `RedisEventBus` does the same across
every worker of a deployment through Redis pub/sub. Each subscriber gets its own
bounded queue, so a slow console never holds up the pipeline.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

logger = logging.getLogger(__name__)

Event = dict[str, Any]
CHANNEL = "handoff-events"


class EventBus:
    """Publish events to every current subscriber in this process."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._subscribers: set[asyncio.Queue[Event]] = set()
        self._queue_size = queue_size

    def publish(self, kind: str, **data: Any) -> None:
        """Send an event to every subscriber."""
        self._fan_out({"type": kind, **data})

    @asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Queue[Event]]:
        """A queue that receives events until the context exits."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        self._subscribers.add(queue)
        try:
            yield queue
        finally:
            self._subscribers.discard(queue)

    async def close(self) -> None:
        """Release connections (none in this process-local bus)."""

    def _fan_out(self, event: Event) -> None:
        for queue in list(self._subscribers):
            if not queue.full():  # a subscriber that stopped reading loses events, not us
                queue.put_nowait(event)


class RedisEventBus(EventBus):
    """An event bus shared by every worker through Redis pub/sub."""

    def __init__(self, url: str, queue_size: int = 1000) -> None:
        super().__init__(queue_size)
        from redis import asyncio as redis

        self._redis = redis.from_url(url)
        self._pending: set[asyncio.Task[Any]] = set()
        self._listener: asyncio.Task[None] | None = None

    def publish(self, kind: str, **data: Any) -> None:
        """Send the event through Redis; every worker's subscribers receive it."""
        task = asyncio.get_running_loop().create_task(
            self._redis.publish(CHANNEL, json.dumps({"type": kind, **data}))
        )
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def start(self) -> None:
        """Start relaying events from Redis to this worker's subscribers."""
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(CHANNEL)
        self._listener = asyncio.create_task(self._relay(pubsub))

    async def close(self) -> None:
        """Stop relaying and close the connection."""
        if self._listener is not None:
            self._listener.cancel()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        await self._redis.close()

    async def _relay(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            if message.get("type") == "message":
                try:
                    self._fan_out(json.loads(message["data"]))
                except (ValueError, TypeError):
                    logger.warning("Ignored a malformed event on %s.", CHANNEL)
