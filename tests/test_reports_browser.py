"""The Reports page in a real browser: a supervisor signs in, reads every section with
its SVG charts, searches threads and opens a transcript; a manager sees the figures
without the customers' words. Screenshots go to test-artifacts/reports-<name>.png."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.reports.seed import SeedPlan, seed_store, utc_today_end
from tests.browser import REPLY_TIMEOUT_MS, chromium, screenshot
from tests.servers import LiveServer, handoff_config, live_server_with_passwords

PASSWORDS = {"sam": "sam-secret-1", "mona": "mona-secret-1"}
MANAGER = "  - {login: mona, display_name: Mona, role: manager}\n"

expect.set_options(timeout=REPLY_TIMEOUT_MS)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("reports-browser")
    config = handoff_config(workdir)
    config.write_text(
        config.read_text().replace("role: designer}\n", "role: designer}\n" + MANAGER)
    )
    url = f"sqlite:///{workdir / 'bot.db'}"
    with live_server_with_passwords(workdir, url, PASSWORDS, handoff=config) as running:
        plan = SeedPlan(
            threads=3000, end=utc_today_end(), days=7, agent_logins=["ana", "ben", "sam"]
        )
        seed_store(url, plan)
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def signed_in(browser: Browser, server: LiveServer, login: str) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{server.url}/console/static/reports.html")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong login or password", ignore_case=True)
    page.get_by_label("Password").fill(PASSWORDS[login])
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#reports[data-ready=true]")).to_be_attached()
    return page


def test_supervisor_reads_the_reports_and_a_transcript(
    browser: Browser, server: LiveServer
) -> None:
    page = signed_in(browser, server, "sam")
    tiles = page.locator(".tile")
    expect(tiles.first).to_contain_text("3000")
    expect(page.locator(".tile", has_text="Containment")).to_contain_text("%")
    expect(page.locator("svg.heatmap")).to_have_count(3)
    assert page.locator("svg.heatmap rect").count() >= 3 * 7 * 24
    expect(page.locator("svg.bars rect").first).to_be_visible()
    expect(page.locator("svg.columns rect")).to_have_count(5)
    expect(page.locator(".topics li").first).to_be_visible()
    expect(page.locator(".topics q").first).to_be_visible()
    expect(page.locator(".panel", has_text="Per agent").locator("tbody tr")).to_have_count(3)
    expect(page.locator(".thread-list tbody tr").first).to_be_visible()
    screenshot(page, "reports-supervisor")

    page.get_by_label("Text").fill("refund")
    page.get_by_role("button", name="Search").click()
    first = page.locator(".thread-list[data-search*='q=refund'] tbody tr").first
    expect(first).to_be_visible()
    first.click()
    expect(page.locator(".transcript .line").first).to_be_visible()
    expect(page.locator(".transcript")).to_contain_text("refund")
    screenshot(page, "reports-transcript")

    page.get_by_label("Channel").fill("telegram")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".tile").first).not_to_contain_text("3000")
    href = page.locator("a.export").get_attribute("href")
    assert href is not None and "channel=telegram" in href


def test_manager_sees_figures_but_no_messages(browser: Browser, server: LiveServer) -> None:
    page = signed_in(browser, server, "mona")
    expect(page.locator(".tile").first).to_contain_text("3000")
    expect(page.locator(".topics li").first).to_be_visible()
    expect(page.locator(".topics q")).to_have_count(0)
    expect(page.locator(".thread-list")).to_have_count(0)
    expect(page.get_by_text("Threads and transcripts are for supervisors.")).to_be_visible()
    screenshot(page, "reports-manager")


def test_a_bad_range_is_explained(browser: Browser, server: LiveServer) -> None:
    page = signed_in(browser, server, "sam")
    today = datetime.now(timezone.utc).date()
    page.get_by_label("From").fill((today + timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("alert")).to_contain_text("is after to")


def console_signed_in(browser: Browser, server: LiveServer, login: str) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="en-GB")
    page = context.new_page()
    page.goto(f"{server.url}/console")
    page.get_by_test_id("signin-login").fill(login)
    page.get_by_test_id("signin-password").fill(PASSWORDS[login])
    page.get_by_test_id("signin-password").press("Enter")
    expect(page.get_by_test_id("app")).to_be_visible()
    return page


def test_the_console_has_a_reports_tab_for_supervisors(
    browser: Browser, server: LiveServer
) -> None:
    page = console_signed_in(browser, server, "sam")
    expect(page.get_by_test_id("queue-view")).to_be_visible()
    page.get_by_test_id("tab-reports").click()
    reports = page.get_by_test_id("reports-view")
    expect(page.locator("[data-testid=reports-view][data-ready=true]")).to_be_attached()
    expect(reports.locator(".tile").first).to_contain_text("3000")
    expect(reports.locator("svg.heatmap")).to_have_count(3)
    expect(page.get_by_test_id("queue-view")).to_be_hidden()
    screenshot(page, "console-reports-tab")


def test_a_manager_in_the_console_sees_only_the_reports(
    browser: Browser, server: LiveServer
) -> None:
    page = console_signed_in(browser, server, "mona")
    expect(page.get_by_test_id("reports-view").locator(".tile").first).to_contain_text("3000")
    for hidden in ("tab-queue", "tab-supervisor", "tab-review", "queue-view"):
        expect(page.get_by_test_id(hidden)).to_be_hidden()
    expect(page.get_by_test_id("tab-reports")).to_be_visible()
