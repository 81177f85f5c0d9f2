"""The agents' console in a real browser, shared by its browser tests.

Debian's Chromium driven by Playwright: a customer writes in the web chat; agents work
in /console, each in their own browser profile, against a live bot of its own (one per
test module, so other tests' agents and threads stay out). Screenshots go to
test-artifacts/console-<name>.png. Test modules import the fixtures they use by name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    ViewportSize,
    expect,
)

from tests.browser import REPLY_TIMEOUT_MS, chromium
from tests.browser import screenshot as save_screenshot
from tests.servers import LiveServer, handoff_config, live_server_with_passwords
from tests.test_webchat_browser import ChatPage

PASSWORDS = {"ana": "ana-secret-1", "ben": "ben-secret-1", "sam": "sam-secret-1"}
COMPLAINT = "This is ridiculous, my lamp arrived smashed and nobody answers my emails!!!"
LAPTOP: ViewportSize = {"width": 1366, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
RECORD_NOTIFICATIONS = """
window.__notifications = [];
if ("Notification" in window) {
  window.Notification = new Proxy(window.Notification, {
    construct(target, args) {
      window.__notifications.push({ title: args[0], body: (args[1] || {}).body });
      return new target(...args);
    },
  });
}
"""

expect.set_options(timeout=REPLY_TIMEOUT_MS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A bot of its own whose SLA check runs every second; console passwords set."""
    workdir = tmp_path_factory.mktemp("console-browser")
    config = handoff_config(workdir, check_seconds=1)
    database = f"sqlite:///{workdir / 'bot.db'}"
    with live_server_with_passwords(workdir, database, PASSWORDS, handoff=config) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def screenshot(page: Page, name: str) -> None:
    save_screenshot(page, f"console-{name}")


class Console:
    """One agent's console, in a browser profile of its own."""

    def __init__(
        self, browser: Browser, server: LiveServer, login: str, viewport: ViewportSize = LAPTOP
    ) -> None:
        self.server = server
        self.login = login
        self.context: BrowserContext = browser.new_context(
            viewport=viewport, device_scale_factor=1, locale="en-GB"
        )
        self.context.grant_permissions(["notifications"], origin=server.url)
        self.context.add_init_script(RECORD_NOTIFICATIONS)
        self.page = self.context.new_page()
        self.page_errors: list[str] = []  # uncaught errors in the console's scripts
        self.page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        self.page.set_default_timeout(REPLY_TIMEOUT_MS)
        self.error = self.page.get_by_test_id("console-error")
        self.banner = self.page.get_by_test_id("connection-banner")
        self.notice = self.page.get_by_test_id("thread-notice")
        self.transcript = self.page.get_by_test_id("transcript")
        self.input = self.page.get_by_test_id("composer-input")

    def sign_in(self, password: str | None = None) -> None:
        self.page.goto(f"{self.server.url}/console")
        self.page.get_by_test_id("signin-login").fill(self.login)
        self.page.get_by_test_id("signin-password").fill(password or PASSWORDS[self.login])
        self.page.get_by_test_id("signin-password").press("Enter")
        expect(self.page.get_by_test_id("app")).to_be_visible()
        expect(self.page.get_by_test_id("signin")).to_be_hidden()

    def presence(self, value: str) -> None:
        choice = self.page.get_by_test_id(f"presence-{value}")
        expect(self.page.get_by_test_id("presence").locator(":checked")).to_have_count(1)
        if choice.is_checked():
            return
        with self.page.expect_response("**/agents/api/presence") as answer:
            self.page.get_by_test_id("presence").get_by_text(value.capitalize()).click()
        assert answer.value.ok
        expect(self.page.get_by_test_id(f"presence-{value}")).to_be_checked()

    def item(self, chat_id: str) -> Locator:
        return self.page.locator(f'[data-testid=queue-item][data-chat-id="{chat_id}"]')

    def messages(self, author: str | None = None) -> Locator:
        selector = "[data-testid=message]" + (f"[data-author={author}]" if author else "")
        return self.transcript.locator(selector)

    def notifications(self) -> list[dict[str, Any]]:
        return self.page.evaluate("window.__notifications")  # type: ignore[no-any-return]

    def send(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")
        expect(self.input).to_have_value("")

    def resolve(self) -> None:
        """Resolve the open thread, confirming in the dialog that asks first."""
        self.page.get_by_test_id("resolve").click()
        dialog = self.page.get_by_test_id("resolve-dialog")
        expect(dialog).to_be_visible()
        dialog.get_by_test_id("resolve-confirm").click()
        expect(dialog).to_be_hidden()

    def close(self) -> None:
        self.context.close()


OpenConsole = Callable[..., Console]


@pytest.fixture
def agent(browser: Browser, server: LiveServer) -> Iterator[OpenConsole]:
    """Opens signed-in consoles; closes them after the test."""
    opened: list[Console] = []

    def open_console(login: str, viewport: ViewportSize = LAPTOP) -> Console:
        console = Console(browser, server, login, viewport)
        opened.append(console)
        console.sign_in()
        return console

    yield open_console
    for console in opened:
        console.close()
    assert not [error for console in opened for error in console.page_errors]


OpenCustomer = Callable[[], ChatPage]


@pytest.fixture
def customers(browser: Browser, server: LiveServer) -> Iterator[OpenCustomer]:
    """Opens customers on the web chat, each on a phone of their own."""
    contexts: list[BrowserContext] = []

    def open_customer() -> ChatPage:
        context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(REPLY_TIMEOUT_MS)
        chat = ChatPage(page, server)
        chat.open()
        return chat

    yield open_customer
    for context in contexts:
        context.close()


@pytest.fixture
def customer(customers: OpenCustomer) -> ChatPage:
    """A customer on the web chat, on a phone."""
    return customers()


def tell(chat: ChatPage, text: str) -> None:
    """A customer message in a thread that people own: stored, and nobody automatic answers."""
    before = chat.messages("customer").count()
    chat.input.fill(text)
    chat.input.press("Enter")
    sent = chat.messages("customer").nth(before)
    expect(sent).to_contain_text(text)
    expect(sent).to_have_attribute("data-id", re.compile(r"^\d+$"))
