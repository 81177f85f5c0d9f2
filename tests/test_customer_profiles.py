"""Who the customer is, through the real server: profiles on the agents' API, the web
chat's contact form, and after hours, the offer to leave an e-mail or Telegram username.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tests.servers import LiveServer, demo_domain
from tests.test_handoff_flow import COMPLAINT, Agent, Customer, clear, thread_of

AGENTS = ("ana", "ben", "cleo", "sam")


@pytest.fixture
def team(server: LiveServer) -> Iterator[dict[str, Agent]]:
    """All agents offline and no thread left with people, before and after each test."""
    agents = {login: Agent(server, login) for login in AGENTS}
    clear(agents)
    yield agents
    clear(agents)


def customers_row(server: LiveServer, customer_id: int) -> dict[str, Any]:
    """The customer's row as the store holds it (SQLite or PostgreSQL)."""
    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            query = sa.text("SELECT * FROM customers WHERE id = :id")
            return dict(conn.execute(query, {"id": customer_id}).mappings().one())
    finally:
        engine.dispose()


def card_of(agent: Agent, chat_id: str) -> dict[str, Any]:
    """The one queue card of a chat."""
    (card,) = [t for t in agent.queue() if t["chat_id"] == chat_id]
    return card


def test_the_queue_shows_orders_language_and_earlier_threads(
    server: LiveServer, team: dict[str, Agent]
) -> None:
    sam = team["sam"]
    customer = Customer(server)
    customer.say("hello, where is my order fh 10234?")
    customer.say(COMPLAINT)
    card = thread_of(sam, customer)
    assert card["language"] == "en" and card["language_detected"] is True
    assert card["customer"]["orders"] == ["FH-10234"]
    assert card["customer"]["earlier_threads"] == 0
    assert card["customer"]["name"] is None  # REST gives no name: the card shows the sender

    sam.call("POST", f"/threads/{card['id']}/resolve")
    customer.say("hello again")  # not a rating: a new thread
    customer.say(f"{COMPLAINT} Order FH-10488 this time")
    again = thread_of(sam, customer)
    assert again["id"] != card["id"]
    assert again["customer"]["orders"] == ["FH-10488", "FH-10234"]  # the latest first
    assert again["customer"]["earlier_threads"] == 1
    view = sam.thread(again["id"])
    assert view["customer"] == again["customer"]
    history = sam.call("GET", f"/threads/{again['id']}/history")
    assert [earlier["id"] for earlier in history["threads"]] == [card["id"]]


def test_the_web_chat_contact_form_checks_what_it_is_given(
    server: LiveServer, team: dict[str, Agent]
) -> None:
    chat_id = uuid.uuid4().hex
    url = f"{server.url}/chat/api"

    def leave(expect: int, **body: Any) -> dict[str, Any]:
        reply = httpx.post(f"{url}/contact", json={"chat_id": chat_id, **body}, timeout=30)
        assert reply.status_code == expect, reply.text
        return reply.json()  # type: ignore[no-any-return]

    assert "no conversation" in leave(404, name="Jane")["error"]
    answered = httpx.post(
        f"{url}/messages", json={"chat_id": chat_id, "text": "hello"}, timeout=60
    ).json()
    assert answered["contact_form"] is None  # the bot has it: nobody to reach them
    answered = httpx.post(
        f"{url}/messages", json={"chat_id": chat_id, "text": COMPLAINT}, timeout=60
    ).json()
    form = answered["contact_form"]
    assert form is not None and (form["name"], form["email"], form["telegram"]) == (None,) * 3

    for body, reason in [
        ({"name": "R2-D2"}, "letters"),
        ({"name": "J" * 81}, "over 80"),
        ({"name": "Jane", "contact": "jane@example"}, "not an e-mail"),
        ({"contact": "@ja"}, "Telegram username"),
        ({"contact": "x" * 300 + "@example.com"}, "over 254"),
        ({"name": " ", "contact": ""}, "leave a name"),
        ({}, "leave a name"),
        ({"name": 7}, "must be a string"),
        ({"name": "Jane", "phone": "123"}, "unknown field"),
    ]:
        assert reason in leave(400, **body)["error"], body
    bad_chat = httpx.post(f"{url}/contact", json={"chat_id": "short", "name": "Jane"}, timeout=30)
    assert bad_chat.status_code == 400

    row = customers_row(server, card_of(team["sam"], chat_id)["customer"]["id"])
    assert (row["display_name"], row["email"], row["telegram"]) == (None, None, None)  # nothing

    saved = leave(200, name="  Jane   Doe ", contact="Jane@Example.com")["contact_form"]
    assert (saved["name"], saved["email"]) == ("Jane Doe", "jane@example.com")
    card = card_of(team["sam"], chat_id)
    assert card["customer"]["name"] == "Jane Doe"
    assert card["customer"]["email"] == "jane@example.com"
    assert card["customer"]["contact_left_at"] is not None
    reloaded = httpx.get(f"{url}/messages", params={"chat_id": chat_id}, timeout=30).json()
    assert reloaded["contact_form"]["email"] == "jane@example.com"


def french(response: str) -> set[str]:
    """The French variants of a template of the demo domain (placeholders as written)."""
    domain = demo_domain()
    return {
        variant["text"]
        for variant in domain["responses"][response]
        if (variant.get("metadata") or {}).get("language") == "fr"
    }


def test_after_hours_the_customer_leaves_an_email_in_their_language_and_the_agent_sees_it(
    closed_server: LiveServer,
) -> None:
    sam = Agent(closed_server, "sam")
    customer = Customer(closed_server)
    closed, offer = customer.texts("Je voudrais parler à une vraie personne, s'il vous plaît")
    assert "Notre équipe" in closed or "nous vous répondrons" in closed, closed
    assert offer in french("utter_handoff_leave_contact")
    waiting = thread_of(sam, customer)
    assert waiting["state"] == "queued" and waiting["language"] == "fr"
    assert waiting["customer"]["email"] is None

    assert customer.texts("d'accord") == []  # nothing to keep: the bot stays silent
    (thanks,) = customer.texts("Vous pouvez m'écrire à Jeanne.Martin@example.fr merci")
    assert "jeanne.martin@example.fr" in thanks
    template = next(iter(french("utter_handoff_contact_saved")))
    assert thanks == template.format(contact="jeanne.martin@example.fr")

    card = thread_of(sam, customer)
    assert card["customer"]["email"] == "jeanne.martin@example.fr"
    assert card["customer"]["contact_left_at"] is not None
    said = [m["text"] for m in sam.thread(card["id"])["messages"] if m["author"] == "customer"]
    assert said[-1].startswith("Vous pouvez m'écrire")  # the agent reads it in the transcript too

    (handle_thanks,) = customer.texts("ou sur Telegram : @jeanne_martin")
    assert "@jeanne_martin" in handle_thanks
    assert thread_of(sam, customer)["customer"]["telegram"] == "@jeanne_martin"
