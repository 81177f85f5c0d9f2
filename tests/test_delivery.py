"""The outbox on the REST channel: what an agent or a notice says waits until delivered.

A REST customer can only be reached in the response to their next message, so what
agents and notices say waits in the store until then; a failing answer (here the
engine's reply time-out, with the order lookup stalled for real) must leave it
waiting, and a resolve's last words must reach a customer whose next message opens
a new thread.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import store_url
from tests.servers import LiveServer, live_server, variants
from tests.test_handoff_flow import Agent

REPLY_TIMEOUT_SECONDS = 1  # a stalled answer fails after it; a warm engine answers well within
ASK_FOR_A_PERSON = "I want to talk to a real person, please"


@pytest.fixture(scope="module")
def stall_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """While this file exists, the order lookup stalls (tests/stalling_actions)."""
    return tmp_path_factory.mktemp("stall") / "stall"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def stalling_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, stall_file: Path
) -> Iterator[LiveServer]:
    """The bot with the stallable order lookup and a short reply time-out."""
    workdir = tmp_path_factory.mktemp(f"delivery-{request.param}")
    env = {
        "BOT_PROJECT_ACTIONS": "tests.stalling_actions",
        "STALL_FILE": str(stall_file),
        "BOT_ENGINE_REPLY_TIMEOUT_SECONDS": str(REPLY_TIMEOUT_SECONDS),
        # The stalled lookup outlasts the reply time-out, so the engine fails (503)
        # instead of handing over with an apology (tests/test_engine_faults.py).
        "BOT_ENGINE_ACTION_TIMEOUT_SECONDS": str(10 * REPLY_TIMEOUT_SECONDS),
    }
    with ExitStack() as stack:
        url = stack.enter_context(store_url(request.param, workdir))
        server = stack.enter_context(live_server(workdir, url, extra_env=env))
        warm_up(server)
        yield server


def warm_up(server: LiveServer) -> None:
    """A first conversation, so that no test's answer pays for the engine's first one."""
    for _ in range(3):
        if RestCustomer(server).send("hello").status_code == 200:
            return
    raise AssertionError(f"the server does not answer within {REPLY_TIMEOUT_SECONDS} s")


class RestCustomer:
    """A customer on the REST channel whose every message carries an id."""

    def __init__(self, server: LiveServer) -> None:
        self.url = f"{server.url}/webhooks/rest/webhook"
        self.sender = f"outbox-{uuid.uuid4().hex[:10]}"

    def send(self, text: str, message_id: str | None = None) -> httpx.Response:
        body = {
            "sender": self.sender,
            "message": text,
            "message_id": message_id or uuid.uuid4().hex,
        }
        return httpx.post(self.url, json=body, timeout=60)

    def texts(self, text: str) -> list[str]:
        reply = self.send(text)
        assert reply.status_code == 200, reply.text
        return [answer["text"] for answer in reply.json()]


def waiting_thread(supervisor: Agent, customer: RestCustomer) -> dict[str, Any]:
    (thread,) = [t for t in supervisor.queue() if t["chat_id"] == customer.sender]
    return thread


def escalate_and_claim(server: LiveServer, customer: RestCustomer) -> tuple[Agent, int]:
    """The customer asks for a person; Ana (offline, so it queues) claims the thread."""
    ana, sam = Agent(server, "ana"), Agent(server, "sam")
    for agent in (ana, sam):
        agent.presence("offline")
    assert customer.texts(ASK_FOR_A_PERSON)  # told they are queued
    thread_id = waiting_thread(sam, customer)["id"]
    ana.call("POST", f"/threads/{thread_id}/claim")
    return ana, thread_id


def test_an_agents_reply_survives_two_failed_answers(
    stalling_server: LiveServer, stall_file: Path
) -> None:
    customer = RestCustomer(stalling_server)
    ana, thread_id = escalate_and_claim(stalling_server, customer)
    ana.call("POST", f"/threads/{thread_id}/reply", 201, text="Your refund is on its way.")
    ana.call("POST", f"/threads/{thread_id}/hand-back")

    stall_file.touch()
    try:
        failing_id = uuid.uuid4().hex
        first = customer.send("where is my order FH-10234?", failing_id)
        retry = customer.send("where is my order FH-10234?", failing_id)
    finally:
        stall_file.unlink()
    assert (first.status_code, retry.status_code) == (503, 503), (first.text, retry.text)
    assert "no answer within" in first.json()["error"]

    texts = customer.texts("when are you open?")
    assert texts[1] == "Your refund is on its way.", texts
    assert texts[0] in {t.format(agent="Ana") for t in variants("utter_handoff_assigned")}
    assert texts[2] in {t.format(agent="Ana") for t in variants("utter_handed_back")}
    assert texts[3:]  # and the bot's answer to the question
    again = customer.texts("how much is delivery?")
    assert "Your refund is on its way." not in again  # delivered once


def test_a_resolve_delivers_the_last_reply_and_the_rating_question_to_a_new_thread(
    stalling_server: LiveServer,
) -> None:
    customer = RestCustomer(stalling_server)
    ana, thread_id = escalate_and_claim(stalling_server, customer)
    ana.call("POST", f"/threads/{thread_id}/reply", 201, text="A new lamp ships today.")
    ana.call("POST", f"/threads/{thread_id}/resolve")

    texts = customer.texts("when are you open?")  # not a rating: a new thread opens
    resolved = {t.format(agent="Ana") for t in variants("utter_handoff_resolved")}
    assert texts[1] == "A new lamp ships today.", texts
    assert texts[2] in resolved
    assert texts[3:]  # the bot answers the question in the new thread
    assert "A new lamp ships today." not in customer.texts("how much is delivery?")


def read_events(server: LiveServer, chat_id: str, after: int, count: int) -> list[dict[str, Any]]:
    """The first `count` messages a new event stream of the chat sends."""
    events: list[dict[str, Any]] = []
    params = {"chat_id": chat_id, "after": str(after)}
    with httpx.stream("GET", f"{server.url}/chat/api/events", params=params, timeout=30) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))
                if len(events) == count:
                    return events
    return events


def test_web_chat_offers_a_message_until_the_page_acknowledges_it(
    stalling_server: LiveServer,
) -> None:
    chat_id = f"outbox{uuid.uuid4().hex}"
    api = f"{stalling_server.url}/chat/api"
    said = httpx.post(f"{api}/messages", json={"chat_id": chat_id, "text": ASK_FOR_A_PERSON})
    assert said.status_code == 200, said.text
    notices = said.json()["replies"]  # nobody online: when, and how to leave a contact
    assert notices
    ana, sam = Agent(stalling_server, "ana"), Agent(stalling_server, "sam")
    (thread,) = [t for t in sam.queue() if t["chat_id"] == chat_id]
    ana.call("POST", f"/threads/{thread['id']}/claim")  # no page open: the notice waits
    reply = ana.call("POST", f"/threads/{thread['id']}/reply", 201, text="Hello from Ana.")

    # A stream resuming after the reply still gets the notices, the claim's and the
    # reply: none was acknowledged.
    count = len(notices) + 2
    offered = read_events(stalling_server, chat_id, after=reply["id"], count=count)
    assert [m["id"] for m in offered] == sorted(m["id"] for m in offered)
    assert [m["id"] for m in offered[: len(notices)]] == [m["id"] for m in notices]
    assert offered[-1]["text"] == "Hello from Ana."

    acks = {"chat_id": chat_id, "ids": [m["id"] for m in offered]}
    assert httpx.post(f"{api}/acks", json=acks).json() == {"acknowledged": count}
    assert httpx.post(f"{api}/acks", json=acks).json() == {"acknowledged": 0}
    other_chat = {"chat_id": f"other{uuid.uuid4().hex}", "ids": acks["ids"]}
    assert httpx.post(f"{api}/acks", json=other_chat).json() == {"acknowledged": 0}
    for bad in ({"chat_id": chat_id, "ids": "1"}, {"chat_id": chat_id, "ids": [True]}, {}):
        refused = httpx.post(f"{api}/acks", json=bad)
        assert refused.status_code == 400 and "error" in refused.json()

    later: list[dict[str, Any]] = []
    listener = threading.Thread(
        target=lambda: later.extend(read_events(stalling_server, chat_id, reply["id"], 1))
    )
    listener.start()
    # Acknowledged, nothing is offered again: the stream's first message is a new one.
    while listener.is_alive() and not later:
        ana.call("POST", f"/threads/{thread['id']}/reply", 201, text="Still there?")
        listener.join(1)
    assert later and later[0]["text"] == "Still there?"
