"""Telegram end to end in webhook mode: the fake Bot API POSTs updates to the app."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from tests.fake_telegram import TOKEN, Customer, FakeTelegram, Json
from tests.servers import LiveServer, free_port, live_server, variants

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
    url = f"{server.url}/webhooks/telegram/webhook"
    return httpx.post(url, json=update, headers=headers, timeout=60)


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
