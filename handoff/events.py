"""Live events: agents' notifications, and messages for customers' open chat pages.

Events go by topic. `AGENTS` carries escalations, customer messages and moves of
threads to every console (`publish`, fire and forget); a topic per customer chat
(`webchat:<chat_id>`) carries pushed messages to that customer's open pages (`send`,
which says how many received it, so an unread message stays stored for later).

`EventBus` fans events out within one process; `RedisEventBus` does the same across
every worker and machine of a deployment through Redis pub/sub, one Redis channel
per topic that some subscriber of the worker listens to. Each subscriber gets its
own bounded queue, so a slow console never holds up the pipeline.
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
AGENTS = "handoff-events"  # the agents' topic
DEFAULT_PREFIX = "fernhill"
RECONNECT_SECONDS = 1.0


class EventBus:
    """Publish events to the current subscribers of a topic in this process."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[Event]]] = {}
        self._queue_size = queue_size

    def publish(self, kind: str, **data: Any) -> None:
        """Send an agents' event to every console, without waiting."""
        self._fan_out(AGENTS, {"type": kind, **data})

    async def send(self, topic: str, event: Event) -> int:
        """Send an event to one topic's subscribers; how many received it (0: nobody)."""
        return self._fan_out(topic, event)

    @asynccontextmanager
    async def subscribe(self, topic: str = AGENTS) -> AsyncIterator[asyncio.Queue[Event]]:
        """A queue that receives the topic's events until the context exits."""
        queue: asyncio.Queue[Event] = asyncio.Queue(self._queue_size)
        queues = self._subscribers.setdefault(topic, set())
        queues.add(queue)
        try:
            if len(queues) == 1:
                await self._first_subscriber(topic)
            yield queue
        finally:
            queues.discard(queue)
            if not queues and self._subscribers.get(topic) is queues:
                del self._subscribers[topic]
                await self._last_subscriber_left(topic)

    async def close(self) -> None:
        """Release connections (none in this process-local bus)."""

    async def _first_subscriber(self, topic: str) -> None:
        """Hook: this process now listens to the topic."""

    async def _last_subscriber_left(self, topic: str) -> None:
        """Hook: nobody in this process listens to the topic any more."""

    def _fan_out(self, topic: str, event: Event) -> int:
        queues = list(self._subscribers.get(topic, ()))
        for queue in queues:
            if not queue.full():  # a subscriber that stopped reading loses events, not us
                queue.put_nowait(event)
        return len(queues)


class RedisEventBus(EventBus):
    """An event bus shared by every worker through Redis pub/sub.

    Args:
        url: The Redis server (`events.redis_url`).
        prefix: Starts every Redis channel's name, so deployments can share a server.
    """

    def __init__(self, url: str, queue_size: int = 1000, prefix: str = DEFAULT_PREFIX) -> None:
        super().__init__(queue_size)
        from redis import asyncio as redis

        self._redis = redis.from_url(url)
        self._prefix = prefix
        self._pubsub: Any = None
        self._pending: set[asyncio.Task[Any]] = set()
        self._listener: asyncio.Task[None] | None = None

    def publish(self, kind: str, **data: Any) -> None:
        """Send the event through Redis; every worker's consoles receive it."""
        task = asyncio.get_running_loop().create_task(self.send(AGENTS, {"type": kind, **data}))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def send(self, topic: str, event: Event) -> int:
        """Send through Redis; how many workers listening to the topic received it.

        With Redis down nobody did (0), so a pushed message stays stored for later.
        """
        from redis.exceptions import RedisError

        try:
            return int(await self._redis.publish(self._channel(topic), json.dumps(event)))
        except (RedisError, OSError) as error:
            logger.warning("A live event on %s was not sent: %s", topic, error)
            return 0

    async def start(self) -> None:
        """Start relaying events from Redis to this worker's subscribers."""
        self._pubsub = self._redis.pubsub()
        await self._pubsub.subscribe(self._channel(AGENTS))
        self._listener = asyncio.create_task(self._relay(self._pubsub))

    async def ping(self) -> None:
        """Raise if Redis does not answer (for `/health`)."""
        await self._redis.ping()

    async def close(self) -> None:
        """Stop relaying and close the connection."""
        if self._listener is not None:
            self._listener.cancel()
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self._pubsub is not None:
            await self._pubsub.close()
        await self._redis.close()

    async def _first_subscriber(self, topic: str) -> None:
        if topic != AGENTS and self._pubsub is not None:
            await self._pubsub.subscribe(self._channel(topic))

    async def _last_subscriber_left(self, topic: str) -> None:
        if topic != AGENTS and self._pubsub is not None:
            try:
                await self._pubsub.unsubscribe(self._channel(topic))
            except Exception:  # the connection is gone: nothing to unsubscribe from
                logger.debug("Could not unsubscribe from %s.", topic, exc_info=True)

    def _channel(self, topic: str) -> str:
        return f"{self._prefix}:{topic}"

    async def _relay(self, pubsub: Any) -> None:
        """Relay until cancelled; a lost connection is retried (it subscribes again)."""
        while True:
            try:
                async for message in pubsub.listen():
                    if message.get("type") == "message":
                        self._relay_one(message)
            except Exception as error:  # redis' ConnectionError and TimeoutError, OSError
                logger.warning("Lost Redis's live events (%s); reconnecting.", error)
            await asyncio.sleep(RECONNECT_SECONDS)

    def _relay_one(self, message: dict[str, Any]) -> None:
        topic = message["channel"].decode().removeprefix(f"{self._prefix}:")
        try:
            self._fan_out(topic, json.loads(message["data"]))
        except (ValueError, TypeError):
            logger.warning("Ignored a malformed event on %s.", topic)
