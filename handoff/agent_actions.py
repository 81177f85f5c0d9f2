"""What agents do to threads: claim, reply, note, transfer, resolve, hand back.

Each command is judged by the state machine (`core.states.decide`) on the thread as
read, then applied with one compare-and-set; the customer hears of it from the
domain's templates, and the agents from the event bus.
"""

from __future__ import annotations

from core.access import may_act_on
from core.actors import Actor, system_actor
from core.errors import Conflict, NotFound
from core.messages import Author, Outbound, StoredMessage, Thread, ThreadState
from core.states import ThreadEvent, allowed_actions
from handoff.assignment import Router
from handoff.moves import Notices, ThreadMoves
from handoff.routing import Presence

_E = ThreadEvent
PEOPLE = (ThreadState.QUEUED, ThreadState.WITH_AGENT)


class AgentActions:
    """The agents' commands on threads, whichever way they come (API, console, Telegram)."""

    def __init__(self, moves: ThreadMoves, router: Router, notices: Notices) -> None:
        self.moves = moves
        self.router = router
        self.notices = notices

    async def queue_for(self, actor: Actor) -> list[Thread]:
        """Queued threads the agent may take, and the threads they hold."""
        threads = await self.moves.threads.threads_in(PEOPLE)
        return [t for t in threads if may_act_on(actor, t)]

    async def thread_for(self, actor: Actor, thread_id: int) -> Thread:
        """A thread the agent may see (NotFound otherwise, as for a missing thread)."""
        return await self.moves.visible_thread(actor, thread_id)

    def allowed(self, thread: Thread, actor: Actor) -> list[str]:
        """The actions the agent may take on the thread now (for the API)."""
        now = self.moves.clock()
        return allowed_actions(thread, actor, now, closed=thread.closed_at is not None)

    async def claim(self, actor: Actor, thread_id: int) -> Thread:
        """Take a queued (or bot) thread; of two agents at once, exactly one wins."""
        thread = await self.moves.thread(thread_id)
        moved = await self.moves.move(
            thread,
            _E.CLAIM,
            actor,
            agent_id=actor.id,
            escalated_at=thread.escalated_at or self.moves.clock(),
        )
        self.moves.events.publish("thread.claimed", thread_id=thread_id, agent_id=actor.id)
        await self.notices.tell(moved, "utter_handoff_assigned", agent=actor.display_name)
        return moved

    async def reply(self, actor: Actor, thread_id: int, text: str) -> StoredMessage:
        """Send the customer a message signed with the agent's name."""
        thread = await self.moves.thread(thread_id)
        self.moves.check(thread, _E.REPLY, actor)
        outbound = Outbound(text, {"agent_name": actor.display_name})
        (message,) = await self.notices.messages.record_replies(
            thread.id, [outbound], author=Author.AGENT, agent_id=actor.id
        )
        await self.moves.threads.mark_first_response(thread.id)
        await self.notices.deliver(thread, message)
        self.moves.events.publish("message.agent", thread_id=thread_id, agent_id=actor.id)
        return message

    async def note(self, actor: Actor, thread_id: int, text: str) -> StoredMessage:
        """A private note on the thread, for agents only."""
        thread = await self.moves.thread(thread_id)
        self.moves.check(thread, _E.NOTE, actor)
        (note,) = await self.notices.messages.record_replies(
            thread.id, [Outbound(text)], author=Author.NOTE, agent_id=actor.id, sent=True
        )
        self.moves.events.publish("thread.note", thread_id=thread_id, agent_id=actor.id)
        return note

    async def transfer(
        self,
        actor: Actor,
        thread_id: int,
        *,
        to_agent: str | None = None,
        to_team: str | None = None,
        reason: str | None = None,
    ) -> Thread:
        """Hand a thread to another agent, or back to a team's queue.

        Giving a thread to the agent who holds it changes nothing and tells nobody.
        """
        thread = await self.moves.thread(thread_id)
        command = _E.TRANSFER_TO_QUEUE if to_team is not None else _E.TRANSFER_TO_AGENT
        self.moves.check(thread, command, actor)
        if (to_agent is None) == (to_team is None):
            raise Conflict("transfer to exactly one of an agent or a team")
        if to_team is not None:
            if to_team not in self.router.settings.teams:
                raise NotFound(f"no team {to_team!r}")
            moved = await self.moves.move(
                thread, command, actor, reason=reason, team=to_team, agent_id=None
            )
            self.moves.events.publish("thread.transferred", thread_id=thread_id, team=to_team)
            await self.router.route(moved, actor=system_actor(actor.login), notify=True)
            return moved
        target = self.router.directory.actor(str(to_agent))
        if thread.state is ThreadState.WITH_AGENT and thread.agent_id == target.id:
            return thread  # already theirs: nothing moves, nobody is told
        if await self.router.directory.presence(target.id) is Presence.OFFLINE:
            raise Conflict(f"{target.display_name} is offline")
        moved = await self.moves.move(thread, command, actor, reason=reason, agent_id=target.id)
        await self.notices.tell(moved, "utter_handoff_transferred", agent=target.display_name)
        self.moves.events.publish("thread.transferred", thread_id=thread_id, agent_id=target.id)
        return moved

    async def resolve(self, actor: Actor, thread_id: int) -> Thread:
        """Close the matter: a closing message and the 1-5 rating question."""
        thread = await self.moves.thread(thread_id)
        moved = await self.moves.move(thread, _E.RESOLVE, actor, resolved_at=self.moves.clock())
        await self.notices.tell(moved, "utter_handoff_resolved", agent=actor.display_name)
        self.moves.events.publish("thread.resolved", thread_id=thread_id, agent_id=actor.id)
        await self.router.drain_queue(system_actor())
        return moved

    async def hand_back(self, actor: Actor, thread_id: int) -> Thread:
        """Return the thread to the bot without closing it."""
        thread = await self.moves.thread(thread_id)
        moved = await self.moves.move(thread, _E.HAND_BACK, actor, agent_id=None)
        await self.notices.tell(moved, "utter_handed_back", agent=actor.display_name)
        self.moves.events.publish("thread.handed_back", thread_id=thread_id, agent_id=actor.id)
        await self.router.drain_queue(system_actor())
        return moved
