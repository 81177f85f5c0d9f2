# ruff: noqa: F811 (the fixtures imported from tests.console_page are test parameters)
"""Who the customer is (issue 14, items 2 and 5), in a real browser.

A web chat customer with nobody online is offered to leave a contact, skips the form
once, leaves a name and an e-mail the next time; the agent's queue card and thread
view show the name, the order mentioned, the language, the contact and the earlier
thread (a link). Screenshots go to test-artifacts/console-<name>.png.
"""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.console_page import (  # noqa: F401 (fixtures, used by name)
    COMPLAINT,
    OpenConsole,
    agent,
    browser,
    customer,
    customers,
    screenshot,
    server,
)
from tests.servers import LiveServer, variants
from tests.test_webchat_browser import ChatPage


def resolve(server: LiveServer, thread_id: int) -> None:
    """A supervisor resolves the thread through the agents' API."""
    reply = httpx.post(
        f"{server.url}/agents/api/threads/{thread_id}/resolve",
        headers={"Authorization": f"Bearer {server.token('sam')}"},
        timeout=60,
    )
    assert reply.status_code == 200, reply.text


def test_nobody_online_the_customer_leaves_a_contact_and_the_card_says_who_they_are(
    server: LiveServer, agent: OpenConsole, customer: ChatPage
) -> None:
    form = customer.page.get_by_test_id("contact-form")
    answers = customer.say(COMPLAINT)  # nobody is signed in: nobody online
    assert answers[-1] in variants("utter_handoff_leave_contact"), answers
    expect(form).to_be_visible()
    screenshot(customer.page, "webchat-contact-offered")
    customer.page.get_by_test_id("contact-skip").click()  # it is optional
    expect(form).to_be_hidden()

    sam = agent("sam")
    first = sam.item(customer.chat_id)
    expect(first).to_be_visible()
    first_id = int(first.get_attribute("data-thread-id") or 0)
    expect(first.locator(".ticket__who")).to_have_text(f"Web chat visitor · {customer.chat_id[:6]}")
    shown = customer.messages().count()
    resolve(server, first_id)
    # The resolution asks for a rating over the live stream: it is on the page before the
    # customer types again (on a busy machine it came late, where `say` expected the
    # customer's own message).
    expect(customer.messages().nth(shown)).to_contain_text("from 1 (poor) to 5 (excellent)")
    customer.say("hello again")  # not a rating: a new thread
    customer.say("where is my order fh10234?")  # the bot answers it
    customer.say(COMPLAINT)
    expect(form).to_be_visible()  # a new thread: offered again

    customer.page.get_by_test_id("contact-name").fill("Jane Doe")
    customer.page.get_by_test_id("contact-value").fill("jane@")
    customer.page.get_by_test_id("contact-save").click()
    expect(customer.page.get_by_test_id("contact-error")).to_contain_text("not an e-mail")
    customer.page.get_by_test_id("contact-value").fill("Jane@Example.com")
    customer.page.get_by_test_id("contact-save").click()
    saved = customer.page.get_by_test_id("contact-saved")
    expect(saved).to_contain_text("Jane Doe, we'll reach you at jane@example.com")
    expect(form).to_be_hidden()
    screenshot(customer.page, "webchat-contact-saved")

    card = sam.item(customer.chat_id)
    expect(card.locator(".ticket__who")).to_have_text("Jane Doe")  # live, without a reload
    expect(card.get_by_test_id("order")).to_have_text(["FH-10234"])
    expect(card.get_by_test_id("language")).to_have_text("EN")
    expect(card.get_by_test_id("contact")).to_have_text("✉ jane@example.com")
    expect(card.get_by_test_id("earlier-threads")).to_have_text("1 earlier thread")
    screenshot(sam.page, "queue-customer")

    card.click()
    page = sam.page
    expect(page.get_by_test_id("thread-title")).to_have_text("Jane Doe")
    facts = page.get_by_test_id("customer-facts")
    expect(facts).to_contain_text("NameJane Doe")
    expect(facts).to_contain_text("OrdersFH-10234")
    expect(facts).to_contain_text("Earlier threads1")
    expect(facts.get_by_test_id("customer-email")).to_have_attribute(
        "href", "mailto:jane@example.com"
    )
    earlier = page.get_by_test_id("history-item")
    expect(earlier).to_have_count(1)
    expect(earlier).to_have_attribute("href", f"#thread-{first_id}")
    screenshot(page, "thread-customer")
    earlier.click()
    expect(page).to_have_url(re.compile(rf"#thread-{first_id}$"))
    expect(page.get_by_test_id("thread-state")).to_have_text("Resolved")
    expect(page.get_by_test_id("thread-title")).to_have_text("Jane Doe")  # the same customer
