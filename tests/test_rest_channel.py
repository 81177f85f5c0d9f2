"""rasa's REST channel through the real server, on SQLite and PostgreSQL stores."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from bot.bench.client import parse_server_timing
from bot.channels.rest import RestChannel
from bot.config import Settings
from bot.store import Database
from bot.store.schema import messages, threads
from core.errors import ConfigError
from tests.servers import LiveServer, variants


def send(server: LiveServer, payload: Any, **options: Any) -> httpx.Response:
    body = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return httpx.post(
        f"{server.url}/webhooks/rest/webhook",
        content=body,
        headers={"Content-Type": "application/json"},
        timeout=60,
        **options,
    )


def say(server: LiveServer, sender: str, text: str) -> list[str]:
    reply = send(server, {"sender": sender, "message": text})
    assert reply.status_code == 200, reply.text
    assert all(answer["recipient_id"] == sender for answer in reply.json())
    return [answer["text"] for answer in reply.json()]


def stored_messages(server: LiveServer) -> int:
    async def count() -> int:
        store = Database.connect(server.database_url)
        try:
            return await store.messages.count(messages)
        finally:
            await store.close()

    return asyncio.run(count())


def new_sender() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def test_routine_questions_are_answered_from_the_templates(server: LiveServer) -> None:
    sender = new_sender()
    assert say(server, sender, "hello there")[0] in variants("utter_greet")
    assert say(server, sender, "when is customer service open?")[0] in variants(
        "utter_opening_hours"
    )
    assert say(server, sender, "how much is delivery?")[0] in variants("utter_delivery_costs")


def test_order_status_asks_for_the_number_and_looks_it_up(server: LiveServer) -> None:
    sender = new_sender()
    (question,) = say(server, sender, "where is my order?")
    assert question in variants("utter_ask_order_number")
    answer = " ".join(say(server, sender, "it's FH-10234"))
    assert "FH-10234" in answer


def test_an_unknown_order_number_is_reported(server: LiveServer) -> None:
    answer = say(server, new_sender(), "where is order FH-99999?")
    assert answer and answer[0] in variants("utter_order_not_found")


def test_a_repeated_delivery_is_answered_once_with_the_same_answers(server: LiveServer) -> None:
    before = stored_messages(server)
    payload = {"sender": new_sender(), "message": "hi", "message_id": "m-1"}
    first = send(server, payload)
    second = send(server, payload)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert stored_messages(server) == before + 1 + len(first.json())


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"sender": "x", "message": ""}, 400, "field 'message' is empty"),
        ({"sender": "x", "message": "   "}, 400, "field 'message' is empty"),
        ({"sender": "x", "message": "a" * 5000}, 413, "5000 characters long; the limit is 4096"),
        ({"sender": "x"}, 400, "missing field(s): message"),
        ({"message": "hi"}, 400, "missing field(s): sender"),
        ({"sender": "x", "message": "hi", "colour": "red"}, 400, "unknown field(s): colour"),
        ({"sender": "x", "message": 42}, 400, "field 'message' must be a string"),
        ({"sender": ["x"], "message": "hi"}, 400, "field 'sender' must be a string or a number"),
        ({"sender": "x", "message": "hi", "metadata": 3}, 400, "'metadata' must be a JSON object"),
        ([1, 2], 400, "the body must be a JSON object, got array"),
        (b"{not json", 400, "the body is not valid JSON"),
        (b"", 400, "the body is not valid JSON"),
    ],
)
def test_bad_input_gets_a_clear_error_and_nothing_is_stored(
    server: LiveServer, body: Any, status: int, error: str
) -> None:
    before = stored_messages(server)

    reply = send(server, body)

    assert reply.status_code == status
    assert error in reply.json()["error"]
    assert stored_messages(server) == before
    assert say(server, new_sender(), "hello")  # and the server keeps serving


def test_a_huge_body_is_refused_before_it_is_read(server: LiveServer) -> None:
    reply = send(server, {"sender": "x", "message": "a" * 100_000})
    assert reply.status_code == 413
    assert "over the limit of 65536 bytes" in reply.json()["error"]


def test_an_unknown_channel_is_named(server: LiveServer) -> None:
    reply = httpx.post(f"{server.url}/webhooks/fax/webhook", json={"sender": "a"})
    assert reply.status_code == 404
    assert reply.json()["error"] == "unknown channel 'fax'; enabled channels: rest, webchat"


# What a routine turn (the engine answering, with a custom action) reports.
TURN_STAGES = {
    "channel.parse",
    "store.inbound",
    "store.context",
    "pipeline.language",
    "engine.nlu",
    "pipeline.decide",
    "engine.lock",
    "engine.tracker_read",
    "engine.policies",
    "engine.actions",
    "engine.tracker_write",
    "store.replies",
    "store.outbox",
    "delivery",
}


def test_answers_say_where_their_time_went_in_a_server_timing_header(
    server: LiveServer,
) -> None:
    sender = new_sender()
    say(server, sender, "where is my order?")
    reply = send(server, {"sender": sender, "message": f"it's FH-10234 ({uuid.uuid4().hex})"})

    assert reply.status_code == 200 and "FH-10234" in reply.text
    timings = parse_server_timing(reply.headers["Server-Timing"])
    assert set(timings) >= TURN_STAGES
    assert "store.orders" in timings and "engine.encoder" in timings  # a new text: encoded
    assert "store.annotate" not in timings  # kept with the answers, in store.replies
    assert all(ms >= 0 for ms in timings.values())
    turn = sum(ms for stage, ms in timings.items() if stage != "engine.encoder")
    assert turn < 60_000 and timings["engine.encoder"] <= timings["engine.nlu"]


def test_the_timing_header_is_off_unless_switched_on_and_a_bad_switch_names_its_key() -> None:
    assert RestChannel.from_settings({}, Settings()).server_timing is False
    assert RestChannel.from_settings({"server_timing": "true"}, Settings()).server_timing
    assert RestChannel.from_settings({"server_timing": False}, Settings()).server_timing is False
    with pytest.raises(ConfigError, match=r"channels\.rest\.server_timing: must be true or false"):
        RestChannel.from_settings({"server_timing": "sometimes"}, Settings())


def test_a_refused_message_reports_no_stages(server: LiveServer) -> None:
    reply = send(server, {"sender": new_sender(), "message": "   "})
    assert reply.status_code == 400
    assert "store.inbound" not in reply.headers.get("Server-Timing", "")


def test_rasa_channel_health_and_app_health(server: LiveServer) -> None:
    assert httpx.get(f"{server.url}/webhooks/rest/").json() == {"status": "ok"}
    health = httpx.get(f"{server.url}/health").json()
    assert health["status"] == "ok" and health["model"].startswith("model-")


def test_fifty_concurrent_conversations_all_get_answers(server: LiveServer) -> None:
    async def conversation(client: httpx.AsyncClient, sender: str) -> list[int]:
        statuses = []
        for text in ("hi", "what payment methods do you take?", "thanks, bye"):
            reply = await client.post(
                f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
            )
            statuses.append(reply.status_code if reply.json() else 0)
        return statuses

    async def run_all() -> list[list[int]]:
        limits = httpx.Limits(max_connections=100)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            return await asyncio.gather(*(conversation(client, new_sender()) for _ in range(50)))

    results = asyncio.run(run_all())
    assert all(status == 200 for statuses in results for status in statuses)


def test_the_server_answers_health_checks_while_the_model_works(server: LiveServer) -> None:
    async def run() -> int:
        async with httpx.AsyncClient(timeout=120) as client:
            load = [
                asyncio.create_task(
                    client.post(
                        f"{server.url}/webhooks/rest/webhook",
                        json={"sender": new_sender(), "message": "where are your stores?"},
                    )
                )
                for _ in range(40)
            ]
            await asyncio.sleep(0.05)
            health = await client.get(f"{server.url}/health")
            still_working = sum(not task.done() for task in load)
            await asyncio.gather(*load)
            assert health.status_code == 200
            return still_working

    assert asyncio.run(run()) > 0


def public_and_private_threads(
    server: LiveServer, public_chat: str, sender: str
) -> tuple[Any, Any, list[str]]:
    async def read() -> tuple[Any, Any, list[str]]:
        store = Database.connect(server.database_url)
        try:
            async with store.engine.connect() as conn:
                public = (
                    await conn.execute(
                        sa.select(threads).where(threads.c.chat_id == f"{public_chat}/{sender}")
                    )
                ).one()
                private = (
                    await conn.execute(sa.select(threads).where(threads.c.chat_id == sender))
                ).first()
            moves = [move.reason or "" for move in await store.threads.moves(public.id)]
            return public, private, moves
        finally:
            await store.close()

    return asyncio.run(read())


def test_a_public_complaint_is_answered_in_public_and_followed_to_a_private_chat(
    server: LiveServer,
) -> None:
    sender, group = new_sender(), f"group-{uuid.uuid4().hex[:6]}"
    link = f"https://example.test/dm?from={group}"
    complaint = {
        "sender": sender,
        "chat": group,
        "message": "Your delivery is a joke: my order is two weeks late and nobody answers me!",
        "metadata": {"public": True, "private_link": link, "language": "en"},
    }
    answered = send(server, complaint)
    assert answered.status_code == 200, answered.text
    (public_answer,) = [reply["text"] for reply in answered.json()]
    assert public_answer in {t.format(link=link) for t in variants("utter_public_complaint")}
    followed = {
        "sender": sender,
        "message": "hello, it's about my late order",
        "metadata": {"continue_from": group},
    }
    assert send(server, followed).status_code == 200
    public, private, moves = public_and_private_threads(server, group, sender)
    assert private is not None
    assert public.public and public.closed_at is not None
    assert any(reason.startswith(f"continued privately in thread {private.id}") for reason in moves)
    assert private.escalated_at == public.escalated_at  # the wait counts from the public complaint
    assert private.escalation_reason.startswith(f"continued from public thread {public.id}")


def test_following_a_chat_that_is_not_the_senders_own_continues_nothing(
    server: LiveServer,
) -> None:
    owner, stranger, group = new_sender(), new_sender(), f"group-{uuid.uuid4().hex[:6]}"
    complaint = {
        "sender": owner,
        "chat": group,
        "message": "This is unacceptable, I was charged twice and nobody replies!",
        "metadata": {"public": True, "private_link": "https://example.test/dm"},
    }
    assert send(server, complaint).status_code == 200
    # Another sender naming the same group reaches only their own thread there: nothing to carry.
    hijack = {"sender": stranger, "message": "hello", "metadata": {"continue_from": group}}
    assert send(server, hijack).status_code == 200
    public, _, moves = public_and_private_threads(server, group, owner)
    assert public.closed_at is None
    assert not any(reason.startswith("continued privately") for reason in moves)
    assert send(server, {**complaint, "chat": ["not", "text"]}).status_code == 400
