"""REST customers that send each message with an id, in copies or retried, and the count.

The figures (`Figures`) come from what the customers saw (a 200 acknowledges a
message) and from the stores: customer messages stored per message id, the bot's
answers stored per message, and rasa's user events per message id in its tracker
store. Every message the customers send here is answered by the bot with one
message (routine questions), so more than one stored answer means answered twice.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

from tests.delivery_servers import BotProcess, SharedStores

# Routine questions the demo answers with one message each, whatever came before.
QUESTIONS = ("when are you open?", "how much is delivery?", "how do I return something?")


@dataclass
class Message:
    """One customer message: its id, and what each delivery of it got back."""

    sender: str
    text: str
    message_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    statuses: list[int] = field(default_factory=list)
    answers: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return 200 in self.statuses


@dataclass(frozen=True)
class Figures:
    """What was sent, what the customers got, what the stores hold."""

    sent: int  # message ids
    deliveries: int  # HTTP requests, copies and retries included
    acknowledged: int  # message ids that got a 200
    stored: int  # message ids stored as customer messages
    stored_twice: int
    answered: int  # message ids with the bot's answer stored
    answered_twice: int  # message ids with more than one answer stored
    rasa_twice: int  # message ids with more than one user event in rasa's tracker
    lost: int  # acknowledged, but not stored or not answered
    errors: int  # responses other than 200 (5xx, refused connections count as 0)
    internal_errors: int  # 500s: a bug, never a retry's matter
    different_answers: int  # message ids whose deliveries got different answers

    @property
    def duplicated(self) -> int:
        return max(self.stored_twice, self.answered_twice, self.rasa_twice)

    def line(self) -> str:
        return (
            f"sent {self.sent} (in {self.deliveries} deliveries), acknowledged"
            f" {self.acknowledged}, stored {self.stored}, answered {self.answered}, lost"
            f" {self.lost}, duplicated {self.duplicated} (stored twice {self.stored_twice},"
            f" answered twice {self.answered_twice}, through rasa twice {self.rasa_twice}),"
            f" failed deliveries {self.errors} (500s {self.internal_errors}), different"
            f" answers {self.different_answers}"
        )


async def deliver(client: httpx.AsyncClient, url: str, message: Message) -> int:
    """One delivery of a message to one server; its status (0: no answer at all)."""
    try:
        reply = await client.post(
            f"{url}/webhooks/rest/webhook",
            json={
                "sender": message.sender,
                "message": message.text,
                "message_id": message.message_id,
            },
        )
    except httpx.HTTPError:
        message.statuses.append(0)
        return 0
    message.statuses.append(reply.status_code)
    if reply.status_code == 200:
        message.answers.append(tuple(answer.get("text", "") for answer in reply.json()))
    return reply.status_code


async def until_acknowledged(
    client: httpx.AsyncClient, url: Callable[[], str], message: Message, give_up_after: float = 150
) -> None:
    """Deliver a message (to the server `url()` names each time) until it gets a 200."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + give_up_after
    while loop.time() < deadline:
        if await deliver(client, url(), message) == 200:
            return
        await asyncio.sleep(0.2)  # a client's back-off before retrying


async def duplicated_conversations(
    urls: Sequence[str], conversations: int, turns: int
) -> list[Message]:
    """Conversations whose every message is delivered two or three times at once (in
    turn), spread over the servers, each copy retried until it gets a 200; each
    conversation sends its next message once answered."""
    messages: list[Message] = []

    async def conversation(client: httpx.AsyncClient, index: int) -> None:
        sender = f"dup-{uuid.uuid4().hex[:8]}-{index}"
        for turn in range(turns):
            message = Message(sender, QUESTIONS[(index + turn) % len(QUESTIONS)])
            messages.append(message)
            copies = 2 + (index + turn) % 2
            await asyncio.gather(
                *(
                    until_acknowledged(
                        client, lambda c=copy: urls[(index + c) % len(urls)], message
                    )
                    for copy in range(copies)
                )
            )

    async with httpx.AsyncClient(timeout=120) as client:
        await asyncio.gather(*(conversation(client, index) for index in range(conversations)))
    return messages


async def retrying_conversations(
    urls: Callable[[], Sequence[str]],
    conversations: int,
    keep_going: asyncio.Event,
    *,
    on_acknowledged: Callable[[], None],
    progress: asyncio.Condition,
) -> list[Message]:
    """Conversations that send while `keep_going` is set, each message retried with its
    id (to any server `urls()` names) until it gets a 200 (or 150 s pass);
    each 200 calls `on_acknowledged` and notifies `progress`."""
    messages: list[Message] = []

    async def acknowledged(client: httpx.AsyncClient, message: Message) -> None:
        await until_acknowledged(client, lambda: random.choice(list(urls())), message)
        async with progress:
            on_acknowledged()
            progress.notify_all()

    async def conversation(client: httpx.AsyncClient, index: int) -> None:
        sender = f"kill-{uuid.uuid4().hex[:8]}-{index}"
        turn = 0
        while keep_going.is_set():
            message = Message(sender, QUESTIONS[(index + turn) % len(QUESTIONS)])
            messages.append(message)
            await acknowledged(client, message)
            turn += 1

    async with httpx.AsyncClient(timeout=60) as client:
        await asyncio.gather(*(conversation(client, index) for index in range(conversations)))
    return messages


def count(stores: SharedStores, messages: Sequence[Message]) -> Figures:
    """The figures of a run, from the customers' side and from the stores."""
    ids = {message.message_id for message in messages}
    stored: dict[str, int] = {}
    answers: dict[str, int] = {}
    rows = stores.query(
        "SELECT m.channel_message_id, (SELECT count(*) FROM messages r WHERE r.reply_to_id = m.id"
        " AND r.author = 'bot') FROM messages m WHERE m.author = 'customer'"
    )
    for message_id, answer_count in rows:
        key = str(message_id)
        stored[key] = stored.get(key, 0) + 1
        answers[key] = answers.get(key, 0) + int(str(answer_count))
    runs = stores.rasa_runs()
    acknowledged = [m for m in messages if m.acknowledged]
    return Figures(
        sent=len(ids),
        deliveries=sum(len(m.statuses) for m in messages),
        acknowledged=len(acknowledged),
        stored=sum(1 for i in ids if stored.get(i)),
        stored_twice=sum(1 for i in ids if stored.get(i, 0) > 1),
        answered=sum(1 for i in ids if answers.get(i)),
        answered_twice=sum(1 for i in ids if answers.get(i, 0) > 1),
        rasa_twice=sum(1 for i in ids if runs.get(i, 0) > 1),
        lost=sum(
            1 for m in acknowledged if not stored.get(m.message_id) or not answers.get(m.message_id)
        ),
        errors=sum(1 for m in messages for status in m.statuses if status != 200),
        internal_errors=sum(1 for m in messages for status in m.statuses if status == 500),
        different_answers=sum(1 for m in messages if len(set(m.answers)) > 1),
    )


async def kill_under_load(bots: list[BotProcess], kills: int) -> tuple[list[Message], int]:
    """Customers keep writing to whichever process is up while each in turn is killed
    (after a few answers, so messages are in flight) and started again."""
    up = set(range(len(bots)))
    keep_going = asyncio.Event()
    keep_going.set()
    answered = asyncio.Condition()
    acknowledged = 0

    def on_acknowledged() -> None:
        nonlocal acknowledged
        acknowledged += 1

    load = asyncio.create_task(
        retrying_conversations(
            lambda: [bots[index].url for index in sorted(up)] or [bots[0].url],
            conversations=8,
            keep_going=keep_going,
            on_acknowledged=on_acknowledged,
            progress=answered,
        )
    )

    async def a_few_more_answers() -> None:
        target = acknowledged + 6
        async with answered:
            await answered.wait_for(lambda: acknowledged >= target)

    done = 0
    for kill in range(kills):
        await a_few_more_answers()
        victim = kill % len(bots)
        up.discard(victim)
        bots[victim].kill()
        bots[victim].launch()
        await asyncio.to_thread(bots[victim].wait_ready)
        up.add(victim)
        done += 1
    await a_few_more_answers()
    keep_going.clear()
    return await load, done
