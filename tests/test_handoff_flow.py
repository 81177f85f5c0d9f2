"""Handoff end to end, through the real server: customers on REST, agents on their API."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from tests.servers import LiveServer, variants

COMPLAINT = "This is ridiculous, my lamp arrived smashed and nobody answers my emails!!!"
AGENTS = ("ana", "ben", "cleo", "sam")


class Agent:
    """One agent using the agents' API."""

    def __init__(self, server: LiveServer, login: str) -> None:
        self.login = login
        self.http = httpx.Client(
            base_url=f"{server.url}/agents/api",
            headers={"Authorization": f"Bearer {server.token(login)}"},
            timeout=60,
        )

    def call(self, method: str, path: str, expect: int = 200, **body: Any) -> Any:
        reply = self.http.request(method, path, json=body if method == "POST" else None)
        assert reply.status_code == expect, f"{method} {path}: {reply.status_code} {reply.text}"
        return reply.json()

    def presence(self, value: str) -> None:
        self.call("POST", "/presence", presence=value)

    def queue(self) -> list[dict[str, Any]]:
        return self.call("GET", "/queue")  # type: ignore[no-any-return]

    def thread(self, thread_id: int) -> dict[str, Any]:
        return self.call("GET", f"/threads/{thread_id}")  # type: ignore[no-any-return]


class Customer:
    """A customer on rasa's REST channel."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.sender = f"customer-{uuid.uuid4().hex[:10]}"

    def say(self, text: str) -> list[dict[str, Any]]:
        reply = httpx.post(
            f"{self.server.url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        return reply.json()  # type: ignore[no-any-return]

    def texts(self, text: str) -> list[str]:
        return [answer["text"] for answer in self.say(text)]


@pytest.fixture
def agents(server: LiveServer) -> dict[str, Agent]:
    return {login: Agent(server, login) for login in AGENTS}


@pytest.fixture
def team(agents: dict[str, Agent]) -> Iterator[dict[str, Agent]]:
    """All agents offline and no thread left with people, before and after each test."""
    clear(agents)
    yield agents
    clear(agents)


def clear(agents: dict[str, Agent]) -> None:
    for agent in agents.values():
        agent.presence("offline")
    for thread in agents["sam"].queue():
        agents["sam"].call("POST", f"/threads/{thread['id']}/resolve")


def thread_of(agent: Agent, customer: Customer) -> dict[str, Any]:
    supervisor_view = [t for t in agent.queue() if t["chat_id"] == customer.sender]
    assert len(supervisor_view) == 1, supervisor_view
    return supervisor_view[0]


def test_a_complaint_goes_to_a_named_agent_and_comes_back_to_the_bot(
    server: LiveServer, team: dict[str, Agent]
) -> None:
    ana = team["ana"]
    ana.presence("online")
    customer = Customer(server)

    answer = " ".join(customer.texts(COMPLAINT))
    assert "Ana" in answer

    (thread,) = [t for t in ana.queue() if t["chat_id"] == customer.sender]
    assert thread["state"] == "with_agent" and thread["agent"] == "Ana"
    assert "complaint" in thread["escalation"]["reason"]
    assert thread["escalation"]["score"] >= 0.5

    ana.call("POST", f"/threads/{thread['id']}/reply", 201, text="I'm so sorry, I'll fix this.")
    later = customer.say("ok, thank you")
    assert [(m["text"], m["agent_name"]) for m in later] == [
        ("I'm so sorry, I'll fix this.", "Ana")
    ]
    transcript = ana.thread(thread["id"])["messages"]
    assert [m["author"] for m in transcript[-2:]] == ["agent", "customer"]  # the bot kept quiet

    ana.call("POST", f"/threads/{thread['id']}/hand-back")
    back = customer.texts("when is customer service open?")
    assert back[0]  # the hand-back notice comes first
    assert len(back) >= 2  # then the bot's own answer
    ana.call("GET", f"/threads/{thread['id']}", 404)  # the bot's again: not hers to see
    events = [e["event"] for e in team["sam"].thread(thread["id"])["events"]]
    assert events == ["escalate", "assign", "hand_back"]


def test_nobody_free_means_a_queue_with_position_then_assignment(
    server: LiveServer, team: dict[str, Agent]
) -> None:
    ana = team["ana"]
    ana.presence("online")
    first, second, third = Customer(server), Customer(server), Customer(server)
    for customer in (first, second):
        assert "Ana" in " ".join(customer.texts(COMPLAINT))

    waiting = " ".join(third.texts(COMPLAINT))
    assert "1" in waiting and "minute" in waiting  # position 1, an estimated wait
    queued = thread_of(team["sam"], third)
    assert queued["state"] == "queued" and queued["agent"] is None

    ana.call("POST", f"/threads/{thread_of(team['sam'], first)['id']}/resolve")
    assigned = thread_of(team["sam"], third)
    assert assigned["state"] == "with_agent" and assigned["agent"] == "Ana"
    assert "Ana" in " ".join(third.texts("hello?"))  # the notice waited for them


def test_nobody_online_in_working_hours_means_the_message_waits(
    server: LiveServer, team: dict[str, Agent]
) -> None:
    customer = Customer(server)
    answer = customer.texts("I want to talk to a real person please")
    assert answer, "the customer must be told that nobody is online"
    assert answer[-2] in variants("utter_handoff_unstaffed")
    assert answer[-1] in variants("utter_handoff_leave_contact")  # how to be reached meanwhile
    assert thread_of(team["sam"], customer)["state"] == "queued"


def test_outside_working_hours_the_customer_is_told_when_someone_answers(
    closed_server: LiveServer,
) -> None:
    refused = Agent(closed_server, "ana").call("POST", "/presence", 409, presence="online")
    assert refused["error"].startswith("you are off shift (your hours: ")
    customer = Customer(closed_server)
    answer, offer = customer.texts("I want to talk to a real person please")
    workday = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%A")
    assert f"on {workday} at 09:00 UTC" in answer
    assert offer in variants("utter_handoff_leave_contact")
    assert thread_of(Agent(closed_server, "sam"), customer)["state"] == "queued"


def test_transfer_to_another_agent(server: LiveServer, team: dict[str, Agent]) -> None:
    ana, ben = team["ana"], team["ben"]
    ana.presence("online")
    customer = Customer(server)
    customer.say(COMPLAINT)
    thread = thread_of(ana, customer)
    ben.presence("online")

    moved = ana.call("POST", f"/threads/{thread['id']}/transfer", agent="ben", reason="returns")
    assert moved["agent"] == "Ben"
    ana.call("POST", f"/threads/{thread['id']}/reply", 403, text="still me?")
    ben.call("POST", f"/threads/{thread['id']}/reply", 201, text="Ben here.")
    texts = customer.texts("hi Ben")
    assert any("Ben" in text for text in texts[:-1]) and texts[-1] == "Ben here."


def test_an_agent_going_offline_puts_their_threads_back_in_the_queue(
    server: LiveServer, team: dict[str, Agent]
) -> None:
    ana, ben = team["ana"], team["ben"]
    ana.presence("online")
    customer = Customer(server)
    customer.say(COMPLAINT)
    assert thread_of(ana, customer)["agent"] == "Ana"
    ben.presence("online")

    ana.presence("offline")

    thread = thread_of(team["sam"], customer)
    assert thread["agent"] == "Ben"
    events = [e["event"] for e in ben.thread(thread["id"])["events"]]
    assert events[-2:] == ["requeue", "assign"]


def test_resolve_asks_for_a_rating_and_stores_it(
    server: LiveServer, team: dict[str, Agent]
) -> None:
    ana = team["ana"]
    ana.presence("online")
    customer = Customer(server)
    customer.say(COMPLAINT)
    thread = thread_of(ana, customer)
    ana.call("POST", f"/threads/{thread['id']}/resolve")

    question, thanks = customer.texts("4")
    assert "5" in question  # "... from 1 to 5"
    assert thanks
    stored = team["sam"].thread(thread["id"])
    assert stored["rating"] == 4 and stored["state"] == "resolved"
    assert customer.texts("hi again")  # a new thread, answered by the bot
    assert all(t["chat_id"] != customer.sender for t in team["sam"].queue())


def test_two_agents_claiming_at_once_exactly_one_wins(
    server: LiveServer, team: dict[str, Agent]
) -> None:
    customer = Customer(server)
    customer.say("I need a human agent now")
    thread_id = thread_of(team["sam"], customer)["id"]
    ana, ben = team["ana"], team["ben"]
    results: dict[str, int] = {}
    start = threading.Barrier(2)

    def claim(agent: Agent) -> None:
        start.wait()
        results[agent.login] = agent.http.post(f"/threads/{thread_id}/claim").status_code

    racers = [threading.Thread(target=claim, args=(agent,)) for agent in (ana, ben)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()

    assert sorted(results.values()) == [200, 409]
    winner = next(login for login, status in results.items() if status == 200)
    events = [e for e in team["sam"].thread(thread_id)["events"] if e["event"] == "claim"]
    assert [e["actor"] for e in events] == [winner]


def test_agents_authenticate_and_act_only_on_their_threads(
    server: LiveServer, team: dict[str, Agent]
) -> None:
    anonymous = httpx.get(f"{server.url}/agents/api/queue")
    assert anonymous.status_code == 401
    forged = httpx.get(
        f"{server.url}/agents/api/queue", headers={"Authorization": "Bearer not-a-token"}
    )
    assert forged.status_code == 401 and "unknown, expired or revoked" in forged.json()["error"]

    ana, cleo = team["ana"], team["cleo"]
    ana.presence("online")
    customer = Customer(server)
    customer.say(COMPLAINT)
    thread = thread_of(ana, customer)
    assert all(t["id"] != thread["id"] for t in cleo.queue())
    cleo.call("GET", f"/threads/{thread['id']}", 404)  # another team's: as if missing
    cleo.call("POST", f"/threads/{thread['id']}/reply", 404, text="hi")
    team["sam"].call("POST", f"/threads/{thread['id']}/notes", 201, text="VIP customer")
    ana.call("GET", "/threads/999999", 404)
    ana.call("POST", f"/threads/{thread['id']}/reply", 400, text="   ")


def test_private_notes_never_reach_the_customer(server: LiveServer, team: dict[str, Agent]) -> None:
    ana = team["ana"]
    ana.presence("online")
    customer = Customer(server)
    customer.say(COMPLAINT)
    thread = thread_of(ana, customer)
    ana.call("POST", f"/threads/{thread['id']}/notes", 201, text="refund approved by Sam")
    assert all("refund approved" not in text for text in customer.texts("any news?"))
    notes = [m for m in ana.thread(thread["id"])["messages"] if m["author"] == "note"]
    assert [n["text"] for n in notes] == ["refund approved by Sam"]


def test_the_web_chat_transcript_never_shows_notes(
    server: LiveServer, team: dict[str, Agent]
) -> None:
    ana = team["ana"]
    ana.presence("online")
    chat_id = uuid.uuid4().hex
    chat = httpx.Client(base_url=f"{server.url}/chat/api", timeout=60)
    assert chat.post("/messages", json={"chat_id": chat_id, "text": COMPLAINT}).status_code == 200
    thread = next(t for t in ana.queue() if t["chat_id"] == chat_id)
    ana.call("POST", f"/threads/{thread['id']}/notes", 201, text="customer is a known fraudster")
    ana.call("POST", f"/threads/{thread['id']}/reply", 201, text="Hello, Ana here")
    shown = chat.get("/messages", params={"chat_id": chat_id}).json()["messages"]
    assert "Hello, Ana here" in [m["text"] for m in shown]
    assert all(m["author"] != "note" and "fraudster" not in m["text"] for m in shown)


def test_the_openapi_document_lists_every_route(server: LiveServer) -> None:
    document = httpx.get(f"{server.url}/agents/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    for path in ("/queue", "/presence", "/threads/{thread_id}/claim", "/threads/{thread_id}/reply",
                 "/threads/{thread_id}/transfer", "/threads/{thread_id}/notes",
                 "/threads/{thread_id}/resolve", "/threads/{thread_id}/hand-back"):  # fmt: skip
        assert f"/agents/api{path}" in document["paths"]


def test_each_thread_says_what_the_caller_may_do_with_it(
    server: LiveServer, team: dict[str, Agent]
) -> None:
    customer = Customer(server)
    customer.say(COMPLAINT)
    ana, ben, sam = team["ana"], team["ben"], team["sam"]
    (queued,) = [t for t in ana.queue() if t["chat_id"] == customer.sender]
    assert queued["state"] == "queued"
    assert queued["allowed_actions"] == ["claim", "note"]
    assert thread_of(sam, customer)["allowed_actions"] == [
        "claim", "reply", "note", "transfer", "resolve", "hand_back", "reassign",
    ]  # fmt: skip

    ana.call("POST", f"/threads/{queued['id']}/claim")
    assert ana.thread(queued["id"])["allowed_actions"] == [
        "reply", "note", "transfer", "resolve", "hand_back",
    ]  # fmt: skip
    assert [t for t in ben.queue() if t["id"] == queued["id"]] == []  # not Ben's to take
    assert ben.thread(queued["id"])["allowed_actions"] == []  # his team's: he may read it
