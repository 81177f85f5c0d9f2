"""Agents coming and going, and threads waiting too long: presence and the SLA."""

from __future__ import annotations

from datetime import timedelta

from core.actors import SYSTEM, Actor
from core.messages import ThreadState
from core.states import ThreadEvent
from handoff.assignment import Router
from handoff.moves import Notices, ThreadMoves
from handoff.routing import Presence


class PresenceService:
    """Online takes work from the queue; offline puts the agent's threads back in it."""

    def __init__(self, moves: ThreadMoves, router: Router) -> None:
        self.moves = moves
        self.router = router

    async def set_presence(self, actor: Actor, presence: Presence) -> None:
        """Record an agent's presence and move threads accordingly."""
        await self.router.directory.agents.set_presence(actor.id, presence)
        self.moves.events.publish("agent.presence", agent_id=actor.id, presence=presence.value)
        if presence is Presence.OFFLINE:
            held = await self.moves.threads.threads_in([ThreadState.WITH_AGENT], agent_id=actor.id)
            for thread in held:
                moved = await self.moves.attempt(
                    thread,
                    ThreadEvent.REQUEUE,
                    actor,
                    reason=f"{actor.display_name} went offline",
                    agent_id=None,
                )
                if moved is not None:
                    self.moves.events.publish("thread.requeued", thread_id=thread.id)
                    await self.router.route(moved, actor=SYSTEM, notify=True, exclude={actor.id})
        await self.router.drain_queue(SYSTEM)


class SlaWatch:
    """Flags, re-routes and apologises for threads past the first-response target."""

    def __init__(
        self, moves: ThreadMoves, router: Router, notices: Notices, first_response_minutes: float
    ) -> None:
        self.moves = moves
        self.router = router
        self.notices = notices
        self.target = timedelta(minutes=first_response_minutes)

    async def check(self) -> list[int]:
        """One pass over the overdue threads; the ids of those breached now."""
        breached = []
        for thread in await self.moves.threads.overdue(self.moves.clock() - self.target):
            if not await self.moves.threads.claim_breach(thread.id):
                continue  # another worker got there first
            breached.append(thread.id)
            self.moves.events.publish(
                "thread.sla_breached", thread_id=thread.id, agent_id=thread.agent_id
            )
            await self.notices.tell(thread, "utter_handoff_delay")
            exclude = {thread.agent_id} if thread.agent_id is not None else set()
            if thread.state is ThreadState.WITH_AGENT:
                moved = await self.moves.attempt(
                    thread,
                    ThreadEvent.REQUEUE,
                    SYSTEM,
                    reason="no first response within the SLA",
                    agent_id=None,
                )
                thread = moved or thread
            await self.router.route(thread, actor=SYSTEM, notify=True, exclude=exclude)
        return breached
