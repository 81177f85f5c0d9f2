# ruff: noqa: F811 (the fixtures imported from tests.console_page are test parameters)
"""The agents' console without traps (issue 14), in a real browser.

A reply never silently becomes a private note; the header fits a phone; resolving
asks first; every notice in the transcript says when it happened. Screenshots go to
test-artifacts/console-<name>.png.
"""

from __future__ import annotations

import re

from playwright.sync_api import Route, expect

from tests.console_page import (  # noqa: F401 (fixtures, used by name)
    COMPLAINT,
    PHONE,
    Console,
    OpenConsole,
    OpenCustomer,
    agent,
    browser,
    customer,
    customers,
    screenshot,
    server,
    tell,
)
from tests.servers import LiveServer
from tests.test_webchat_browser import ChatPage

CLOCK = re.compile(r"^\d{1,2}:\d\d$")


def claim(console: Console, chat: ChatPage) -> None:
    """Open the customer's thread and take it."""
    console.item(chat.chat_id).click()
    console.page.get_by_test_id("claim").click()
    expect(console.page.get_by_test_id("thread-state")).to_have_text("With you")


def test_the_composer_follows_the_thread_and_enter_never_sends_an_unchosen_note(
    server: LiveServer, agent: OpenConsole, customers: OpenCustomer
) -> None:
    ana = agent("ana")
    ana.presence("away")  # nothing is assigned to her by itself
    hers, waiting = customers(), customers()
    hers.say(COMPLAINT)
    claim(ana, hers)
    waiting.say("I want to talk to a real person please")
    expect(ana.item(waiting.chat_id)).to_have_attribute("data-state", "queued")

    page = ana.page
    composer, label = page.get_by_test_id("composer"), page.get_by_test_id("composer-label")
    send, hint = page.get_by_test_id("composer-send"), page.get_by_test_id("composer-hint")

    # A waiting thread: notes only, and it shows.
    ana.item(waiting.chat_id).click()
    expect(composer).to_have_attribute("data-mode", "note")
    expect(page.get_by_test_id("mode-reply")).to_be_disabled()
    expect(page.get_by_test_id("mode-note")).to_be_checked()
    expect(label).to_contain_text("Private note")
    expect(ana.input).to_have_attribute("placeholder", re.compile("private note"))
    expect(send).to_have_text("Add note")
    expect(page.get_by_test_id("composer-keys")).to_contain_text("Add note sends")
    ana.input.fill("Second complaint about lamps this week")
    ana.input.press("Enter")  # the reply shortcut, on a note nobody chose: not sent
    expect(hint).to_contain_text("Enter doesn't send a private note")
    expect(ana.input).to_have_value("Second complaint about lamps this week")
    expect(ana.messages("note")).to_have_count(0)
    screenshot(page, "composer-waiting")
    send.click()  # pressing Add note is choosing a note
    expect(ana.messages("note")).to_have_count(1)
    expect(ana.input).to_have_value("")

    # Her own thread next: a reply, whatever the last thread was.
    ana.item(hers.chat_id).click()
    expect(composer).to_have_attribute("data-mode", "reply")
    expect(page.get_by_test_id("mode-reply")).to_be_checked()
    expect(label).to_contain_text("Reply")
    expect(ana.input).to_have_attribute("placeholder", re.compile("^Write to the customer"))
    expect(send).to_have_text("Send")
    expect(page.get_by_test_id("composer-keys")).to_contain_text("Enter sends")
    ana.send("Ana here: a new lamp is on its way today.")
    expect(hers.messages("agent").filter(has_text="a new lamp is on its way")).to_have_count(1)
    expect(ana.messages("agent").filter(has_text="a new lamp is on its way")).to_have_count(1)
    expect(ana.messages("note")).to_have_count(0)

    # Chosen by the agent, a note goes with Enter, in the note's colours.
    composer.get_by_text("Private note", exact=True).click()
    expect(composer).to_have_attribute("data-mode", "note")
    expect(composer).to_have_class(re.compile("composer--note"))
    ana.send("Courier lost the first one, ref C-771")
    expect(ana.messages("note")).to_contain_text("Private note · Ana")
    screenshot(page, "composer-note")

    # The choice belongs to that thread: away and back, it is a reply again.
    ana.item(waiting.chat_id).click()
    expect(composer).to_have_attribute("data-mode", "note")
    ana.item(hers.chat_id).click()
    expect(composer).to_have_attribute("data-mode", "reply")
    ana.input.fill("Half-written answer")
    ana.item(hers.chat_id).click()  # the same thread again: the draft stays
    expect(ana.page.get_by_test_id("thread-state")).to_have_text("With you")
    expect(ana.input).to_have_value("Half-written answer")
    assert all("C-771" not in m["text"] for m in hers.transcript())
    assert all("lamps this week" not in m["text"] for m in waiting.transcript())
    expect(ana.error).to_be_hidden()


def test_the_console_offers_exactly_the_actions_the_api_allows(
    server: LiveServer, agent: OpenConsole, customer: ChatPage
) -> None:
    ana = agent("ana")
    ana.presence("away")
    customer.say(COMPLAINT)
    claim(ana, customer)
    thread_id = ana.item(customer.chat_id).get_attribute("data-thread-id")
    page = ana.page
    names = ("claim", "transfer", "hand-back", "resolve")
    buttons = {name: page.get_by_test_id(name) for name in names}

    def notes_and_hand_back_only(route: Route) -> None:
        answer = route.fetch()
        thread = answer.json()
        thread["allowed_actions"] = ["note", "hand_back"]
        route.fulfill(response=answer, json=thread)

    page.route(f"**/agents/api/threads/{thread_id}", notes_and_hand_back_only)
    page.reload()  # the address keeps the thread open
    expect(page.get_by_test_id("thread-state")).to_have_text("With you")
    expect(buttons["hand-back"]).to_be_visible()
    for hidden in ("claim", "transfer", "resolve"):
        expect(buttons[hidden]).to_be_hidden()
    expect(page.get_by_test_id("mode-reply")).to_be_disabled()
    expect(page.get_by_test_id("composer")).to_have_attribute("data-mode", "note")

    page.unroute_all(behavior="wait")  # let a refresh in flight finish first
    page.reload()
    for shown in ("transfer", "hand-back", "resolve"):
        expect(buttons[shown]).to_be_visible()
    expect(buttons["claim"]).to_be_hidden()
    expect(page.get_by_test_id("composer")).to_have_attribute("data-mode", "reply")


def test_on_a_phone_the_whole_header_fits_and_sign_out_is_reachable(
    server: LiveServer, agent: OpenConsole
) -> None:
    sam = agent("sam", PHONE)  # a supervisor: the most tabs and buttons
    page = sam.page
    expect(page.get_by_test_id("tab-review")).to_be_visible()
    screenshot(page, "phone-header")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    presence = page.get_by_test_id("presence")
    controls = [
        page.get_by_test_id("tab-queue"),
        page.get_by_test_id("tab-supervisor"),
        page.get_by_test_id("tab-review"),
        presence.get_by_text("Online"),
        presence.get_by_text("Away"),
        presence.get_by_text("Offline"),
        page.get_by_test_id("snippets-button"),
        page.get_by_test_id("signout"),
    ]
    for control in controls:
        expect(control).to_be_in_viewport(ratio=1)
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0, box
        assert box["x"] + box["width"] <= PHONE["width"], box
    page.get_by_test_id("tab-supervisor").click()
    expect(page.get_by_test_id("supervisor-view")).to_be_visible()
    page.get_by_test_id("signout").click()
    expect(page.get_by_test_id("signin-error")).to_have_text("You have signed out.")


def test_resolve_asks_first_and_can_be_called_off(
    server: LiveServer, agent: OpenConsole, customer: ChatPage
) -> None:
    ana = agent("ana")
    ana.presence("away")
    customer.say(COMPLAINT)
    claim(ana, customer)
    page, dialog = ana.page, ana.page.get_by_test_id("resolve-dialog")
    resolved = ana.transcript.locator("[data-testid=event-line][data-event=resolve]")
    notices = customer.messages("system").count()

    page.get_by_test_id("resolve").click()
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("resolve-question")).to_contain_text(
        f"Web chat visitor · {customer.chat_id[:6]}"
    )
    expect(dialog.get_by_test_id("resolve-confirm")).to_be_focused()
    screenshot(page, "resolve-confirm")
    dialog.get_by_test_id("resolve-cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("resolve")).to_be_focused()

    page.get_by_test_id("resolve").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")  # called off too
    expect(dialog).to_be_hidden()

    tell(customer, "are you still there?")  # still Ana's: the customer was told nothing
    expect(ana.messages("customer").last).to_have_text(re.compile("still there"))
    expect(page.get_by_test_id("thread-state")).to_have_text("With you")
    expect(resolved).to_have_count(0)
    expect(customer.messages("system")).to_have_count(notices)

    ana.resolve()
    expect(page.get_by_test_id("thread-state")).to_have_text("Resolved")
    expect(resolved).to_have_count(1)
    expect(customer.messages("system")).to_have_count(notices + 1)
    expect(ana.error).to_be_hidden()


def test_every_notice_and_move_in_the_transcript_carries_its_time(
    server: LiveServer, agent: OpenConsole, customer: ChatPage
) -> None:
    ana = agent("ana")
    ana.presence("away")
    customer.say(COMPLAINT)
    claim(ana, customer)
    notices = ana.messages("system")  # "I've passed your conversation to Ana ..."
    expect(notices.first).to_contain_text("Ana")
    moves = ana.transcript.get_by_test_id("event-line")
    expect(moves).to_have_count(2)  # escalated, claimed

    for entries, testid in ((ana.messages(), "message-time"), (moves, "event-time")):
        for index in range(entries.count()):
            time = entries.nth(index).get_by_test_id(testid)
            expect(time).to_be_visible()
            expect(time).to_have_text(CLOCK)
            assert re.match(r"^\d{4}-\d\d-\d\dT", time.get_attribute("datetime") or "")
    assert notices.count() >= 1
    screenshot(ana.page, "notice-times")
