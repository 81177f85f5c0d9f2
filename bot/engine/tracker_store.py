"""rasa's tracker store, with each read and write of a turn timed (`engine.tracker_*`).

`TurnTrackerStore.install(agent)` puts it between rasa's fail-safe wrapper and the
configured store (SQL, Redis...), so everything rasa does with trackers goes
through it, and a reloaded model's agent, which shares the store, too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from rasa.core.tracker_store import TrackerStore

from core import timing

if TYPE_CHECKING:
    from rasa.core.agent import Agent
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker


class TurnTrackerStore(TrackerStore):  # type: ignore[misc]
    """Delegates to `inner`, timing reads and writes for the request's Server-Timing."""

    def __init__(self, inner: TrackerStore) -> None:
        self.inner = inner
        super().__init__(inner.domain, inner.event_broker)

    @classmethod
    def install(cls, agent: Agent) -> None:
        """Wrap the agent's store (inside rasa's fail-safe wrapper), once."""
        outer = agent.tracker_store
        inner = getattr(outer, "_tracker_store", None)
        if inner is None or isinstance(inner, cls):
            return
        outer._tracker_store = cls(inner)

    @property
    def domain(self) -> Domain:
        """The inner store's domain (rasa sets it on a model load)."""
        return self.inner.domain

    @domain.setter
    def domain(self, domain: Domain) -> None:
        if hasattr(self, "inner"):  # TrackerStore.__init__ sets it before `inner` exists
            self.inner.domain = domain

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's current session."""
        with timing.stage("engine.tracker_read"):
            return await self.inner.retrieve(sender_id)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        """Every session of the conversation."""
        with timing.stage("engine.tracker_read"):
            return await self.inner.retrieve_full_tracker(conversation_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events."""
        with timing.stage("engine.tracker_write"):
            await self.inner.save(tracker)

    async def keys(self) -> Iterable[str]:
        """Every conversation id."""
        result: Iterable[str] = await self.inner.keys()
        return result

    def __getattr__(self, name: str) -> Any:
        # Anything else (a SQL store's `engine`, `SQLEvent`...) is the inner store's.
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
