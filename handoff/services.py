"""The handoff's services, built together over the store's ports: one per use case.

    AgentDirectory   who the agents are (tokens, snapshots)     handoff.directory
    ThreadMoves      decide (core.states) + compare-and-set      handoff.moves
    Router           assign, queue notices, drain the queue      handoff.assignment
    Escalations      bot -> people, public -> private            handoff.escalation
    AgentActions     claim, reply, note, transfer, resolve...    handoff.agent_actions
    PresenceService  online / away / offline, heartbeats, sweep  handoff.availability
                     (the rules: handoff.presence_rules)
    SlaWatch         first-response target                       handoff.availability

`Handoff` also serves the channels where agents work (the Telegram desk) through
the `core.ports.AgentWork` port, so channels never import the handoff.
"""

from __future__ import annotations

from core.actors import Actor
from core.clock import Clock, utcnow
from core.messages import StoredMessage, Thread
from core.ports import AgentStore, CredentialStore, Deliver, Events, MessageStore, ThreadStore
from handoff.agent_actions import AgentActions
from handoff.assignment import Router
from handoff.availability import PresenceService, SlaWatch
from handoff.directory import AgentDirectory
from handoff.escalation import Escalations
from handoff.moves import Notices, ThreadMoves
from handoff.settings import HandoffSettings, telegram_accounts
from handoff.templates import Templates


class Handoff:
    """Every handoff service, wired once (see the module's table)."""

    def __init__(
        self,
        settings: HandoffSettings,
        *,
        threads: ThreadStore,
        messages: MessageStore,
        agents: AgentStore,
        credentials: CredentialStore,
        templates: Templates,
        events: Events,
        deliver: Deliver,
        clock: Clock = utcnow,
        max_text_chars: int = 4096,
    ) -> None:
        self.settings = settings
        self.threads = threads
        self.messages = messages
        self.events = events
        self.max_text_chars = max_text_chars
        self.directory = AgentDirectory(settings, agents, credentials)
        self.moves = ThreadMoves(threads, self.directory, events, clock)
        self.notices = Notices(templates, messages, deliver)
        self.router = Router(settings, self.directory, self.moves, self.notices)
        self.escalations = Escalations(
            self.moves,
            self.router,
            messages,
            public_replies_publicly=settings.routing.public_channels_reply_publicly,
            max_text_chars=max_text_chars,
        )
        self.actions = AgentActions(self.moves, self.router, self.notices)
        self.presence = PresenceService(self.moves, self.router, settings.presence)
        self.sla = SlaWatch(
            self.moves, self.router, self.notices, settings.sla.first_response_minutes
        )

    async def start(self) -> None:
        """Give every configured agent a row in the store."""
        await self.directory.start()

    # The AgentWork port, for channels where agents work

    def actor(self, login: str) -> Actor:
        """The configured agent with this login."""
        return self.directory.actor(login)

    def agent_name(self, agent_id: int | None) -> str | None:
        """An agent's display name by id."""
        return self.directory.agent_name(agent_id)

    def telegram_accounts(self) -> dict[int, str]:
        """Agents' logins by Telegram user id (ConfigError for a wrong id)."""
        return telegram_accounts(self.settings)

    async def claim(self, actor: Actor, thread_id: int) -> Thread:
        """See `AgentActions.claim`."""
        return await self.actions.claim(actor, thread_id)

    async def reply(self, actor: Actor, thread_id: int, text: str) -> StoredMessage:
        """See `AgentActions.reply`."""
        return await self.actions.reply(actor, thread_id, text)

    async def resolve(self, actor: Actor, thread_id: int) -> Thread:
        """See `AgentActions.resolve`."""
        return await self.actions.resolve(actor, thread_id)

    async def hand_back(self, actor: Actor, thread_id: int) -> Thread:
        """See `AgentActions.hand_back`."""
        return await self.actions.hand_back(actor, thread_id)
