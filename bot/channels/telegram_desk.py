"""The agents' group on Telegram: escalations are posted there, and agents answer them.

The group (`agents_chat_id`) sees each escalation, from every channel, then the
customer's later messages in that thread and who took it. An agent, known by the
Telegram id under `accounts: {telegram: ...}` in `config/handoff.yml`, replies to any
of a thread's posts:

- with text: it goes to the customer, signed with the agent's name (a waiting thread
  is claimed first);
- `/claim`, `/resolve`, or `/back` (hand the thread back to the bot).

Everything goes through the handoff service, so its rules hold as in the agents' API:
a thread with another agent stays theirs, and the agent is told why in the group.
Each post is made once, also with several workers (agreed through `channel_state`).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterable
from typing import Any

from bot.channels.telegram_sending import TelegramSender
from bot.channels.telegram_updates import DeskTurn
from bot.store.channel_store import ChannelStore
from core.actors import Actor
from core.errors import BotError, CannotPush
from core.messages import Author, StoredMessage, Thread, ThreadState
from core.ports import AgentWork

logger = logging.getLogger(__name__)

_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?\s*$")
COMMANDS = ("claim", "resolve", "back", "help")
HELP = (
    "Reply to a thread's post with your answer and it goes to the customer, signed with "
    "your name. Or reply with /claim, /resolve, or /back to hand the thread to the bot."
)
# Moves of a thread the group is told about, as replies to the thread's post.
STATUS = {
    "thread.assigned": "{agent} has it now.",
    "thread.claimed": "{agent} took it.",
    "thread.resolved": "resolved by {agent}.",
    "thread.handed_back": "{agent} handed it back to the bot.",
}


def desk_command(text: str) -> str | None:
    """The desk command an agent's message is, if any (unknown commands mean help)."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    name = match.group(1).lower()
    return name if name in COMMANDS else "help"


class AgentsDesk:
    """Posts to the agents' group, and acts on what agents write there.

    Args:
        chat: The group's chat id.
        sender: Sends through the channel's bot.
        state: The channel's state, where posts are mapped to threads.
        service: The handoff, as channels see it.
    """

    def __init__(
        self, chat: int, sender: TelegramSender, state: ChannelStore, service: AgentWork
    ) -> None:
        self.chat = chat
        self.sender = sender
        self.state = state
        self.service = service
        self.agents = service.telegram_accounts()

    async def follow_events(self) -> None:
        """Post what agents should know, as the handoff's events come."""
        async with self.service.events.subscribe() as queue:
            while True:
                event = await queue.get()
                try:
                    await self.show(event)
                except Exception:
                    logger.exception("The agents' group missed the event %s.", event)

    async def show(self, event: dict[str, Any]) -> None:
        """Post one event, if the group shows it and it was not posted before."""
        kind, thread_id = event.get("type"), event.get("thread_id")
        if not isinstance(thread_id, int):
            return
        if kind == "thread.escalated":
            await self._post_escalation(thread_id)
        elif kind == "message.customer" and isinstance(event.get("message_id"), int):
            await self._post_customer_message(thread_id, event["message_id"])
        elif kind in STATUS:
            await self._post_status(thread_id, str(kind), event.get("agent_id"))

    async def handle(self, turn: DeskTurn) -> None:
        """An agent wrote in the group: act on it if it answers a thread's post."""
        command = desk_command(turn.text)
        thread_id = await self._thread_of(turn.reply_to)
        if command == "help" or (thread_id is None and command is not None):
            await self._tell(HELP, turn)
            return
        if thread_id is None:
            return  # agents talking among themselves
        login = self.agents.get(turn.user_id)
        if login is None:
            await self._tell(
                f"Your Telegram id {turn.user_id} is not an agent's: add it to your entry in "
                "config/handoff.yml as accounts: {telegram: ID}.",
                turn,
            )
            return
        try:
            await self._act(self.service.actor(login), thread_id, command, turn.text)
        except BotError as error:
            await self._tell(error.message, turn)

    async def _act(self, actor: Actor, thread_id: int, command: str | None, text: str) -> None:
        if command == "claim":
            await self.service.claim(actor, thread_id)
        elif command == "resolve":
            await self.service.resolve(actor, thread_id)
        elif command == "back":
            await self.service.hand_back(actor, thread_id)
        else:
            thread = await self.service.threads.thread(thread_id)
            waiting = (ThreadState.QUEUED, ThreadState.BOT)
            if thread is not None and thread.agent_id is None and thread.state in waiting:
                await self.service.claim(actor, thread_id)
            await self.service.reply(actor, thread_id, text.strip())

    async def _post_escalation(self, thread_id: int) -> None:
        thread = await self.service.threads.thread(thread_id)
        if thread is None or thread.escalated_at is None:
            return
        once = f"desk:escalation:{thread_id}:{thread.escalated_at.timestamp():.0f}"
        if not await self.state.add(once, "posted"):
            return
        name = await self.service.threads.customer_name(thread.customer_id)
        said = await self.service.messages.recent_customer_messages(thread_id, 3)
        post = escalation_post(thread, name, [message.text for message in said])
        message_id = await self._post(thread_id, post)
        await self.state.put(f"desk:thread:{thread_id}", str(message_id))

    async def _post_customer_message(self, thread_id: int, message_id: int) -> None:
        anchor = await self.state.get(f"desk:thread:{thread_id}")
        if anchor is None or not await self.state.add(f"desk:message:{message_id}", "posted"):
            return
        found = await self.service.messages.transcript(thread_id, after_id=message_id - 1, limit=1)
        message = next(iter(_by_customer(found)), None)
        if message is not None and message.id == message_id:
            await self._post(thread_id, customer_line(thread_id, message.text), int(anchor))

    async def _post_status(self, thread_id: int, kind: str, agent_id: Any) -> None:
        anchor = await self.state.get(f"desk:thread:{thread_id}")
        if anchor is None:
            return
        moves = await self.service.threads.moves(thread_id)
        if not await self.state.add(f"desk:status:{thread_id}:{len(moves)}", kind):
            return
        name = self.service.agent_name(agent_id if isinstance(agent_id, int) else None)
        await self._post(thread_id, status_line(thread_id, kind, name), int(anchor))

    async def _post(self, thread_id: int, text: str, reply_to: int | None = None) -> int:
        """Post to the group; replies to the post reach the thread."""
        message_id = await self.sender.send_html(self.chat, text, reply_to=reply_to)
        await self.state.put(f"desk:post:{message_id}", str(thread_id))
        return message_id

    async def _thread_of(self, post: int | None) -> int | None:
        if post is None:
            return None
        found = await self.state.get(f"desk:post:{post}")
        return int(found) if found is not None else None

    async def _tell(self, text: str, turn: DeskTurn) -> None:
        try:
            await self.sender.send_html(self.chat, html.escape(text), reply_to=turn.message_id)
        except CannotPush as error:
            logger.warning("Could not answer in the agents' group: %s", error.message)


def escalation_post(thread: Thread, customer: str | None, said: list[str]) -> str:
    """The group's post about an escalated thread (HTML)."""
    where = "in public" if thread.public else "private"
    team = f" · team {html.escape(thread.team)}" if thread.team else ""
    lines = [
        f"🔔 <b>#{thread.id}</b> needs a person · {html.escape(thread.channel)}, {where}{team}",
        f"Why: {html.escape(thread.escalation_reason or 'asked for')}",
        f"Customer: {html.escape(customer or thread.chat_id)}",
        *(f"— {html.escape(_shorten(text))}" for text in said),
        "Reply to this post to answer; or /claim, /resolve, /back.",
    ]
    return "\n".join(lines)


def customer_line(thread_id: int, text: str) -> str:
    """A customer's later message in a thread, for the group (HTML)."""
    return f"💬 <b>#{thread_id}</b> customer: {html.escape(_shorten(text, 3000))}"


def status_line(thread_id: int, kind: str, agent: str | None) -> str:
    """A move of a thread, for the group (HTML)."""
    said = STATUS[kind].format(agent=html.escape(agent or "someone"))
    return f"<b>#{thread_id}</b>: {said}"


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _by_customer(messages: Iterable[StoredMessage]) -> list[StoredMessage]:
    return [message for message in messages if message.author is Author.CUSTOMER]
