"""Who hears a live event: one agent's stream, filtered by `core.access.may_hear`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from core.access import may_hear, may_see
from core.actors import Actor
from core.ports import ThreadStore


class StreamAudience:
    """The events one caller's stream lets through.

    It remembers the threads the caller could see, so that they still hear a thread
    leave their view (transferred to another team, handed back, resolved), and
    nothing more of it afterwards.
    """

    def __init__(self, actor: Actor, threads: ThreadStore, visible: Iterable[int]) -> None:
        self.actor = actor
        self.threads = threads
        self.seen = set(visible)

    async def hears(self, event: Mapping[str, Any]) -> bool:
        """Whether the event goes to this caller; reads the thread it is about."""
        if self.actor.supervisor or not isinstance(event.get("thread_id"), int):
            return may_hear(self.actor, event, None, saw_before=False)
        thread_id = int(event["thread_id"])
        thread = await self.threads.thread(thread_id)
        heard = may_hear(self.actor, event, thread, saw_before=thread_id in self.seen)
        if thread is not None and may_see(self.actor, thread):
            self.seen.add(thread_id)
        else:
            self.seen.discard(thread_id)
        return heard
