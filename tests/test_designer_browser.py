"""The console's Review tab in a real browser: Debian's Chromium driven by Playwright.

A designer signs in to the same console as the agents, sees a message the bot fell
back on, gives it an intent, and finds it written into the project's NLU file with
the file's comments kept; edits an answer with its preview; trains and reloads from
the page. The bot serves a copy of the tiny rasa project (tests/designer_servers.py).
Screenshots go to test-artifacts/designer-<name>.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import REPLY_TIMEOUT_MS, chromium
from tests.browser import screenshot as save_screenshot
from tests.designer_servers import DESIGNER, PASSWORD, say, tiny_server
from tests.servers import LiveServer

MISSED = "xqzv blorp wibble"
TRAINING_TIMEOUT_MS = 300_000

expect.set_options(timeout=REPLY_TIMEOUT_MS)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    with tiny_server(tmp_path_factory, "designer-browser") as (server, project):
        server.set_passwords({"sam": "sam-secret-1"})
        yield server, project


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def screenshot(page: Page, name: str) -> None:
    save_screenshot(page, f"designer-{name}")


def signed_in(browser: Browser, server: LiveServer, login: str, password: str) -> Page:
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, device_scale_factor=1, locale="en-GB"
    )
    page = context.new_page()
    page.set_default_timeout(REPLY_TIMEOUT_MS)
    page.goto(f"{server.url}/console")
    page.get_by_test_id("signin-login").fill(login)
    page.get_by_test_id("signin-password").fill(password)
    page.get_by_test_id("signin-password").press("Enter")
    expect(page.get_by_test_id("app")).to_be_visible()
    return page


def test_a_designer_turns_a_missed_message_into_an_example(
    running: tuple[LiveServer, Path], browser: Browser
) -> None:
    server, project = running
    say(server, "wren", MISSED)  # the bot falls back on it
    page = signed_in(browser, server, DESIGNER, PASSWORD)

    expect(page.get_by_test_id("review-view")).to_be_visible()  # a designer lands here
    expect(page.get_by_test_id("tab-queue")).to_be_hidden()  # and sees no threads
    expect(page.get_by_test_id("presence")).to_be_hidden()
    expect(page.get_by_test_id("agent-name")).to_have_text("Dana · designer")
    message = page.get_by_test_id("inbox-message").filter(has_text=MISSED)
    expect(message).to_have_count(1)
    expect(message.get_by_test_id("inbox-reason")).to_have_text(["fallback"])
    expect(page.get_by_test_id("review-count")).not_to_have_text("0")
    expect(page.get_by_test_id("model-state")).to_contain_text("trained from the files")
    screenshot(page, "inbox")

    group = page.get_by_test_id("inbox-group").filter(has=message)
    expect(message.get_by_role("checkbox")).not_to_be_checked()  # nothing ticked for you
    expect(group.get_by_test_id("assign-intent")).to_have_value("")  # and no guess prefilled
    expect(group.get_by_test_id("inbox-suggestion").first).to_have_text(re.compile(r"^\w+ \d+%$"))
    message.get_by_role("checkbox").check()
    group.get_by_test_id("assign-intent").fill("watering")
    expect(group.get_by_test_id("assign-submit")).to_have_text("Add as examples")
    group.get_by_test_id("assign-submit").click()

    nlu = project / "data" / "nlu.yml"
    notice = page.get_by_test_id("review-notice")
    expect(notice).to_contain_text(f"Added 1 example to watering in {nlu}")
    expect(page.get_by_test_id("inbox-message").filter(has_text=MISSED)).to_have_count(0)
    expect(page.get_by_test_id("model-state")).to_contain_text("train to use the changes")
    text = nlu.read_text()
    watering = text.split("- intent: watering")[1]
    assert watering.rstrip().endswith(f"- {MISSED}")  # under its intent, at the end
    assert "- intent: affirm  # yes, in its many forms" in text  # comments kept
    assert "# Examples for each intent, as `rasa init` writes them." in text
    screenshot(page, "assigned")

    page.get_by_test_id("validate").click()
    expect(page.get_by_test_id("validate-summary")).to_contain_text("0 errors")
    expect(page.get_by_test_id("problem").first).to_contain_text(f"{nlu}:")


def test_a_designer_edits_an_answer_with_a_preview_then_trains_and_the_bot_says_it(
    running: tuple[LiveServer, Path], browser: Browser
) -> None:
    server, project = running
    page = signed_in(browser, server, DESIGNER, PASSWORD)
    page.get_by_test_id("template-select").select_option("utter_watering")
    text = page.get_by_test_id("template-text")
    expect(text).to_have_value("Most houseplants like water once the top of the soil is dry.")
    text.fill("Water when the top 2 cm of soil are dry; {agent} agrees.")
    expect(page.get_by_test_id("preview-bubble")).to_have_text(
        "Water when the top 2 cm of soil are dry; Ana agrees."
    )
    page.get_by_test_id("template-save").click()  # {agent} is no slot: the bot would say "{agent}"
    expect(page.get_by_test_id("console-error")).to_contain_text("{agent} is not a slot")
    assert "{agent}" not in (project / "domain.yml").read_text()
    text.fill("Water when the top 2 cm of soil are dry; Ana agrees.")
    page.get_by_test_id("template-save").click()
    expect(page.get_by_test_id("template-notice")).to_contain_text("Saved utter_watering (en)")
    domain = (project / "domain.yml").read_text()
    assert '  - text: "Water when the top 2 cm of soil are dry; Ana agrees."' in domain
    assert "# The Greenhouse, a plant shop's small assistant." in domain
    screenshot(page, "template")

    page.get_by_test_id("train").click()
    training = page.get_by_test_id("training")
    expect(training).to_be_visible()
    expect(page.get_by_test_id("training-phase")).to_have_text(
        re.compile(r"^Done: model-\w+\.tar\.gz answers now\.$"), timeout=TRAINING_TIMEOUT_MS
    )
    expect(page.get_by_test_id("model-state")).to_contain_text("trained from the files")
    screenshot(page, "trained")
    assert say(server, "fern", "how often should I water my plants") == [
        "Water when the top 2 cm of soil are dry; Ana agrees."
    ]


def test_a_supervisor_sees_the_review_tab_beside_the_queue(
    running: tuple[LiveServer, Path], browser: Browser
) -> None:
    server, _ = running
    page = signed_in(browser, server, "sam", "sam-secret-1")
    expect(page.get_by_test_id("tab-queue")).to_be_visible()
    page.get_by_test_id("tab-review").click()
    expect(page.get_by_test_id("review-view")).to_be_visible()
    expect(page.get_by_test_id("queue-view")).to_be_hidden()
    expect(
        page.get_by_test_id("inbox-empty").or_(page.get_by_test_id("inbox-group").first)
    ).to_be_visible()
