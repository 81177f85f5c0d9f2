"""Moves started on the customer's side: escalate, continue in private, write to people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.actors import BOT, SYSTEM
from core.messages import Author, Outbound, StoredMessage, Thread, ThreadState
from core.ports import MessageStore
from core.states import ThreadEvent
from handoff.assignment import Router
from handoff.moves import ThreadMoves
from handoff.routing import Presence


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
    first_notice: str | None = None  # a template the customer reads first (an apology)


class Escalations:
    """Takes threads from the bot to people, and tells the agents what customers write."""

    def __init__(
        self,
        moves: ThreadMoves,
        router: Router,
        messages: MessageStore,
        *,
        public_replies_publicly: bool = True,
        max_text_chars: int = 4096,
    ) -> None:
        self.moves = moves
        self.router = router
        self.messages = messages
        self.public_replies_publicly = public_replies_publicly
        self.max_text_chars = max_text_chars

    async def escalate(self, thread: Thread, escalation: Escalation) -> list[Outbound]:
        """Take a thread from the bot to people; what the customer should read now.

        In public, when the channel offers a private chat, the customer reads a short
        empathetic answer inviting them there (`utter_public_complaint`) instead of
        the routing notices: the details belong in private.
        """
        moved = await self._escalate_move(thread, escalation)
        if moved is None:
            return []
        notices = await self.router.route(moved, actor=BOT)
        if moved.public and escalation.private_link and self.public_replies_publicly:
            notice = self.router.notices.render(
                "utter_public_complaint", escalation.language, link=escalation.private_link
            )
            notices = [notice]
        if escalation.first_notice is not None:
            notices.insert(0, self.router.notices.render(escalation.first_notice, moved.language))
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
        threads = self.moves.threads
        public = await threads.open_thread(thread.channel, public_chat_id)
        if (
            public is None
            or not public.public
            or public.customer_id != thread.customer_id
            or not public.state.human_owned
            or thread.state is not ThreadState.BOT
        ):
            return None
        reason = f"continued privately in thread {thread.id}"
        closed = await self.moves.attempt(
            public, ThreadEvent.RESOLVE, SYSTEM, reason=reason, resolved_at=self.moves.clock()
        )
        if closed is None:
            return None
        await threads.close(public.id)
        self.moves.events.publish("thread.resolved", thread_id=public.id, agent_id=public.agent_id)
        said = await self.messages.recent_customer_messages(public.id, 5)
        quoted = " / ".join(message.text for message in said)
        note = f"Continued from public thread {public.id}, where the customer wrote: {quoted}"
        await self.messages.record_replies(
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
        snapshots = await self.router.directory.snapshots()
        earlier = next((a for a in snapshots if a.id == public.agent_id), None)
        if (
            earlier is not None
            and earlier.presence is not Presence.OFFLINE
            and await self.router.assign(moved, earlier, actor=SYSTEM, notify=False)
        ):
            return [self.router.assigned_notice(earlier, moved.language)]
        return await self.router.route(moved, actor=SYSTEM)

    async def customer_wrote(self, thread: Thread, message: StoredMessage) -> list[Outbound]:
        """A customer wrote in a thread people own: the agents hear of it.

        A queued customer also reads their place in the queue (or when someone
        answers), unless they were written to within `routing.queued_reply_every_seconds`:
        a burst of messages gets one answer.
        """
        self.moves.events.publish(
            "message.customer", thread_id=thread.id, message_id=message.id, agent_id=thread.agent_id
        )
        if thread.state is not ThreadState.QUEUED:
            return []
        every = timedelta(seconds=self.router.settings.routing.queued_reply_every_seconds)
        last = await self.messages.last_said_at(thread.id)
        if last is not None and message.created_at - last < every:  # both the store's times
            return []
        snapshots = await self.router.directory.snapshots()
        request = self.router.request(thread)
        return await self.router.waiting_notice(
            thread, snapshots, request, "utter_handoff_still_queued"
        )

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
        moved = await self.moves.attempt(
            thread,
            ThreadEvent.ESCALATE,
            BOT,
            reason=escalation.reason,
            escalated_at=since or self.moves.clock(),
            escalation_score=escalation.score,
            escalation_reason=escalation.reason,
            topic=escalation.topic,
            language=escalation.language,
            team=escalation.team or self.router.team_for(escalation.topic),
            public=thread.public or escalation.public,
            first_response_at=answered_at,
            sla_breached_at=None,
            agent_id=None,
        )
        if moved is not None:
            self.moves.events.publish(
                "thread.escalated", thread_id=thread.id, reason=escalation.reason
            )
        return moved
