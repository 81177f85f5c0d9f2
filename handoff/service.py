"""The handoff service: every move of a thread between the bot and people goes here.

The gate (customer side), the agents' API, rasa's `action_handoff` and the SLA timer
all call this one service, so the rules hold whichever way a move starts: state
moves are checked by `handoff.states`, routing is `handoff.routing`, and what the
customer reads comes from the domain's templates.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import Conflict, Forbidden, NotFound, Unauthorized
from bot.messages import Author, Outbound, StoredMessage, Thread
from bot.store import Store
from bot.store.repository import utcnow
from handoff.events import EventBus
from handoff.notice_values import minutes, when
from handoff.routing import (
    AgentSnapshot,
    Presence,
    RoutingRequest,
    anyone_on_shift,
    choose_agent,
    estimated_wait,
    next_opening,
)
from handoff.settings import AgentSettings, HandoffSettings
from handoff.states import ThreadEvent, ThreadState
from handoff.store import HandoffStore, hash_secret
from handoff.templates import Templates

logger = logging.getLogger(__name__)

Deliver = Callable[[Thread, StoredMessage], Awaitable[None]]
Clock = Callable[[], datetime]

_S, _E = ThreadState, ThreadEvent
PEOPLE = (_S.QUEUED, _S.WITH_AGENT)


@dataclass(frozen=True)
class Actor:
    """An authenticated agent."""

    id: int
    login: str
    display_name: str
    supervisor: bool
    teams: frozenset[str]
    designer: bool = False  # reviews what the bot missed; never sees customers' threads

    def may_act_on(self, thread: Thread) -> bool:
        """Supervisors act on every thread; agents on their own and their teams' threads."""
        if self.designer:
            return False
        if self.supervisor or thread.agent_id == self.id:
            return True
        return thread.agent_id is None and self.may_claim_from(thread)

    def may_claim_from(self, thread: Thread) -> bool:
        """Whether the thread is in one of this agent's teams' queues."""
        if self.designer:
            return False
        return self.supervisor or thread.team is None or thread.team in self.teams

    @property
    def role(self) -> str:
        """`agent`, `supervisor` or `designer`."""
        return "designer" if self.designer else "supervisor" if self.supervisor else "agent"


@dataclass(frozen=True)
class Escalation:
    """Why a thread goes to people, and what routing should know."""

    reason: str
    score: float = 1.0
    topic: str | None = None
    language: str | None = None
    team: str | None = None
    public: bool = False  # said where others can read it (a group, the comments of a post)
    private_link: str | None = None  # where the customer can continue privately, if anywhere


class HandoffService:
    """Moves threads between the bot and named agents, and tells the customer."""

    def __init__(
        self,
        settings: HandoffSettings,
        store: Store,
        handoff_store: HandoffStore,
        templates: Templates,
        events: EventBus,
        deliver: Deliver,
        *,
        clock: Clock = utcnow,
        max_text_chars: int = 4096,
    ) -> None:
        self.settings = settings
        self.store = store
        self.handoff_store = handoff_store
        self.templates = templates
        self.events = events
        self._deliver = deliver
        self._clock = clock
        self.max_text_chars = max_text_chars
        self._agent_ids: dict[str, int] = {}

    async def start(self) -> None:
        """Give every configured agent a row in the store."""
        self._agent_ids = await self.handoff_store.sync_agents(
            a.login for a in self.settings.agents
        )

    # Who is asking

    def actor(self, login: str) -> Actor:
        """The configured agent with this login."""
        agent = self.settings.agent(login)
        if agent is None or login not in self._agent_ids:
            raise NotFound(f"no agent {login!r} in {self.settings.source}")
        return self._actor(agent)

    async def authenticate(self, token: str) -> Actor:
        """The agent a bearer token belongs to."""
        agent_id = await self.handoff_store.agent_for_token(token)
        login = next((name for name, i in self._agent_ids.items() if i == agent_id), None)
        if login is None:
            raise Unauthorized("the token is unknown or revoked")
        return self.actor(login)

    def actor_by_id(self, agent_id: int) -> Actor | None:
        """The configured agent with this store id, or None (e.g. removed from the file)."""
        login = next((name for name, i in self._agent_ids.items() if i == agent_id), None)
        agent = self.settings.agent(login) if login is not None else None
        return self._actor(agent) if agent is not None else None

    async def issue_token(self, login: str, token: str) -> None:
        """Store a new bearer token (hashed) for an agent."""
        actor = self.actor(login)
        await self.handoff_store.add_credential(actor.id, "token", hash_secret(token))

    # Moves started by the customer's side

    async def escalate(self, thread: Thread, escalation: Escalation) -> list[Outbound]:
        """Take a thread from the bot to people; what the customer should read now.

        In public, when the channel offers a private chat, the customer reads a short
        empathetic answer inviting them there (`utter_public_complaint`) instead of
        the routing notices: the details belong in private.
        """
        moved = await self._escalate_move(thread, escalation)
        if moved is None:
            return []
        notices = await self._route(moved, actor="bot")
        if (
            moved.public
            and escalation.private_link
            and self.settings.routing.public_channels_reply_publicly
        ):
            return [
                self.templates.render(
                    "utter_public_complaint", escalation.language, link=escalation.private_link
                )
            ]
        return notices

    async def continue_privately(
        self, thread: Thread, public_chat_id: str
    ) -> list[Outbound] | None:
        """Carry a customer's public complaint over to their private chat with the brand.

        The customer followed the link of the public answer. Their public thread on the
        same channel, if people own it, is resolved and closed; `thread` (the private
        one, still with the bot) is escalated for the same reason and since the same
        moment, to the same agent when one had it, with a note of what was said in public.

        Returns:
            What the customer should read now, or None when there is nothing of theirs
            to continue (the message is then an ordinary one).
        """
        public = await self.store.open_thread(thread.channel, public_chat_id)
        if (
            public is None
            or not public.public
            or public.customer_id != thread.customer_id
            or ThreadState(public.state) not in PEOPLE
            or thread.state != _S.BOT.value
        ):
            return None
        reason = f"continued privately in thread {thread.id}"
        closed = await self.handoff_store.move(
            public.id, _E.RESOLVE, PEOPLE, _S.RESOLVED, actor="system", reason=reason,
            resolved_at=self._clock(),
        )  # fmt: skip
        if closed is None:
            return None
        await self.handoff_store.close(public.id)
        self.events.publish("thread.resolved", thread_id=public.id, agent_id=public.agent_id)
        said = await self.handoff_store.recent_customer_messages(public.id, 5)
        quoted = " / ".join(message.text for message in said)
        note = f"Continued from public thread {public.id}, where the customer wrote: {quoted}"
        await self.store.record_replies(
            thread.id, [Outbound(note[: self.max_text_chars])], author=Author.NOTE, sent=True
        )
        escalation = Escalation(
            reason=f"continued from public thread {public.id}: {public.escalation_reason}",
            score=public.escalation_score or 1.0,
            topic=public.topic,
            language=public.language,
            team=public.team,
        )
        moved = await self._escalate_move(
            thread, escalation, since=public.escalated_at, answered_at=public.first_response_at
        )
        if moved is None:
            return []
        snapshots = await self._snapshots()
        earlier = next((a for a in snapshots if a.id == public.agent_id), None)
        if (
            earlier is not None
            and earlier.presence is not Presence.OFFLINE
            and await self._assign(moved, earlier, actor="system", notify=False)
        ):
            return [self._assigned_notice(earlier, moved.language)]
        return await self._route(moved, actor="system")

    async def customer_wrote(self, thread: Thread, message: StoredMessage) -> None:
        """A customer wrote in a thread people own: let the agents know."""
        self.events.publish(
            "message.customer", thread_id=thread.id, message_id=message.id, agent_id=thread.agent_id
        )

    # Moves started by agents

    async def claim(self, actor: Actor, thread_id: int) -> Thread:
        """Take a queued (or bot) thread; of two agents at once, exactly one wins."""
        thread = await self._thread_for(actor, thread_id, for_claim=True)
        moved = await self.handoff_store.move(
            thread_id, _E.CLAIM, [_S.QUEUED, _S.BOT], _S.WITH_AGENT, actor=actor.login,
            agent_id=actor.id, escalated_at=thread.escalated_at or self._clock(),
        )  # fmt: skip
        if moved is None:
            raise Conflict(await self._why_not_open(thread_id, "claim"))
        self.events.publish("thread.claimed", thread_id=thread_id, agent_id=actor.id)
        await self._notify(moved, "utter_handoff_assigned", agent=actor.display_name)
        return moved

    async def reply(self, actor: Actor, thread_id: int, text: str) -> StoredMessage:
        """Send the customer a message signed with the agent's name."""
        thread = await self._owned(actor, thread_id, "reply in")
        outbound = Outbound(text, {"agent_name": actor.display_name})
        (message,) = await self.store.record_replies(
            thread.id, [outbound], author=Author.AGENT, agent_id=actor.id
        )
        await self.handoff_store.mark_first_response(thread.id)
        await self._deliver(thread, message)
        self.events.publish("message.agent", thread_id=thread_id, agent_id=actor.id)
        return message

    async def note(self, actor: Actor, thread_id: int, text: str) -> StoredMessage:
        """A private note on the thread, for agents only."""
        thread = await self._thread_for(actor, thread_id)
        (note,) = await self.store.record_replies(
            thread.id, [Outbound(text)], author=Author.NOTE, agent_id=actor.id, sent=True
        )
        self.events.publish("thread.note", thread_id=thread_id, agent_id=actor.id)
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
        """Hand a thread to another agent, or back to a team's queue."""
        thread = await self._owned(actor, thread_id, "transfer")
        if (to_agent is None) == (to_team is None):
            raise Conflict("transfer to exactly one of an agent or a team")
        if to_team is not None:
            if to_team not in self.settings.teams:
                raise NotFound(f"no team {to_team!r}")
            moved = await self._move(
                thread, _E.TRANSFER_TO_QUEUE, _S.QUEUED, actor, reason, team=to_team, agent_id=None
            )
            self.events.publish("thread.transferred", thread_id=thread_id, team=to_team)
            await self._route(moved, actor=actor.login, notify=True)
            return moved
        target = self.actor(str(to_agent))
        presence = await self._presence(target.id)
        if presence is Presence.OFFLINE:
            raise Conflict(f"{target.display_name} is offline")
        moved = await self._move(
            thread, _E.TRANSFER_TO_AGENT, _S.WITH_AGENT, actor, reason, agent_id=target.id
        )
        await self._notify(moved, "utter_handoff_transferred", agent=target.display_name)
        self.events.publish("thread.transferred", thread_id=thread_id, agent_id=target.id)
        return moved

    async def resolve(self, actor: Actor, thread_id: int) -> Thread:
        """Close the matter: a closing message and the 1-5 rating question."""
        thread = await self._owned(actor, thread_id, "resolve")
        moved = await self._move(
            thread, _E.RESOLVE, _S.RESOLVED, actor, None, resolved_at=self._clock()
        )
        await self._notify(moved, "utter_handoff_resolved", agent=actor.display_name)
        self.events.publish("thread.resolved", thread_id=thread_id, agent_id=actor.id)
        await self.drain_queue()
        return moved

    async def hand_back(self, actor: Actor, thread_id: int) -> Thread:
        """Return the thread to the bot without closing it."""
        thread = await self._owned(actor, thread_id, "hand back")
        moved = await self._move(thread, _E.HAND_BACK, _S.BOT, actor, None, agent_id=None)
        await self._notify(moved, "utter_handed_back", agent=actor.display_name)
        self.events.publish("thread.handed_back", thread_id=thread_id, agent_id=actor.id)
        await self.drain_queue()
        return moved

    async def set_presence(self, actor: Actor, presence: Presence) -> None:
        """Online takes work from the queue; offline puts the agent's threads back in it."""
        await self.handoff_store.set_presence(actor.id, presence)
        self.events.publish("agent.presence", agent_id=actor.id, presence=presence.value)
        if presence is Presence.OFFLINE:
            for thread in await self.handoff_store.threads_in([_S.WITH_AGENT], agent_id=actor.id):
                moved = await self.handoff_store.move(
                    thread.id, _E.REQUEUE, [_S.WITH_AGENT], _S.QUEUED, actor=actor.login,
                    reason=f"{actor.display_name} went offline", agent_id=None,
                )  # fmt: skip
                if moved is not None:
                    self.events.publish("thread.requeued", thread_id=thread.id)
                    await self._route(moved, actor="system", notify=True, exclude={actor.id})
        await self.drain_queue()

    # Timers and the queue

    async def check_sla(self) -> list[int]:
        """Flag, re-route and apologise for threads past the first-response target."""
        target = timedelta(minutes=self.settings.sla.first_response_minutes)
        breached = []
        for thread in await self.handoff_store.overdue(self._clock() - target):
            if not await self.handoff_store.claim_breach(thread.id):
                continue  # another worker got there first
            breached.append(thread.id)
            self.events.publish(
                "thread.sla_breached", thread_id=thread.id, agent_id=thread.agent_id
            )
            await self._notify(thread, "utter_handoff_delay")
            exclude = {thread.agent_id} if thread.agent_id is not None else set()
            if thread.state == _S.WITH_AGENT.value:
                moved = await self.handoff_store.move(
                    thread.id, _E.REQUEUE, [_S.WITH_AGENT], _S.QUEUED, actor="system",
                    reason="no first response within the SLA", agent_id=None,
                )  # fmt: skip
                thread = moved or thread
            await self._route(thread, actor="system", notify=True, exclude=exclude)
        return breached

    async def drain_queue(self) -> None:
        """Give queued threads, oldest first, to agents who have become free."""
        for thread in await self.handoff_store.threads_in([_S.QUEUED]):
            agent = choose_agent(await self._snapshots(), self._request(thread), self._clock())
            if agent is None:
                continue
            await self._assign(thread, agent, actor="system", notify=True)

    async def queue_for(self, actor: Actor) -> list[Thread]:
        """Queued threads the agent may take, and the threads they hold."""
        threads = await self.handoff_store.threads_in(PEOPLE)
        return [t for t in threads if actor.may_act_on(t)]

    async def thread_for(self, actor: Actor, thread_id: int) -> Thread:
        """A thread the agent may see."""
        return await self._thread_for(actor, thread_id)

    async def agent_snapshots(self) -> list[AgentSnapshot]:
        """Every agent with presence and load (for supervisors)."""
        return await self._snapshots()

    # Inside

    async def _escalate_move(
        self,
        thread: Thread,
        escalation: Escalation,
        *,
        since: datetime | None = None,
        answered_at: datetime | None = None,
    ) -> Thread | None:
        """Move a bot thread to the queue and tell the agents; None if it is not the bot's.

        `since` and `answered_at` carry over an earlier escalation's SLA clock.
        """
        team = escalation.team or self._team_for(escalation.topic)
        moved = await self.handoff_store.move(
            thread.id,
            _E.ESCALATE,
            [_S.BOT],
            _S.QUEUED,
            actor="bot",
            reason=escalation.reason,
            escalated_at=since or self._clock(),
            escalation_score=escalation.score,
            escalation_reason=escalation.reason,
            topic=escalation.topic,
            language=escalation.language,
            team=team,
            public=thread.public or escalation.public,
            first_response_at=answered_at,
            sla_breached_at=None,
            agent_id=None,
        )
        if moved is not None:
            self.events.publish("thread.escalated", thread_id=thread.id, reason=escalation.reason)
        return moved

    async def _route(
        self,
        thread: Thread,
        *,
        actor: str,
        notify: bool = False,
        exclude: set[int] | None = None,
    ) -> list[Outbound]:
        """Assign to a free agent, or tell the customer how long they will wait."""
        snapshots = await self._snapshots()
        request = self._request(thread, exclude)
        now = self._clock()
        agent = choose_agent(snapshots, request, now)
        if agent is not None and await self._assign(thread, agent, actor=actor, notify=notify):
            return [] if notify else [self._assigned_notice(agent, thread.language)]
        if anyone_on_shift(snapshots, request, now):
            queued = await self.handoff_store.threads_in([_S.QUEUED])
            position = next((i for i, t in enumerate(queued, 1) if t.id == thread.id), len(queued))
            working = sum(
                1 for a in snapshots if a.hours.is_open(now) and a.presence is Presence.ONLINE
            )
            handle = timedelta(minutes=self.settings.routing.handle_time_minutes)
            wait = estimated_wait(position, working, handle)
            notice = self.templates.render(
                "utter_handoff_queued",
                thread.language,
                position=position,
                wait=minutes(wait, thread.language),
            )
        elif (opening := next_opening(snapshots, request, now)) > now:
            notice = self.templates.render(
                "utter_handoff_closed", thread.language, opening=when(opening, now, thread.language)
            )
        else:  # within working hours, but nobody is online
            notice = self.templates.render("utter_handoff_unstaffed", thread.language)
        return await self._say(thread, notice, notify)

    async def _assign(
        self, thread: Thread, agent: AgentSnapshot, *, actor: str, notify: bool
    ) -> bool:
        moved = await self.handoff_store.move(
            thread.id, _E.ASSIGN, [_S.QUEUED], _S.WITH_AGENT, actor=actor, agent_id=agent.id,
        )  # fmt: skip
        if moved is None:
            return False
        self.events.publish("thread.assigned", thread_id=thread.id, agent_id=agent.id)
        if notify:
            await self._say(moved, self._assigned_notice(agent, moved.language), True)
        return True

    def _assigned_notice(self, agent: AgentSnapshot, language: str | None) -> Outbound:
        return self.templates.render("utter_handoff_assigned", language, agent=agent.display_name)

    async def _say(self, thread: Thread, notice: Outbound, notify: bool) -> list[Outbound]:
        """Return a notice for the current response, or push it now."""
        if not notify:
            return [notice]
        (message,) = await self.store.record_replies(thread.id, [notice], author=Author.SYSTEM)
        await self._deliver(thread, message)
        return []

    async def _notify(self, thread: Thread, template: str, **values: object) -> None:
        await self._say(thread, self.templates.render(template, thread.language, **values), True)

    async def _move(
        self,
        thread: Thread,
        event: ThreadEvent,
        to_state: ThreadState,
        actor: Actor,
        reason: str | None,
        **columns: object,
    ) -> Thread:
        moved = await self.handoff_store.move(
            thread.id, event, PEOPLE, to_state, actor=actor.login, reason=reason,
            only_if_agent=None if actor.supervisor else actor.id, **columns,
        )  # fmt: skip
        if moved is None:
            raise Conflict(await self._why_not_open(thread.id, event.value.replace("_", " ")))
        return moved

    async def _thread_for(self, actor: Actor, thread_id: int, *, for_claim: bool = False) -> Thread:
        thread = await self.handoff_store.thread(thread_id)
        if thread is None:
            raise NotFound(f"no thread {thread_id}")
        if for_claim and thread.agent_id is not None and actor.may_claim_from(thread):
            return thread  # taken already: the claim itself reports the conflict
        if not actor.may_act_on(thread):
            raise Forbidden(f"thread {thread_id} belongs to another agent or team")
        return thread

    async def _owned(self, actor: Actor, thread_id: int, action: str) -> Thread:
        thread = await self._thread_for(actor, thread_id)
        if thread.state != _S.WITH_AGENT.value and not (
            thread.state == _S.QUEUED.value and actor.supervisor
        ):
            raise Conflict(
                f"cannot {action} thread {thread_id}: it is {thread.state}; claim it first"
            )
        if thread.agent_id not in (actor.id, None) and not actor.supervisor:
            raise Forbidden(f"thread {thread_id} is assigned to another agent")
        return thread

    async def _why_not_open(self, thread_id: int, action: str) -> str:
        thread = await self.handoff_store.thread(thread_id)
        if thread is None:
            return f"no thread {thread_id}"
        owner = self.agent_name(thread.agent_id)
        taken = f" by {owner}" if owner and thread.state == _S.WITH_AGENT.value else ""
        return f"cannot {action} thread {thread_id}: it is {thread.state.replace('_', ' ')}{taken}"

    def agent_name(self, agent_id: int | None) -> str | None:
        """An agent's display name by id."""
        login = next((name for name, i in self._agent_ids.items() if i == agent_id), None)
        agent = self.settings.agent(login) if login else None
        return agent.display_name if agent else None

    async def _presence(self, agent_id: int) -> Presence:
        rows = await self.handoff_store.agent_rows()
        return next((r.presence for r in rows if r.id == agent_id), Presence.OFFLINE)

    async def _snapshots(self) -> list[AgentSnapshot]:
        rows = {row.login: row for row in await self.handoff_store.agent_rows()}
        return [
            AgentSnapshot(
                id=rows[agent.login].id,
                display_name=agent.display_name,
                presence=rows[agent.login].presence,
                capacity=agent.capacity,
                active_threads=rows[agent.login].active_threads,
                teams=frozenset(agent.teams),
                languages=frozenset(agent.languages),
                skills=frozenset(agent.skills),
                hours=agent.working_hours,
                last_assigned_at=rows[agent.login].last_assigned_at,
            )
            for agent in self.settings.agents
            if agent.login in rows and agent.role != "designer"  # designers take no threads
        ]

    def _request(self, thread: Thread, exclude: set[int] | None = None) -> RoutingRequest:
        return RoutingRequest(
            language=thread.language,
            topic=thread.topic,
            team=thread.team,
            exclude=frozenset(exclude or ()),
        )

    def _team_for(self, topic: str | None) -> str | None:
        for name, team in self.settings.teams.items():
            if topic is not None and topic in team.topics:
                return name
        return self.settings.routing.default_team

    def _actor(self, agent: AgentSettings) -> Actor:
        return Actor(
            id=self._agent_ids[agent.login],
            login=agent.login,
            display_name=agent.display_name,
            supervisor=agent.role == "supervisor",
            teams=frozenset(agent.teams),
            designer=agent.role == "designer",
        )
