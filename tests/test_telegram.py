"""Telegram end to end, polling: python-telegram-bot in the real server, a fake Bot API.

The bot runs as `python -m bot run` with the token in its environment; it talks over
HTTP to `FakeTelegram` on 127.0.0.1, which serves the updates the tests push and
records what the bot sends. Agents use their HTTP API, or the agents' group.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.fake_telegram import TOKEN, Customer, FakeTelegram, Json, next_id, wait_for
from tests.servers import LiveServer, handoff_config, live_server, variants

AGENTS_CHAT = -1009000000001
TELEGRAM_IDS = {"ana": 5001, "sam": 5004}
COMPLAINT = "This is ridiculous, my lamp arrived smashed and nobody answers my emails!!!"


def telegram_handoff_config(workdir: Path) -> Path:
    """The test agents, with Telegram accounts for Ana and Sam."""
    path = handoff_config(workdir)
    text = path.read_text()
    for login, user_id in TELEGRAM_IDS.items():
        name = login.capitalize()
        entry = f"{{login: {login}, display_name: {name},"
        text = text.replace(entry, f"{entry} accounts: {{telegram: '{user_id}'}},")
    path.write_text(text)
    return path


class RunningBot:
    """The bot on Telegram, which a test can restart on the same store."""

    def __init__(self, workdir: Path, fake: FakeTelegram) -> None:
        self.workdir, self.fake = workdir, fake
        self.database_url = f"sqlite:///{workdir / 'bot.db'}"
        self.env = {
            **fake.env(),
            "BOT_CHANNELS_TELEGRAM_POLL_TIMEOUT": "5",
            "BOT_CHANNELS_TELEGRAM_AGENTS_CHAT_ID": str(AGENTS_CHAT),
        }
        self.handoff = telegram_handoff_config(workdir)
        self._stack = ExitStack()
        self.server = self._start()

    def _start(self) -> LiveServer:
        return self._stack.enter_context(
            live_server(self.workdir, self.database_url, handoff=self.handoff, extra_env=self.env)
        )

    def restart(self) -> None:
        tokens = self.server.tokens
        self._stack.close()
        self.server = self._start()
        self.server.tokens.update(tokens)

    def close(self) -> None:
        self._stack.close()

    def query(self, statement: str, **values: Any) -> list[Any]:
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return list(conn.execute(sa.text(statement), values))
        finally:
            engine.dispose()


class Agent:
    """An agent on the agents' HTTP API."""

    def __init__(self, bot: RunningBot, login: str) -> None:
        self.bot, self.login = bot, login

    def call(self, method: str, path: str, expect: int = 200, **body: Any) -> Any:
        server = self.bot.server
        reply = httpx.request(
            method,
            f"{server.url}/agents/api{path}",
            json=body if method == "POST" else None,
            headers={"Authorization": f"Bearer {server.token(self.login)}"},
            timeout=60,
        )
        assert reply.status_code == expect, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()

    def presence(self, value: str) -> None:
        self.call("POST", "/presence", presence=value)

    def thread_of(self, chat_id: str) -> Json:
        (found,) = [t for t in self.call("GET", "/queue") if t["chat_id"] == chat_id]
        return found  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory, fake: FakeTelegram) -> Iterator[RunningBot]:
    running = RunningBot(tmp_path_factory.mktemp("telegram"), fake)
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def agents(bot: RunningBot) -> Iterator[dict[str, Agent]]:
    """Every agent offline and no thread with people, before and after each test."""
    team = {login: Agent(bot, login) for login in ("ana", "ben", "sam")}

    def clear() -> None:
        for agent in team.values():
            agent.presence("offline")
        for thread in team["sam"].call("GET", "/queue"):
            team["sam"].call("POST", f"/threads/{thread['id']}/resolve")

    clear()
    yield team
    clear()


def test_polling_answers_private_messages_from_the_templates(
    bot: RunningBot, fake: FakeTelegram
) -> None:
    customer = Customer(fake)
    customer.say("hello there")
    customer.say("how much is delivery?")
    greeting, costs = customer.texts()
    assert greeting in variants("utter_greet") and costs in variants("utter_delivery_costs")
    assert {"getMe", "deleteWebhook", "getUpdates"} <= {method for method, _ in fake.calls}


def test_start_and_help(bot: RunningBot, fake: FakeTelegram) -> None:
    customer = Customer(fake)
    customer.say("/start")
    customer.say("/help")
    start, help_text = customer.texts()
    assert start in variants("utter_command_start")
    assert help_text in variants("utter_command_help")


def test_an_edited_message_is_answered_as_a_new_one(bot: RunningBot, fake: FakeTelegram) -> None:
    customer = Customer(fake)
    first = customer.say("hello there")
    edited = {**first["message"], "text": "how much is delivery?", "edit_date": int(time.time())}
    fake.wait_handled(fake.push(edited_message=edited))
    assert customer.texts()[-1] in variants("utter_delivery_costs")


def test_non_text_messages_get_a_template_and_are_shown_to_agents(
    bot: RunningBot, fake: FakeTelegram, agents: dict[str, Agent]
) -> None:
    customer = Customer(fake)
    photo = [{"file_id": "PHOTO-1", "file_unique_id": "p1", "width": 640, "height": 480}]
    sticker = {"file_id": "STICKER-1", "file_unique_id": "s1", "width": 512, "height": 512}
    sticker.update(is_animated=False, is_video=False, type="regular", emoji="!")
    customer.send(photo=photo)
    customer.send(sticker=sticker)
    customer.send(voice={"file_id": "VOICE-1", "file_unique_id": "v1", "duration": 4})
    customer.send(document={"file_id": "DOC-1", "file_unique_id": "d1", "file_name": "bill.pdf"})
    customer.send(location={"latitude": 53.7997, "longitude": -1.5492})
    answers = customer.texts()
    kinds = ["photo", "sticker", "voice message", "document", "location"]
    assert len(answers) == len(kinds)
    for answer, kind in zip(answers, kinds, strict=True):
        assert answer in {text.format(kind=kind) for text in variants("utter_non_text")}

    customer.say("I want to talk to a real person please")
    thread = agents["sam"].thread_of(str(customer.id))
    messages = agents["sam"].call("GET", f"/threads/{thread['id']}")["messages"]
    shown = {m["text"]: m.get("attachment") for m in messages if m["author"] == "customer"}
    assert shown["[photo]"]["file_id"] == "PHOTO-1"
    assert shown["[sticker !]"]["file_id"] == "STICKER-1"
    assert shown["[document]"]["file_name"] == "bill.pdf"
    assert shown["[location 53.79970, -1.54920]"]["latitude"] == 53.7997


def test_each_update_is_handled_once(bot: RunningBot, fake: FakeTelegram) -> None:
    customer = Customer(fake)
    update = customer.say("hello there")
    fake.again(update)  # Telegram delivers the same update again
    fake.wait_handled(update)
    same_message = customer.fake.push(message=update["message"])  # a new update, same message
    fake.wait_handled(same_message)
    assert len(customer.texts()) == 1
    stored = bot.query("SELECT count(*) FROM messages WHERE delivery_key LIKE :key",
                       key=f"telegram:{customer.id}:%")  # fmt: skip
    assert stored[0][0] == 1


def test_a_complaint_goes_to_a_named_agent_and_back_to_the_bot(
    bot: RunningBot, fake: FakeTelegram, agents: dict[str, Agent]
) -> None:
    ana = agents["ana"]
    ana.presence("online")
    customer = Customer(fake)
    customer.user["username"] = f"jane_{customer.id}"
    customer.say(COMPLAINT)
    assert "Ana" in customer.texts()[-1]
    thread = ana.thread_of(str(customer.id))
    assert thread["state"] == "with_agent" and "complaint" in thread["escalation"]["reason"]
    who = thread["customer"]  # Telegram's first name and username, on the card
    assert (who["name"], who["username"]) == (customer.name, f"jane_{customer.id}")

    ana.call(
        "POST", f"/threads/{thread['id']}/reply", 201, text="So sorry! I'll fix <this> & more."
    )
    signed = fake.sent_to(customer.id)[-1]
    assert signed["html"] == "<b>Ana</b>: So sorry! I'll fix &lt;this&gt; &amp; more."
    assert signed["text"] == "Ana: So sorry! I'll fix <this> & more."

    before = len(customer.texts())
    customer.say("thanks, my order is FH-10234")
    assert len(customer.texts()) == before  # the bot stays silent while Ana has it
    assert ana.thread_of(str(customer.id))["customer"]["orders"] == ["FH-10234"]

    ana.call("POST", f"/threads/{thread['id']}/hand-back")
    assert "Ana" in customer.texts()[-1]  # the hand-back notice
    customer.say("how much is delivery?")
    assert customer.texts()[-1] in variants("utter_delivery_costs")


def test_a_public_complaint_is_answered_in_public_and_continues_in_private(
    bot: RunningBot, fake: FakeTelegram, agents: dict[str, Agent]
) -> None:
    agents["ana"].presence("online")
    group = fake.group(-1001000000000 - next_id())
    customer, bystander = Customer(fake), Customer(fake, "Bob")
    bystander.say("lol, nice lamps", chat=group)  # chatter: not the bot's business
    assert fake.sent_to(group["id"]) == []

    update = customer.say(COMPLAINT, chat=group)
    (public_answer,) = fake.sent_to(group["id"])
    link = f"https://t.me/FernhillTestBot?start=g{group['id']}"
    assert public_answer["text"] in {
        v.format(link=link) for v in variants("utter_public_complaint")
    }
    assert public_answer["reply_to"] == update["message"]["message_id"]
    public = agents["sam"].thread_of(f"{group['id']}/{customer.id}")
    assert public["public"] is True and public["agent"] == "Ana"

    customer.say(f"/start g{group['id']}")  # the link opens the private chat with this
    assert "Ana" in customer.texts()[-1]
    private = agents["sam"].thread_of(str(customer.id))
    assert private["state"] == "with_agent" and private["agent"] == "Ana"
    assert f"public thread {public['id']}" in private["escalation"]["reason"]
    queue = [t["chat_id"] for t in agents["sam"].call("GET", "/queue")]
    assert public["chat_id"] not in queue  # the public thread is closed

    agents["ana"].call("POST", f"/threads/{private['id']}/reply", 201, text="Let's sort it out.")
    assert customer.texts()[-1] == "Ana: Let's sort it out."
    assert len(fake.sent_to(group["id"])) == 1  # nothing more in public

    stranger = Customer(fake, "Eve")
    stranger.say(f"/start g{group['id']}")  # someone else's link: an ordinary /start
    (welcome,) = stranger.texts()
    assert welcome in variants("utter_command_start")


def test_an_agent_answers_from_the_agents_group(
    bot: RunningBot, fake: FakeTelegram, agents: dict[str, Agent]
) -> None:
    customer = Customer(fake)
    customer.say(COMPLAINT)  # nobody online: it waits in the queue
    post = wait_for(lambda: _post_about(fake, customer), 30, "the escalation in the agents' group")
    assert post is not None and "complaint" in post["text"] and COMPLAINT in post["text"]
    mapped = "SELECT value FROM channel_state WHERE key = :key"
    key = f"desk:post:{post['message_id']}"  # the bot notes the post's id once Telegram gives it
    wait_for(lambda: bot.query(mapped, key=key), 10, "the post mapped to its thread")

    group = fake.group(AGENTS_CHAT, "Fernhill agents")
    ana = fake.user(TELEGRAM_IDS["ana"], "Ana")
    reply_to = {"message_id": post["message_id"], "date": 0, "chat": group, "text": post["text"]}
    answer = fake.message(group, ana, "Hello, Ana here. So sorry!", reply_to_message=reply_to)
    fake.wait_handled(fake.push(message=answer))
    assert customer.texts()[-1] == "Ana: Hello, Ana here. So sorry!"
    thread = agents["sam"].thread_of(str(customer.id))
    assert thread["state"] == "with_agent" and thread["agent"] == "Ana"

    customer.say("it's order FH-10234")
    wait_for(lambda: any("FH-10234" in t for t in fake.texts_to(AGENTS_CHAT)), 30, "the forward")

    ben = fake.user(5002, "Ben")  # in the group, but no agent account
    fake.wait_handled(
        fake.push(message=fake.message(group, ben, "/claim", reply_to_message=reply_to))
    )
    assert "not an agent's" in fake.texts_to(AGENTS_CHAT)[-1]

    resolve = fake.message(group, ana, "/resolve", reply_to_message=reply_to)
    fake.wait_handled(fake.push(message=resolve))
    assert "Ana" in customer.texts()[-1] and "1" in customer.texts()[-1]  # the rating question


def test_flood_control_is_waited_out_and_nothing_is_sent_twice(
    bot: RunningBot, fake: FakeTelegram
) -> None:
    customer = Customer(fake)
    fake.fail("sendMessage", "retry_after", chat_id=customer.id, retry_after=2)
    started = time.monotonic()
    customer.say("hello there")
    (sent,) = fake.sent_to(customer.id)
    assert sent["text"] in variants("utter_greet")
    assert sent["at"] - started >= 2
    assert ("sendMessage", customer.id, "retry_after") in fake.failed


def test_network_failures_are_retried(bot: RunningBot, fake: FakeTelegram) -> None:
    customer = Customer(fake)
    fake.fail("sendMessage", "drop", chat_id=customer.id, times=2)
    customer.say("hello there")
    assert len(customer.texts()) == 1
    assert fake.failed.count(("sendMessage", customer.id, "drop")) == 2


def test_a_customer_who_blocked_the_bot_is_recorded_and_gets_the_rest_later(
    bot: RunningBot, fake: FakeTelegram, agents: dict[str, Agent]
) -> None:
    ana = agents["ana"]
    ana.presence("online")
    customer = Customer(fake)
    customer.say(COMPLAINT)
    thread = ana.thread_of(str(customer.id))
    fake.fail("sendMessage", "blocked", chat_id=customer.id)
    attempts = len(fake.failed)
    ana.call("POST", f"/threads/{thread['id']}/reply", 201, text="Are you there?")
    ana.call("POST", f"/threads/{thread['id']}/reply", 201, text="I'll wait for you.")
    assert fake.failed[attempts:] == [("sendMessage", customer.id, "blocked")]  # no retries
    (blocked_at,) = bot.query("SELECT blocked_at FROM customers WHERE external_id = :id",
                              id=str(customer.id))  # fmt: skip
    assert blocked_at[0] is not None
    unsent = bot.query("SELECT text FROM messages WHERE thread_id = :id AND sent_at IS NULL "
                       "AND author = 'agent'", id=thread["id"])  # fmt: skip
    assert [row[0] for row in unsent] == ["Are you there?", "I'll wait for you."]

    customer.say("sorry, I blocked you by mistake")  # writing again: not blocked any more
    texts = customer.texts()
    assert texts.count("Ana: Are you there?") == 1 and texts.count("Ana: I'll wait for you.") == 1


def test_updates_handled_before_a_restart_are_not_handled_again(
    bot: RunningBot, fake: FakeTelegram
) -> None:
    customer = Customer(fake)
    update = customer.say("hello there")
    bot.restart()
    fake.again(update)  # Telegram never got the confirmation and sends it again
    fake.wait_handled(update)
    customer.say("how much is delivery?")
    greeting, costs = customer.texts()
    assert greeting in variants("utter_greet") and costs in variants("utter_delivery_costs")


def _post_about(fake: FakeTelegram, customer: Customer) -> Json | None:
    posts = [m for m in fake.sent_to(AGENTS_CHAT) if m["text"].startswith("🔔")]
    return next((m for m in posts if f"Customer: {customer.name}\n" in m["text"]), None)
