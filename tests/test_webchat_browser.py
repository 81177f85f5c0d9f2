"""The web chat page in a real browser: Debian's Chromium driven by Playwright.

The page talks to the live bot (a `python -m bot run` subprocess with a trained model);
an agent answers through the agents' API while the page is open. Each test leaves a
screenshot of its last screen in test-artifacts/webchat-<name>.png.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Route,
    expect,
)

from tests.browser import REPLY_TIMEOUT_MS, chromium, screenshot
from tests.servers import LiveServer, variants

MAX_CHARS = 4096

expect.set_options(timeout=REPLY_TIMEOUT_MS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (so a fresh chat id) with a phone-sized window."""
    opened = browser.new_context(viewport={"width": 430, "height": 860}, device_scale_factor=1)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A tab; its last screen is saved whether the test passed or not."""
    tab = context.new_page()
    tab.set_default_timeout(REPLY_TIMEOUT_MS)
    yield tab
    name = request.node.originalname.removeprefix("test_").replace("_", "-")
    screenshot(tab, f"webchat-{name}")


class ChatPage:
    """The chat page as a customer uses it."""

    def __init__(self, page: Page, server: LiveServer) -> None:
        self.page = page
        self.server = server
        self.input = page.get_by_test_id("chat-input")
        self.send_button = page.get_by_test_id("chat-send")
        self.log = page.get_by_test_id("chat-log")
        self.error = page.get_by_test_id("chat-error")
        self.typing = page.get_by_test_id("chat-typing")

    def open(self) -> None:
        self.page.goto(f"{self.server.url}/chat/")
        expect(self.page.get_by_test_id("chat-status")).to_have_attribute("data-state", "online")

    @property
    def chat_id(self) -> str:
        return str(self.page.evaluate("localStorage.getItem('fernhill.chat.id')"))

    def messages(self, author: str | None = None) -> Locator:
        selector = "[data-testid=message]"
        if author is not None:
            selector += f"[data-author={author}]"
        return self.log.locator(selector)

    def transcript(self) -> list[dict[str, Any]]:
        """Every message on the page: id, author and text."""
        return self.messages().evaluate_all(  # type: ignore[no-any-return]
            """items => items.map(item => ({
                id: item.dataset.id,
                author: item.dataset.author,
                text: item.querySelector('.message__text').textContent,
            }))"""
        )

    def say(self, text: str, *, with_enter: bool = True) -> list[str]:
        """Send a message and return the texts of the answers that came with it."""
        before = self.messages().count()
        self.input.fill(text)
        if with_enter:
            self.input.press("Enter")
        else:
            self.send_button.click()
        expect(self.input).to_have_value("")
        expect(self.messages().nth(before)).to_have_attribute("data-author", "customer")
        expect(self.messages().nth(before + 1)).to_be_visible()
        expect(self.typing).to_be_hidden()
        expect(self.messages().nth(before)).to_have_attribute("data-id", re.compile(r"^\d+$"))
        return [m["text"] for m in self.transcript()[before + 1 :]]


def test_a_customer_asks_where_an_order_is(page: Page, live_server: LiveServer) -> None:
    chat = ChatPage(page, live_server)
    chat.open()
    expect(page).to_have_title("Fernhill — chat")
    expect(chat.send_button).to_be_disabled()
    chat.input.fill("   ")
    expect(chat.send_button).to_be_disabled()

    (greeting,) = chat.say("hello", with_enter=False)
    assert greeting in variants("utter_greet")

    (question,) = chat.say("where is my order?")
    assert question in variants("utter_ask_order_number")

    answers = chat.say("FH-10234")
    assert any("FH-10234" in answer for answer in answers), answers
    expect(chat.messages("bot").last).to_contain_text("FH-10234")

    shown = chat.transcript()
    assert [m["author"] for m in shown] == ["customer", "bot"] * 3
    assert [m["text"] for m in shown if m["author"] == "customer"] == [
        "hello",
        "where is my order?",
        "FH-10234",
    ]
    ids = [int(m["id"]) for m in shown]
    assert ids == sorted(set(ids)), f"each message once, in order: {ids}"
    expect(chat.error).to_be_hidden()


def test_the_page_speaks_the_browsers_language_then_the_conversations(
    browser: Browser, live_server: LiveServer
) -> None:
    spanish = browser.new_context(locale="es-ES", viewport={"width": 430, "height": 860})
    page = spanish.new_page()
    chat = ChatPage(page, live_server)
    chat.open()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(chat.input).to_have_attribute("placeholder", "Escribe un mensaje…")
    expect(page.get_by_test_id("chat-status")).to_have_text("En línea")
    expect(page.locator(".chat__welcome-title")).to_have_text("¡Hola!")

    # The customer writes French: the answer is French, and so is the page from now on.
    (answer,) = chat.say("Bonjour, quels sont vos horaires d'ouverture ?")
    assert answer.startswith("Notre service client"), answer
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(chat.input).to_have_attribute("placeholder", "Écrivez un message…")
    expect(page.get_by_test_id("chat-status")).to_have_text("En ligne")
    expect(chat.messages("bot").last).to_have_attribute("data-who", "Assistant Fernhill")
    screenshot(page, "webchat-in-french")
    spanish.close()


def test_the_transcript_survives_a_reload(page: Page, live_server: LiveServer) -> None:
    chat = ChatPage(page, live_server)
    chat.open()
    chat_id = chat.chat_id
    assert len(chat_id) == 32 and chat_id.replace("-", "").replace("_", "").isalnum()
    chat.say("hello")
    chat.say("what are your opening hours?")
    before = chat.transcript()

    page.reload()
    expect(page.get_by_test_id("chat-status")).to_have_attribute("data-state", "online")
    expect(chat.messages()).to_have_count(len(before))
    assert chat.chat_id == chat_id
    assert chat.transcript() == before

    stranger = ChatPage(page.context.browser.new_page(), live_server)  # type: ignore[union-attr]
    try:
        stranger.open()
        assert stranger.chat_id != chat_id
        expect(stranger.messages()).to_have_count(0)
        expect(stranger.page.get_by_text("Ask us about an order")).to_be_visible()
    finally:
        stranger.page.close()


class Supervisor:
    """Sam, a supervisor, on the agents' API."""

    def __init__(self, server: LiveServer) -> None:
        self.http = httpx.Client(
            base_url=f"{server.url}/agents/api",
            headers={"Authorization": f"Bearer {server.token('sam')}"},
            timeout=60,
        )

    def call(self, method: str, path: str, expect_status: int = 200, **body: Any) -> Any:
        reply = self.http.request(method, path, json=body if method == "POST" else None)
        assert reply.status_code == expect_status, (
            f"{method} {path}: {reply.status_code} {reply.text}"
        )
        return reply.json()

    def thread_of(self, chat_id: str) -> dict[str, Any]:
        queue: list[dict[str, Any]] = self.call("GET", "/queue")
        mine = [t for t in queue if t["chat_id"] == chat_id]
        assert len(mine) == 1, f"one thread for chat {chat_id} in Sam's queue, got {mine}"
        return mine[0]


def test_an_agent_reply_arrives_live_with_the_agent_name(
    page: Page, live_server: LiveServer
) -> None:
    page.set_viewport_size({"width": 1100, "height": 800})  # the desktop layout, for once
    chat = ChatPage(page, live_server)
    chat.open()
    chat.say("I want to speak to a human")
    page.evaluate("window.notReloaded = true")

    sam = Supervisor(live_server)
    thread_id: int | None = None
    try:
        thread = sam.thread_of(chat.chat_id)
        assert thread["state"] == "queued", f"nobody is online, so the thread waits: {thread}"
        thread_id = thread["id"]
        thread = sam.call("POST", f"/threads/{thread_id}/claim")
        assert thread["state"] == "with_agent" and thread["agent"] == "Sam", thread
        sam.call("POST", "/presence", presence="online")
        expect(chat.messages("system")).to_have_count(1)  # the claim's notice, live
        expect(chat.messages("system").last).to_contain_text("Sam")

        sam.call("POST", f"/threads/{thread_id}/reply", 201, text="Hi, Sam here")
        reply = chat.messages("agent").filter(has_text="Hi, Sam here")
        expect(reply).to_have_count(1)
        expect(reply).to_contain_text("Sam · agent")
        assert page.evaluate("window.notReloaded") is True

        sam.call("POST", f"/threads/{thread_id}/notes", 201, text="Private: check the courier")
        sam.call("POST", f"/threads/{thread_id}/hand-back")
        thread_id = None
        expect(chat.messages("system")).to_have_count(2)  # the hand-back notice, live
        expect(chat.messages("system").last).to_contain_text("Sam")
        live = chat.transcript()
        ids = [int(m["id"]) for m in live]
        assert ids == sorted(set(ids)), f"each message once, in order: {ids}"

        page.reload()  # the same conversation, the agent still named, the note never shown
        expect(chat.messages()).to_have_count(len(live))
        assert chat.transcript() == live
        expect(chat.messages("agent")).to_contain_text("Sam · agent")
        expect(page.get_by_text("Private: check the courier")).to_have_count(0)
    finally:
        if thread_id is not None:
            sam.http.post(f"/threads/{thread_id}/hand-back")
        sam.http.post("/presence", json={"presence": "offline"})
        sam.http.close()


def test_a_message_over_the_limit_is_not_sent(page: Page, live_server: LiveServer) -> None:
    chat = ChatPage(page, live_server)
    chat.open()
    too_long = ("My lamp is lovely. " * 300)[:5000]

    chat.input.fill(too_long)
    expect(chat.input).to_have_value(too_long[:MAX_CHARS])  # the input stops at the limit
    chat.input.press("Enter")
    expect(chat.typing).to_be_hidden()
    expect(chat.messages("bot")).to_have_count(1)
    (sent,) = [m for m in chat.transcript() if m["author"] == "customer"]
    assert sent["text"] == too_long[:MAX_CHARS]  # exactly at the limit: accepted
    expect(chat.error).to_be_hidden()

    # Past the input's limit (an old browser, a pasted script), the server refuses it.
    page.evaluate("document.querySelector('[data-testid=chat-input]').removeAttribute('maxlength')")
    chat.input.fill(too_long)
    chat.send_button.click()
    expect(chat.error).to_be_visible()
    expect(chat.error).to_contain_text(f"is 5000 characters long; the limit is {MAX_CHARS}")
    expect(chat.messages("customer").last).to_contain_text("Not sent")
    expect(chat.typing).to_be_hidden()
    expect(chat.messages("bot")).to_have_count(1)
    stored = httpx.get(f"{live_server.url}/chat/api/messages", params={"chat_id": chat.chat_id})
    assert [len(m["text"]) for m in stored.json()["messages"] if m["author"] == "customer"] == [
        MAX_CHARS
    ]


def test_buttons_send_their_payload(page: Page, live_server: LiveServer) -> None:
    """The demo domain has no buttons, so the first answer gets some on its way to the page."""
    posted: list[str] = []

    def add_buttons(route: Route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        posted.append(json.loads(route.request.post_data or "{}")["text"])
        response = route.fetch()
        body = response.json()
        if len(posted) == 1:
            body["replies"][-1]["buttons"] = [
                {"title": "Say hello", "payload": "/greet"},
                {"title": "Opening hours", "payload": "/opening_hours"},
            ]
        route.fulfill(response=response, json=body)

    page.route("**/chat/api/messages*", add_buttons)
    chat = ChatPage(page, live_server)
    chat.open()
    chat.say("what are your opening hours?")
    choices = chat.messages("bot").last.get_by_role("button")
    expect(choices).to_have_text(["Say hello", "Opening hours"])

    choices.first.click()
    expect(chat.messages("customer").last).to_have_text(re.compile("Say hello"))
    expect(chat.messages("customer").last).to_have_attribute("data-id", re.compile(r"^\d+$"))
    expect(chat.messages("bot")).to_have_count(2)
    expect(chat.typing).to_be_hidden()
    assert posted == ["what are your opening hours?", "/greet"]
    assert chat.transcript()[-1]["text"] in variants("utter_greet")
    for choice in choices.all():
        expect(choice).to_be_disabled()


def test_a_dropped_event_stream_resumes_after_the_last_message(
    page: Page, live_server: LiveServer
) -> None:
    chat = ChatPage(page, live_server)
    chat.open()
    chat.say("hello")
    last_id = chat.transcript()[-1]["id"]

    streams: list[str] = []

    def drop_the_first_stream(route: Route) -> None:
        streams.append(route.request.url)
        if len(streams) == 1:  # connected, then cut off at once
            route.fulfill(status=200, content_type="text/event-stream", body=": connected\n\n")
        else:
            route.continue_()

    page.route("**/chat/api/events*", drop_the_first_stream)
    with page.expect_request("**/chat/api/events*"):
        page.reload()
    with page.expect_request("**/chat/api/events*"):
        pass  # the page reconnects by itself
    expect(page.get_by_test_id("chat-status")).to_have_attribute("data-state", "online")
    expect(chat.messages()).to_have_count(2)
    assert len(streams) >= 2 and all(f"after={last_id}" in url for url in streams), streams
    chat.say("thanks")
    expect(chat.messages()).to_have_count(4)


def test_what_the_page_shows_it_acknowledges_and_only_that_is_delivered(
    page: Page, live_server: LiveServer
) -> None:
    chat = ChatPage(page, live_server)
    chat.open()
    with page.expect_response("**/chat/api/acks") as acknowledged:
        answers = chat.say("when are you open?")
    assert acknowledged.value.ok and answers
    database = live_server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT m.id, m.sent_at IS NOT NULL FROM messages m JOIN threads t"
            " ON t.id = m.thread_id WHERE t.chat_id = ? AND m.author = 'bot'",
            (chat.chat_id,),
        ).fetchall()
    shown = {int(m["id"]) for m in chat.transcript() if m["author"] == "bot"}
    assert rows and {row[0] for row in rows} == shown
    assert all(delivered for _, delivered in rows), rows  # acknowledged, so delivered
