"""The Telegram channel's parts that need no server: options, reading, sending, state."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram_desk import desk_command
from bot.channels.telegram_options import read_options
from bot.channels.telegram_sending import (
    Blocked,
    RetryPolicy,
    format_message,
    split_text,
    with_retries,
)
from bot.channels.telegram_updates import (
    BlockChange,
    CustomerTurn,
    DeskTurn,
    UpdateReader,
    target_of,
)
from bot.config import load_settings
from bot.runtime import build_channels
from bot.store import Database
from bot.store.channel_store import ChannelStore
from core.errors import CannotPush, ConfigError
from core.messages import Author, StoredMessage

TOKEN = "123456:TESTtoken-abcdefghijklmnopqrstuv"
READER = UpdateReader("telegram", bot_id=7000001, bot_username="FernhillTestBot", agents_chat=-900)
JANE = {
    "id": 42,
    "is_bot": False,
    "first_name": "Jane",
    "last_name": "Doe",
    "language_code": "en-GB",
}
PRIVATE = {"id": 42, "type": "private", "first_name": "Jane"}
GROUP = {"id": -1001234, "type": "supergroup", "title": "Fernhill fans"}


def update(**fields: Any) -> Update:
    return Update.de_json({"update_id": 1, **fields}, None)


def message(chat: dict[str, Any] = PRIVATE, **fields: Any) -> dict[str, Any]:
    return {"message_id": 7, "date": 1_700_000_000, "chat": chat, "from": JANE, **fields}


# Options


def test_the_token_in_the_environment_switches_the_channel_on() -> None:
    settings = load_settings("config/bot.yml", environ={"TELEGRAM_BOT_TOKEN": TOKEN})
    assert [adapter.name for adapter in build_channels(settings)] == ["rest", "webchat", "telegram"]
    assert set(load_settings("config/bot.yml", environ={}).channels) == {"rest", "webchat"}


@pytest.mark.parametrize(
    ("options", "key", "reason"),
    [
        ({}, "token", "is required"),
        ({"token": "nonsense"}, "token", "does not look like a bot token"),
        ({"token": TOKEN, "mode": "push"}, "mode", "must be polling or webhook"),
        ({"token": TOKEN, "mode": "webhook"}, "webhook_url", "is required in webhook mode"),
        ({"token": TOKEN, "secret_token": "not ok!"}, "secret_token", "letters, digits"),
        ({"token": TOKEN, "agents_chat_id": "the agents"}, "agents_chat_id", "whole number"),
        ({"token": TOKEN, "tokn": "x"}, "tokn", "unknown key .did you mean"),
    ],
)
def test_wrong_options_name_the_file_and_the_key(
    options: dict[str, Any], key: str, reason: str
) -> None:
    where = rf"^config/bot\.yml: channels\.telegram\.{key}: "
    with pytest.raises(ConfigError, match=where + f".*{reason}"):
        read_options(options, "config/bot.yml")


def test_several_workers_need_the_webhook(tmp_path: Path) -> None:
    endpoints = tmp_path / "endpoints.yml"  # stores that several workers can share
    endpoints.write_text(
        "tracker_store: {type: SQL, dialect: postgresql, url: db, db: rasa}\n"
        "lock_store: {type: redis, url: r}\n"
    )
    environ = {"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_SERVER_WORKERS": "2"}
    environ.update(BOT_EVENTS_REDIS_URL="redis://r", BOT_DATABASE_URL="postgresql://db/bot")
    environ.update(BOT_ENGINE_ENDPOINTS=str(endpoints))
    with pytest.raises(ConfigError, match=r"channels\.telegram\.mode: several workers"):
        build_channels(load_settings("config/bot.yml", environ=environ))


def test_the_token_never_appears_in_an_error() -> None:
    with pytest.raises(ConfigError) as error:
        read_options({"token": TOKEN, "mode": "push"}, "config/bot.yml")
    assert TOKEN not in str(error.value)


def test_options_from_the_environment_are_converted() -> None:
    url = "https://bot.example/webhooks/telegram/webhook"
    given = {"token": TOKEN, "agents_chat_id": "-100", "mode": "webhook", "webhook_url": url}
    options = read_options(given, "x")
    assert options.agents_chat_id == -100
    assert len(options.secret) == 64  # derived from the token when not given


# Reading updates


def test_a_private_message() -> None:
    turn = READER.read(update(message=message(text="hello")))
    assert isinstance(turn, CustomerTurn)
    assert (turn.inbound.chat_id, turn.inbound.sender_id, turn.public) == ("42", "42", False)
    assert turn.inbound.message_id == "7" and turn.inbound.sender_name == "Jane Doe"
    assert turn.inbound.metadata["language"] == "en"


def test_the_senders_username_is_read_for_the_agents() -> None:
    jane = {**JANE, "username": "jane_doe"}
    turn = READER.read(update(message=message(text="hello", **{"from": jane})))
    assert isinstance(turn, CustomerTurn)
    assert (turn.inbound.sender_name, turn.inbound.sender_handle) == ("Jane Doe", "jane_doe")
    anonymous = READER.read(update(message=message(text="hello")))
    assert isinstance(anonymous, CustomerTurn) and anonymous.inbound.sender_handle is None


def test_a_group_message_is_public_and_keyed_by_its_author() -> None:
    turn = READER.read(update(message=message(GROUP, text="my parcel never came")))
    assert isinstance(turn, CustomerTurn) and turn.public
    assert turn.inbound.chat_id == "-1001234/42"
    metadata = turn.inbound.metadata
    assert metadata["public"] is True and metadata["addressed"] is False
    assert metadata["private_link"] == "https://t.me/FernhillTestBot?start=g-1001234"
    assert target_of(turn.inbound.chat_id).chat == -1001234


def test_a_comment_under_a_channel_post_speaks_to_the_brand() -> None:
    post = message(GROUP, text="New lamps!", is_automatic_forward=True, message_id=3)
    turn = READER.read(update(message=message(GROUP, text="mine broke", reply_to_message=post)))
    assert isinstance(turn, CustomerTurn) and turn.inbound.metadata["addressed"] is True


def test_the_automatic_copy_of_a_post_and_other_bots_are_ignored() -> None:
    assert READER.read(update(message=message(GROUP, text="x", is_automatic_forward=True))) is None
    robot = {"id": 9, "is_bot": True, "first_name": "Robot"}
    assert READER.read(update(message={**message(text="x"), "from": robot})) is None


def test_start_with_a_public_payload_continues_the_public_thread() -> None:
    turn = READER.read(update(message=message(text="/start g-1001234")))
    assert isinstance(turn, CustomerTurn)
    assert turn.inbound.metadata["command"] == "start"
    assert turn.inbound.metadata["continue_from"] == "-1001234/42"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("/help", "help"),
        ("/start", "start"),
        ("/settings", "help"),
        ("/help@FernhillTestBot", "help"),
    ],
)
def test_commands(text: str, command: str) -> None:
    turn = READER.read(update(message=message(text=text)))
    assert isinstance(turn, CustomerTurn) and turn.inbound.metadata["command"] == command


def test_commands_for_another_bot_are_plain_text() -> None:
    turn = READER.read(update(message=message(GROUP, text="/help@OtherBot")))
    assert isinstance(turn, CustomerTurn) and "command" not in turn.inbound.metadata


def test_an_edit_is_a_new_message_marked_edited() -> None:
    edited = message(text="how much is delivery?", edit_date=1_700_000_100)
    turn = READER.read(update(edited_message=edited))
    assert isinstance(turn, CustomerTurn)
    assert turn.inbound.message_id == "7.edit.1700000100" and turn.inbound.metadata["edited"]


@pytest.mark.parametrize(
    ("content", "text", "kind"),
    [
        (
            {
                "photo": [
                    {"file_id": "s", "file_unique_id": "s1", "width": 9, "height": 9},
                    {"file_id": "L", "file_unique_id": "L1", "width": 99, "height": 99},
                ]
            },
            "[photo]",
            "photo",
        ),
        (
            {
                "sticker": {
                    "file_id": "S",
                    "file_unique_id": "S1",
                    "width": 1,
                    "height": 1,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                    "emoji": "😀",
                }
            },
            "[sticker 😀]",
            "sticker",
        ),
        (
            {"voice": {"file_id": "V", "file_unique_id": "V1", "duration": 3}},
            "[voice message]",
            "voice message",
        ),
        (
            {
                "document": {"file_id": "D", "file_unique_id": "D1", "file_name": "receipt.pdf"},
                "caption": "my receipt",
            },
            "[document] my receipt",
            "document",
        ),
        (
            {"location": {"latitude": 51.5, "longitude": -0.12}},
            "[location 51.50000, -0.12000]",
            "location",
        ),
    ],
)
def test_messages_without_text(content: dict[str, Any], text: str, kind: str) -> None:
    turn = READER.read(update(message=message(**content)))
    assert isinstance(turn, CustomerTurn) and turn.inbound.text == text
    attachment = turn.inbound.metadata["attachment"]
    assert attachment["kind"] == kind
    if kind == "photo":
        assert attachment["file_id"] == "L"  # the largest size


def test_blocking_and_unblocking_the_bot() -> None:
    def member(status: str) -> dict[str, Any]:
        bot = {"id": 7000001, "is_bot": True, "first_name": "Fernhill"}
        extra = {"until_date": 0} if status == "kicked" else {}
        return {
            "chat": PRIVATE, "from": JANE, "date": 1_700_000_000,
            "old_chat_member": {"user": bot, "status": "member"},
            "new_chat_member": {"user": bot, "status": status, **extra},
        }  # fmt: skip

    assert READER.read(update(my_chat_member=member("kicked"))) == BlockChange(42, True)
    assert READER.read(update(my_chat_member=member("member"))) == BlockChange(42, False)


def test_messages_in_the_agents_group_go_to_the_desk() -> None:
    agents = {"id": -900, "type": "supergroup", "title": "Agents"}
    post = message(agents, text="#1 needs a person", message_id=5)
    turn = READER.read(update(message=message(agents, text="On it", reply_to_message=post)))
    assert turn == DeskTurn(42, "On it", 7, 5)
    assert desk_command("/claim@FernhillTestBot") == "claim" and desk_command("hi") is None


# Sending


def stored(text: str, author: Author = Author.BOT, **payload: Any) -> StoredMessage:
    moment = datetime.now(timezone.utc)
    return StoredMessage(1, 1, author, text, moment, payload=payload or None)


def test_an_agent_signs_and_html_is_escaped() -> None:
    message = stored("Your <order> & refund", Author.AGENT, agent_name="Maya <3")
    assert format_message(message) == ["<b>Maya &lt;3</b>: Your &lt;order&gt; &amp; refund"]
    assert format_message(stored("a < b")) == ["a &lt; b"]


def test_long_texts_are_split_at_words() -> None:
    pieces = split_text("word " * 2000, 4096)
    assert len(pieces) == 3 and all(len(piece) <= 4096 for piece in pieces)
    assert " ".join(pieces).split() == ["word"] * 2000


class Calls:
    """A Bot API call that fails as told, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.count = 0
        self.slept: list[float] = []

    async def __call__(self) -> str:
        self.count += 1
        if self.errors:
            raise self.errors.pop(0)
        return "sent"

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


async def test_flood_control_is_waited_out() -> None:
    call = Calls(RetryAfter(3), RetryAfter(timedelta(seconds=1)))
    assert await with_retries(call, RetryPolicy(), "send", sleep=call.sleep) == "sent"
    assert call.slept == [3.0, 1.0]


async def test_network_failures_back_off_then_give_up() -> None:
    call = Calls(NetworkError("down"), TimedOut(), NetworkError("down"))
    assert await with_retries(call, RetryPolicy(), "send", sleep=call.sleep) == "sent"
    assert call.slept == [0.5, 1.0, 2.0]
    failing = Calls(*[NetworkError("down")] * 5)
    with pytest.raises(CannotPush, match="failed 3 times"):
        await with_retries(failing, RetryPolicy(attempts=3), "send", sleep=failing.sleep)
    assert failing.count == 3


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), Blocked),
        (BadRequest("no"), CannotPush),
    ],
)
async def test_refusals_are_not_retried(error: Exception, kind: type[Exception]) -> None:
    call = Calls(error)
    with pytest.raises(kind):
        await with_retries(call, RetryPolicy(), "send", sleep=call.sleep)
    assert call.count == 1 and call.slept == []


# State


async def test_channel_state_and_blocked_customers(store: Database, tmp_path: Path) -> None:
    state = ChannelStore(store.engine, "telegram")
    assert await state.get("offset") is None
    await state.put("offset", "10")
    await state.put("offset", "11")
    assert await state.get("offset") == "11"
    assert await state.add("update:1", "done") and not await state.add("update:1", "done")
    assert await ChannelStore(store.engine, "other").get("offset") is None
    later = datetime.now(timezone.utc) + timedelta(seconds=5)
    assert await state.forget_older("update:", later) == 1
    assert await state.get("offset") == "11"

    from bot.messages import Inbound

    await store.messages.record_inbound(Inbound("telegram", "42", "42", "hi", "1"))
    assert await state.blocked_at("42") is None
    await state.set_blocked("42", True)
    assert await state.blocked_at("42") is not None
    await state.set_blocked("42", False)
    assert await state.blocked_at("42") is None
