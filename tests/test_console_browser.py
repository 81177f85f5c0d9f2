# ruff: noqa: F811 (the fixtures imported from tests.console_page are test parameters)
"""The agents' console in a real browser: Debian's Chromium driven by Playwright.

A customer writes in the web chat; agents work in /console, each in their own browser
profile, against a live bot of its own (so other tests' agents and threads stay out).
Screenshots go to test-artifacts/console-<name>.png.
"""

from __future__ import annotations

import re
import sqlite3

from playwright.sync_api import expect

from tests.console_page import (  # noqa: F401 (fixtures, used by name)
    COMPLAINT,
    PASSWORDS,
    PHONE,
    Console,
    OpenConsole,
    agent,
    browser,
    customer,
    customers,
    screenshot,
    server,
    tell,
)
from tests.servers import LiveServer, variants
from tests.test_webchat_browser import ChatPage


def test_a_complaint_is_taken_over_in_the_console_and_handed_back_to_the_bot(
    server: LiveServer, agent: OpenConsole, customer: ChatPage
) -> None:
    ana: Console = agent("ana")
    ben: Console = agent("ben")
    ana.presence("away")  # signed in, taking threads from the queue by hand
    ben.presence("away")

    customer.say(COMPLAINT)
    waiting = ana.item(customer.chat_id)
    expect(waiting).to_be_visible()  # live, without a reload
    expect(waiting).to_have_attribute("data-state", "queued")
    expect(waiting.get_by_test_id("reasons")).to_contain_text("complaint")
    expect(waiting.get_by_test_id("channel")).to_have_text("Web chat")
    expect(waiting.get_by_test_id("language")).to_have_text("EN")
    expect(waiting.get_by_test_id("sla")).to_have_text(re.compile(r"^SLA [34]:\d\d$"))
    expect(waiting.get_by_test_id("waiting")).to_have_text(re.compile(r"^Waiting 0:\d\d$"))
    expect(ana.page.get_by_test_id("unread-count")).to_have_text("1")
    expect(ana.page).to_have_title("(1) Fernhill console")
    assert [n["title"] for n in ana.notifications()] == ["New escalation"]
    expect(ben.item(customer.chat_id)).to_be_visible()  # the whole team sees it
    screenshot(ana.page, "queue")

    ben.item(customer.chat_id).click()  # Ben starts reading it...
    expect(ben.page.get_by_test_id("claim")).to_be_visible()
    waiting.focus()  # ...and Ana too, with the keyboard
    ana.page.keyboard.press("Enter")
    expect(ana.page.get_by_test_id("thread-title")).to_be_focused()
    expect(ana.page).to_have_title("Fernhill console")
    expect(ana.messages("customer").first).to_have_text(re.compile("lamp arrived smashed"))
    expect(ana.transcript.get_by_test_id("event-line").first).to_contain_text(
        "Escalated by the bot: complaint"
    )
    expect(ana.page.get_by_test_id("history-empty")).to_be_visible()
    expect(ana.page.get_by_test_id("mode-reply")).to_be_disabled()  # claim first

    ana.page.keyboard.press("Tab")
    expect(ana.page.get_by_test_id("claim")).to_be_focused()
    ana.page.keyboard.press("Enter")
    expect(ana.page.get_by_test_id("thread-state")).to_have_text("With you")
    expect(ana.input).to_be_focused()
    expect(customer.messages("system").last).to_contain_text("Ana")  # told who took over

    # Ben can no longer take it: his console says so, and the server refuses it anyway.
    expect(ben.notice).to_have_text("This thread is now with Ana. You can no longer act on it.")
    expect(ben.page.get_by_test_id("claim")).to_be_hidden()
    expect(ben.item(customer.chat_id)).to_have_count(0)
    thread_id = ana.item(customer.chat_id).get_attribute("data-thread-id")
    refused = ben.page.request.post(
        f"{server.url}/agents/api/threads/{thread_id}/claim",
        headers={"X-Requested-With": "fernhill-console"},
    )
    assert refused.status == 409 and "by Ana" in refused.json()["error"]

    ana.send("I'm so sorry, Ana here. A new lamp goes out to you today.")
    reply = customer.messages("agent").filter(has_text="A new lamp goes out")
    expect(reply).to_have_count(1)
    expect(reply).to_contain_text("Ana · agent")

    ana.input.fill("/delivery costs")  # canned answers, filtered as she types
    options = ana.page.get_by_test_id("canned-option")
    expect(options.first).to_contain_text("Delivery costs")
    ana.input.press("Escape")
    expect(ana.page.get_by_test_id("canned-menu")).to_be_hidden()
    ana.input.fill("/delivery cost")
    expect(options.first).to_be_visible()
    ana.input.press("Enter")  # picks the highlighted answer
    expect(ana.input).to_have_value(re.compile(r"^(Standard delivery|Delivery costs) "))
    canned_text = ana.input.input_value()
    ana.input.press("Enter")  # and sends it
    expect(customer.messages("agent").filter(has_text=canned_text[:40])).to_have_count(1)

    tell(customer, "ok, thank you")
    expect(ana.messages("customer").last).to_have_text(re.compile("ok, thank you"))  # live

    ana.page.get_by_test_id("composer").get_by_text("Private note", exact=True).click()
    ana.send("Replacement lamp ordered, ref R-2231")
    expect(ana.messages("note")).to_contain_text("Private note · Ana")
    screenshot(ana.page, "thread")

    ana.page.get_by_test_id("hand-back").click()
    # The bot's threads are for supervisors only: it leaves Ana's view, and she is told.
    expect(ana.notice).to_have_text("You handed this thread back to the bot: it leaves your view.")
    expect(customer.messages("system").last).to_contain_text("Ana")  # the hand-back notice
    answers = customer.say("when are you open?")
    assert any(answer in variants("utter_opening_hours") for answer in answers), answers
    assert all("R-2231" not in m["text"] for m in customer.transcript())  # the note stayed ours
    expect(ana.error).to_be_hidden()
    expect(ben.error).to_be_hidden()


def test_a_supervisor_sees_load_and_breaches_and_reassigns(
    server: LiveServer, agent: OpenConsole, customer: ChatPage
) -> None:
    sam: Console = agent("sam")
    ben: Console = agent("ben")
    ben.presence("away")
    customer.say("I want to talk to a real person please")
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as db:
        db.execute(  # as if it had waited ten minutes: past the five-minute SLA
            "UPDATE threads SET escalated_at = datetime('now', '-10 minutes') "
            "WHERE chat_id = ? AND closed_at IS NULL",
            (customer.chat_id,),
        )

    apology = "|".join(re.escape(text) for text in variants("utter_handoff_delay"))
    expect(customer.messages("system").filter(has_text=re.compile(apology))).to_have_count(1)

    sam.page.get_by_test_id("tab-supervisor").click()
    view = sam.page.get_by_test_id("supervisor-view")
    expect(view).to_be_visible()
    breach = view.get_by_test_id("breach")
    expect(breach).to_have_count(1)
    expect(breach).to_contain_text(re.compile(r"SLA breached [456]:\d\d ago"))
    ben_row = view.locator("[data-testid=agent-row][data-login=ben]")
    expect(ben_row.get_by_test_id("agent-presence")).to_have_text("away")
    expect(ben_row.get_by_test_id("agent-load")).to_have_text("0 / 2")
    screenshot(sam.page, "supervisor")

    row = view.get_by_test_id("supervisor-thread")
    expect(row).to_have_count(1)
    row.get_by_test_id("reassign-target").select_option("agent:ben")
    row.get_by_test_id("reassign-submit").click()
    expect(ben_row.get_by_test_id("agent-load")).to_have_text("1 / 2")
    expect(row).to_contain_text("Ben")

    mine = ben.item(customer.chat_id)
    expect(mine).to_have_class(re.compile("ticket--mine"))  # live in Ben's queue
    assert "A thread was assigned to you" in [n["title"] for n in ben.notifications()]
    expect(customer.messages("system").last).to_contain_text("Ben")
    mine.click()
    ben.resolve()
    expect(ben.page.get_by_test_id("thread-state")).to_have_text("Resolved")
    expect(row).to_have_count(0)
    expect(sam.error).to_be_hidden()


def test_on_a_phone_the_console_is_one_column_and_reconnects_by_itself(
    server: LiveServer, agent: OpenConsole, customer: ChatPage
) -> None:
    ana: Console = agent("ana", PHONE)
    ana.presence("away")
    customer.say(COMPLAINT)
    item = ana.item(customer.chat_id)
    expect(item).to_be_visible()
    expect(ana.page.get_by_test_id("thread-view")).to_be_hidden()
    item.click()
    expect(ana.page.get_by_test_id("thread-view")).to_be_visible()
    expect(item).to_be_hidden()  # one column: the thread replaces the queue
    ana.page.get_by_test_id("claim").click()
    expect(ana.page.get_by_test_id("thread-state")).to_have_text("With you")
    screenshot(ana.page, "phone-thread")
    ana.page.get_by_test_id("thread-back").click()
    expect(item).to_be_visible()

    ana.page.route("**/agents/api/events", lambda route: route.abort())
    ana.page.reload()
    expect(ana.banner).to_be_visible()
    expect(ana.banner).to_contain_text("Reconnecting")
    screenshot(ana.page, "phone-offline")
    tell(customer, "hello? is anyone there?")  # missed while the stream is down
    ana.page.unroute("**/agents/api/events")
    expect(ana.banner).to_be_hidden()  # reconnected without a reload
    item.click()
    expect(ana.messages("customer").last).to_have_text(re.compile("is anyone there"))
    ana.resolve()
    expect(ana.page.get_by_test_id("thread-state")).to_have_text("Resolved")


def test_an_expired_session_brings_back_the_sign_in_form(
    server: LiveServer, agent: OpenConsole
) -> None:
    ben: Console = agent("ben")
    with sqlite3.connect(server.database_url.removeprefix("sqlite:///")) as db:
        db.execute(
            "UPDATE agent_sessions SET expires_at = '2000-01-01 00:00:00.000000' "
            "WHERE revoked_at IS NULL AND agent_id = (SELECT id FROM agents WHERE login = 'ben')"
        )
    # Untouched, the console notices by itself: the event stream ends with the session
    # (within a heartbeat, 15 s), and reconnecting is refused.
    error = ben.page.get_by_test_id("signin-error")
    expect(error).to_have_text("Your session has expired; sign in again")
    expect(ben.page.get_by_test_id("app")).to_be_hidden()
    screenshot(ben.page, "signin-expired")

    ben.page.get_by_test_id("signin-password").fill("not-the-password")
    ben.page.get_by_test_id("signin-submit").click()
    expect(error).to_have_text("Wrong login or password")
    ben.page.get_by_test_id("signin-password").fill(PASSWORDS["ben"])
    ben.page.get_by_test_id("signin-password").press("Enter")
    expect(ben.page.get_by_test_id("app")).to_be_visible()
    ben.page.get_by_test_id("signout").click()
    expect(error).to_have_text("You have signed out.")


def test_an_agents_snippets_are_offered_as_canned_answers(
    server: LiveServer, agent: OpenConsole, customer: ChatPage
) -> None:
    ana = agent("ana")
    ana.presence("away")
    customer.say(COMPLAINT)
    ana.item(customer.chat_id).click()
    ana.page.get_by_test_id("claim").click()
    expect(ana.page.get_by_test_id("thread-state")).to_have_text("With you")

    ana.page.get_by_test_id("snippets-button").click()
    dialog = ana.page.get_by_test_id("snippets-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_test_id("snippet-title").fill("Broken on arrival")
    dialog.get_by_test_id("snippet-text").fill(
        "I'm so sorry it arrived broken; a replacement is on us."
    )
    dialog.get_by_test_id("snippet-save").click()
    expect(dialog.get_by_test_id("snippet-item")).to_have_count(1)
    screenshot(ana.page, "snippets")
    ana.page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    ana.input.fill("/broken arrival")
    option = ana.page.get_by_test_id("canned-option").first
    expect(option).to_contain_text("Broken on arrival")
    expect(option).to_contain_text("snippet")
    ana.input.press("Enter")
    expect(ana.input).to_have_value("I'm so sorry it arrived broken; a replacement is on us.")
    ana.input.press("Enter")
    expect(customer.messages("agent").filter(has_text="a replacement is on us")).to_have_count(1)

    ana.page.get_by_test_id("snippets-button").click()
    dialog.get_by_test_id("snippet-delete").click()
    expect(dialog.get_by_test_id("snippet-item")).to_have_count(0)
    dialog.get_by_test_id("snippets-close").click()

    transfer, menu = ana.page.get_by_test_id("transfer"), ana.page.get_by_test_id("transfer-menu")
    transfer.click()
    expect(menu).to_be_visible()
    ana.page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(transfer).to_be_focused()
    transfer.press("Enter")
    menu.get_by_test_id("transfer-target").select_option("team:care")
    menu.get_by_test_id("transfer-reason").fill("needs the returns desk")
    menu.get_by_test_id("transfer-submit").click()
    expect(ana.page.get_by_test_id("thread-state")).to_have_text("Waiting")
    expect(ana.transcript.get_by_test_id("event-line").last).to_contain_text(
        "Sent back to the queue by Ana: needs the returns desk"
    )
    ana.page.get_by_test_id("claim").click()
    ana.resolve()
    expect(ana.page.get_by_test_id("thread-state")).to_have_text("Resolved")
    expect(ana.item(customer.chat_id)).to_have_count(0)
