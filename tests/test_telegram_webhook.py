"""Telegram end to end in webhook mode: the fake Bot API POSTs updates to the app."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fake_telegram import TOKEN, Customer, FakeTelegram, Json
from tests.servers import LiveServer, free_port, live_server, variants
from tests.test_fuzz_channels import ANY_TEXT, JSON
from tests.test_rest_channel import stored_messages

SECRET = "s3cret-Token_for-the-webhook"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, fake: FakeTelegram) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("telegram-webhook")
    port = free_port()
    env = {
        **fake.env(),
        "BOT_CHANNELS_TELEGRAM_MODE": "webhook",
        "BOT_CHANNELS_TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/webhooks/telegram/webhook",
        "BOT_CHANNELS_TELEGRAM_SECRET_TOKEN": SECRET,
    }
    database = f"sqlite:///{workdir / 'bot.db'}"
    with live_server(workdir, database, extra_env=env, port=port) as running:
        yield running


def post(server: LiveServer, update: Json, secret: str | None) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    headers["Content-Type"] = "application/json"
    url = f"{server.url}/webhooks/telegram/webhook"
    # json.dumps escapes what UTF-8 cannot carry (a lone surrogate), as Telegram would
    return httpx.post(url, content=json.dumps(update), headers=headers, timeout=60)


def test_the_webhook_is_registered_with_its_secret(server: LiveServer, fake: FakeTelegram) -> None:
    assert fake.webhook is not None
    assert fake.webhook["url"] == f"{server.url}/webhooks/telegram/webhook"
    assert fake.webhook["secret_token"] == SECRET
    assert "getUpdates" not in {method for method, _ in fake.calls}


def test_updates_posted_to_the_webhook_are_answered(server: LiveServer, fake: FakeTelegram) -> None:
    customer = Customer(fake)
    customer.say("hello there")
    customer.say("/help")
    greeting, help_text = customer.texts()
    assert greeting in variants("utter_greet") and help_text in variants("utter_command_help")


def test_a_call_without_the_secret_is_refused(server: LiveServer, fake: FakeTelegram) -> None:
    customer = Customer(fake)
    update = {"update_id": 1, "message": fake.message(customer.chat, customer.user, "hello")}
    assert post(server, update, None).status_code == 403
    assert post(server, update, "guess").status_code == 403
    assert customer.texts() == []
    # With the secret, an unreadable update is dropped with 200: Telegram would resend it.
    dropped = post(server, {"update_id": "x"}, SECRET)
    assert dropped.status_code == 200 and "update_id" in dropped.json()["dropped"]


def test_a_repeated_delivery_is_answered_once(server: LiveServer, fake: FakeTelegram) -> None:
    customer = Customer(fake)
    update = customer.say("hello there")
    fake.again(update)
    fake.wait_handled(update)
    assert len(customer.texts()) == 1

    twice = {"update_id": update["update_id"] + 10_000, "message": fake.message(
        customer.chat, customer.user, "how much is delivery?")}  # fmt: skip
    statuses: list[int] = []
    calls = [
        threading.Thread(target=lambda: statuses.append(post(server, twice, SECRET).status_code))
        for _ in range(2)
    ]
    for call in calls:
        call.start()
    for call in calls:
        call.join()
    assert statuses == [200, 200]
    assert len(customer.texts()) == 2 and customer.texts()[-1] in variants("utter_delivery_costs")


def test_an_unreadable_update_is_dropped_with_200(server: LiveServer, fake: FakeTelegram) -> None:
    before = stored_messages(server)
    deep = httpx.post(
        f"{server.url}/webhooks/telegram/webhook",
        content=b'{"update_id": 5, "message": ' + b"[" * 1000 + b"]" * 1000 + b"}",
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )
    assert deep.status_code == 200 and "nested" in deep.json()["dropped"]
    customer = Customer(fake)
    update = {"update_id": 7_000_001, "message": fake.message(customer.chat, customer.user, "hi")}
    update["message"]["text"] = "hi \ud800"
    surrogate = post(server, update, SECRET)
    assert surrogate.status_code == 200 and "U+D800" in surrogate.json()["dropped"]
    assert stored_messages(server) == before and customer.texts() == []


UPDATE_IDS = st.integers(8_000_000, 9_000_000)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_updates_never_break_the_webhook(
    server: LiveServer, fake: FakeTelegram, data: st.DataObject
) -> None:
    customer = Customer(fake)
    message = fake.message(customer.chat, customer.user, "hello")
    fuzzed = data.draw(st.dictionaries(st.sampled_from(sorted(message)), JSON, max_size=3))
    update: Any = data.draw(
        st.one_of(
            st.builds(lambda i: {"update_id": i, "message": {**message, **fuzzed}}, UPDATE_IDS),
            st.builds(lambda i, text: {"update_id": i, "message": {**message, "text": text}},
                      UPDATE_IDS, ANY_TEXT),
            JSON,
        )
    )  # fmt: skip
    before = stored_messages(server)
    reply = post(server, update, SECRET)
    assert reply.status_code == 200, reply.text  # never a reason for Telegram to resend
    if "dropped" in reply.json():
        assert stored_messages(server) == before
