"""Moving threads: the state machine decides, the thread store applies, agents hear.

Every move of the handoff goes through `ThreadMoves.move` (an agent's command: a
refusal is an error for the caller) or `ThreadMoves.attempt` (an automatic move:
a refusal or a lost race means "not now").
"""

from __future__ import annotations

from typing import Any

from core.access import may_see
from core.actors import Actor
from core.clock import Clock
from core.errors import Conflict, Forbidden, NotFound
from core.messages import Author, Outbound, Thread, ThreadState
from core.ports import Deliver, Events, MessageStore, ThreadStore
from core.states import FORBIDDEN, Refusal, ThreadEvent, Transition, decide
from handoff.directory import AgentDirectory
from handoff.templates import Templates


class ThreadMoves:
    """Decide and apply moves of threads (one compare-and-set each)."""

    def __init__(
        self, threads: ThreadStore, directory: AgentDirectory, events: Events, clock: Clock
    ) -> None:
        self.threads = threads
        self.directory = directory
        self.events = events
        self.clock = clock

    async def thread(self, thread_id: int) -> Thread:
        """A thread by id, or NotFound."""
        thread = await self.threads.thread(thread_id)
        if thread is None:
            raise NotFound(f"no thread {thread_id}")
        return thread

    async def visible_thread(self, actor: Actor, thread_id: int) -> Thread:
        """A thread the actor may see (`core.access.may_see`), or NotFound as if missing."""
        thread = await self.threads.thread(thread_id)
        if thread is None or not may_see(actor, thread):
            raise NotFound(f"no thread {thread_id}")
        return thread

    def check(self, thread: Thread, command: ThreadEvent, actor: Actor) -> Transition:
        """The transition `actor` may make, or the refusal raised as Forbidden or Conflict.

        A thread the actor may not see is NotFound, as a missing one: ids reveal nothing.
        """
        if not may_see(actor, thread):
            raise NotFound(f"no thread {thread.id}")
        decided = decide(thread, command, actor, self.clock())
        if isinstance(decided, Refusal):
            raise self._error(decided, thread)
        return decided

    async def move(
        self,
        thread: Thread,
        command: ThreadEvent,
        actor: Actor,
        *,
        reason: str | None = None,
        **changes: Any,
    ) -> Thread:
        """Make an agent's move, or raise why not (Forbidden, Conflict)."""
        transition = self.check(thread, command, actor)
        moved = await self.threads.apply(transition, reason=reason, **changes)
        if moved is None:
            raise Conflict(await self.why_not(thread.id, command.value.replace("_", " ")))
        return moved

    async def attempt(
        self,
        thread: Thread,
        command: ThreadEvent,
        actor: Actor,
        *,
        reason: str | None = None,
        **changes: Any,
    ) -> Thread | None:
        """Make an automatic move if the rules allow it and nobody moved the thread first."""
        decided = decide(thread, command, actor, self.clock())
        if isinstance(decided, Refusal):
            return None
        return await self.threads.apply(decided, reason=reason, **changes)

    async def why_not(self, thread_id: int, action: str) -> str:
        """Why a thread could not be moved, as it is now."""
        thread = await self.threads.thread(thread_id)
        if thread is None:
            return f"no thread {thread_id}"
        owner = self.directory.agent_name(thread.agent_id)
        taken = f" by {owner}" if owner and thread.state is ThreadState.WITH_AGENT else ""
        return f"cannot {action} thread {thread_id}: it is {thread.state.words}{taken}"

    def _error(self, refusal: Refusal, thread: Thread) -> Exception:
        if refusal.kind == FORBIDDEN:
            return Forbidden(refusal.message)
        owner = self.directory.agent_name(thread.agent_id) if refusal.taken else None
        return Conflict(refusal.message + (f" by {owner}" if owner else ""))


class Notices:
    """What the customer reads about the handoff, from the domain's templates."""

    def __init__(self, templates: Templates, messages: MessageStore, deliver: Deliver) -> None:
        self.templates = templates
        self.messages = messages
        self.deliver = deliver

    def render(self, template: str, language: str | None, **values: object) -> Outbound:
        """A template in the customer's language (the default one without it), filled in."""
        return self.templates.render(template, language, **values)

    async def say(self, thread: Thread, notice: Outbound, notify: bool) -> list[Outbound]:
        """Return a notice for the current response, or store and push it now."""
        if not notify:
            return [notice]
        (message,) = await self.messages.record_replies(thread.id, [notice], author=Author.SYSTEM)
        await self.deliver(thread, message)
        return []

    async def tell(self, thread: Thread, template: str, **values: object) -> None:
        """Store and push a template to the customer now."""
        await self.say(thread, self.render(template, thread.language, **values), True)
