"""Giving threads to agents: route one thread, or drain the queue to free agents.

`handoff.routing` chooses (pure); this module reads the agents, applies the
`assign` move and tells the customer who takes over, or how long they will wait.
"""

from __future__ import annotations

from datetime import timedelta

from core.actors import Actor, Presence
from core.messages import Outbound, Thread, ThreadState
from core.states import ThreadEvent
from handoff.directory import AgentDirectory
from handoff.moves import Notices, ThreadMoves
from handoff.notice_values import minutes, when
from handoff.routing import (
    AgentSnapshot,
    RoutingRequest,
    choose_agent,
    estimated_wait,
    next_opening,
    working_agents,
)
from handoff.settings import HandoffSettings


class Router:
    """Assigns threads to the best free agent, and tells the customer the outcome."""

    def __init__(
        self,
        settings: HandoffSettings,
        directory: AgentDirectory,
        moves: ThreadMoves,
        notices: Notices,
    ) -> None:
        self.settings = settings
        self.directory = directory
        self.moves = moves
        self.notices = notices

    async def route(
        self,
        thread: Thread,
        *,
        actor: Actor,
        notify: bool = False,
        exclude: set[int] | None = None,
    ) -> list[Outbound]:
        """Assign to a free agent, or tell the customer how long they will wait.

        When nobody can answer now (after hours, or nobody online), the customer is
        also offered to leave an e-mail address or a Telegram username.

        Args:
            thread: A queued thread.
            actor: Who routes (recorded with the move).
            notify: Push the notice now; otherwise it is returned for the response.
            exclude: Agents not to choose (the one who just let it go).
        """
        snapshots = await self.directory.snapshots()
        request = self.request(thread, exclude)
        now = self.moves.clock()
        agent = choose_agent(snapshots, request, now)
        if agent is not None and await self.assign(thread, agent, actor=actor, notify=notify):
            return [] if notify else [self.assigned_notice(agent, thread.language)]
        said: list[Outbound] = []
        for notice in await self.waiting_notice(thread, snapshots, request, "utter_handoff_queued"):
            said += await self.notices.say(thread, notice, notify)
        return said

    async def waiting_notice(
        self,
        thread: Thread,
        snapshots: list[AgentSnapshot],
        request: RoutingRequest,
        queued_template: str,
    ) -> list[Outbound]:
        """What a waiting customer should read: their place and wait, or when we open.

        When nobody can answer now (after hours, or nobody online), the customer is
        also offered to leave an e-mail address or a Telegram username.

        Args:
            thread: A queued thread.
            snapshots: The agents as routing sees them now.
            request: What the thread asks of routing.
            queued_template: The notice for a queue with someone working (filled in
                with `position` and `wait`).
        """
        now = self.moves.clock()
        language = thread.language
        if working := working_agents(snapshots, request, now):
            queued = await self.moves.threads.threads_in([ThreadState.QUEUED])
            position = next((i for i, t in enumerate(queued, 1) if t.id == thread.id), len(queued))
            online = sum(1 for agent in working if agent.presence is Presence.ONLINE)
            handle = timedelta(minutes=self.settings.routing.handle_time_minutes)
            wait = minutes(estimated_wait(position, online, handle), language)
            return [self.notices.render(queued_template, language, position=position, wait=wait)]
        # nobody to answer now: when someone will, and how to be reached meanwhile
        if (opening := next_opening(snapshots, request, now)) > now:
            opening_words = when(opening, now, language)
            notice = self.notices.render("utter_handoff_closed", language, opening=opening_words)
        else:  # within working hours, but nobody is online
            notice = self.notices.render("utter_handoff_unstaffed", language)
        return [notice, self.notices.render("utter_handoff_leave_contact", language)]

    async def assign(
        self, thread: Thread, agent: AgentSnapshot, *, actor: Actor, notify: bool
    ) -> bool:
        """Give a queued thread to an agent; False when it was not queued any more."""
        moved = await self.moves.attempt(thread, ThreadEvent.ASSIGN, actor, agent_id=agent.id)
        if moved is None:
            return False
        self.moves.events.publish("thread.assigned", thread_id=thread.id, agent_id=agent.id)
        if notify:
            await self.notices.say(moved, self.assigned_notice(agent, moved.language), True)
        return True

    async def drain_queue(self, actor: Actor) -> None:
        """Give queued threads, oldest first, to agents who have become free."""
        for thread in await self.moves.threads.threads_in([ThreadState.QUEUED]):
            snapshots = await self.directory.snapshots()
            agent = choose_agent(snapshots, self.request(thread), self.moves.clock())
            if agent is not None:
                await self.assign(thread, agent, actor=actor, notify=True)

    def assigned_notice(self, agent: AgentSnapshot, language: str | None) -> Outbound:
        """The notice, in the customer's language, that names the agent who takes over."""
        return self.notices.render("utter_handoff_assigned", language, agent=agent.display_name)

    def team_for(self, topic: str | None) -> str | None:
        """The team whose topics include `topic`, else the default team."""
        for name, team in self.settings.teams.items():
            if topic is not None and topic in team.topics:
                return name
        return self.settings.routing.default_team

    @staticmethod
    def request(thread: Thread, exclude: set[int] | None = None) -> RoutingRequest:
        """What routing should know of a thread."""
        return RoutingRequest(
            language=thread.language,
            topic=thread.topic,
            team=thread.team,
            exclude=frozenset(exclude or ()),
        )
