"""Agents coming and going, and threads waiting too long: presence and the SLA."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.actors import SYSTEM, Actor
from core.errors import Conflict
from core.messages import ThreadState
from core.states import ThreadEvent
from handoff.assignment import Router
from handoff.moves import Notices, ThreadMoves
from handoff.presence_rules import SIGNED_OUT, lapse, refuse_online
from handoff.routing import Presence
from handoff.settings import PresenceSettings


class PresenceService:
    """Online takes work from the queue; offline puts the agent's threads back in it.

    Presence tells the truth: an agent may go online only on shift, and one who signs
    out, whose session expires or whose console stops sending heartbeats is made
    offline by `sweep` (run by a timer), their threads going to someone who is there.
    """

    def __init__(self, moves: ThreadMoves, router: Router, settings: PresenceSettings) -> None:
        self.moves = moves
        self.router = router
        self.settings = settings

    async def set_presence(
        self, actor: Actor, presence: Presence, *, session_expires_at: datetime | None = None
    ) -> None:
        """An agent sets their own presence; it also counts as a heartbeat.

        Args:
            actor: The agent.
            presence: What they chose.
            session_expires_at: When their console session ends (None for a token).

        Raises:
            Conflict: Online was asked off shift (the message gives the hours).
        """
        if presence is Presence.ONLINE:
            self.check_may_go_online(actor)
        await self.router.directory.agents.record_seen(
            actor.id, self.moves.clock(), session_expires_at
        )
        await self._apply(actor, presence, "went offline")

    def check_may_go_online(self, actor: Actor) -> None:
        """Refuse online off shift (Conflict, saying when the shift starts)."""
        agent = self.router.settings.agent(actor.login)
        if agent is None:
            return
        refusal = refuse_online(agent.working_hours, agent.hours, self.moves.clock())
        if refusal is not None:
            raise Conflict(refusal)

    async def heartbeat(self, actor: Actor, session_expires_at: datetime | None = None) -> Presence:
        """The agent's console or client is still there; their presence as stored."""
        await self.router.directory.agents.record_seen(
            actor.id, self.moves.clock(), session_expires_at
        )
        return await self.router.directory.presence(actor.id)

    async def sign_out(self, actor: Actor) -> None:
        """The agent signed out of the console: offline, their threads re-queued."""
        await self._apply(actor, Presence.OFFLINE, SIGNED_OUT)

    async def sweep(self) -> list[int]:
        """Make agents who are not there offline (or away off shift); their ids."""
        now = self.moves.clock()
        offline_after = timedelta(seconds=self.settings.offline_after_seconds)
        changed = []
        for row in await self.router.directory.agents.agent_rows():
            actor = self.router.directory.actor_by_id(row.id)
            agent = self.router.settings.agent(actor.login) if actor else None
            if actor is None or agent is None:
                continue
            change = lapse(row, agent.working_hours, now, offline_after)
            if change is not None:
                await self._apply(actor, change.presence, f"went offline ({change.reason})")
                changed.append(row.id)
        return changed

    async def _apply(self, actor: Actor, presence: Presence, reason: str) -> None:
        """Record a presence; offline re-queues the agent's threads, any change drains."""
        await self.router.directory.agents.set_presence(actor.id, presence)
        self.moves.events.publish("agent.presence", agent_id=actor.id, presence=presence.value)
        if presence is Presence.OFFLINE:
            await self._requeue_threads_of(actor, f"{actor.display_name} {reason}")
        await self.router.drain_queue(SYSTEM)

    async def _requeue_threads_of(self, actor: Actor, reason: str) -> None:
        """Put the agent's threads back in the queue and route them to someone there."""
        held = await self.moves.threads.threads_in([ThreadState.WITH_AGENT], agent_id=actor.id)
        for thread in held:
            moved = await self.moves.attempt(
                thread, ThreadEvent.REQUEUE, SYSTEM, reason=reason, agent_id=None
            )
            if moved is not None:
                self.moves.events.publish("thread.requeued", thread_id=thread.id)
                await self.router.route(moved, actor=SYSTEM, notify=True, exclude={actor.id})


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
