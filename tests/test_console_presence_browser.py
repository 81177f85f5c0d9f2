"""Presence in the real console: off shift it refuses online and says why; a closed tab
stops the heartbeat, and the agent's thread goes to a colleague who is there.

Its own bot, whose console beats and sweep run every quarter second and which gives up
on a silent console after three; Cleo works only on the day after tomorrow.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser import chromium
from tests.console_page import COMPLAINT, Console, screenshot
from tests.servers import LiveServer, handoff_config, live_server_with_passwords

PASSWORDS = {"ana": "ana-secret-1", "ben": "ben-secret-1", "cleo": "cleo-secret-1"}
WORKDAY = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%a")
OFFLINE_AFTER_SECONDS = 3  # twelve beats: a busy CI machine can hold a beat back a second
BEAT_SECONDS = 0.25  # the console's heartbeat and the sweep's interval


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("console-presence")
    config = handoff_config(workdir)
    text = config.read_text().replace(
        "login: cleo, display_name: Cleo, teams: [billing], languages: [en], hours: always",
        f"login: cleo, display_name: Cleo, teams: [billing], languages: [en], "
        f"hours: {WORKDAY} 09:00-17:00 UTC",
    )
    fast = {
        "heartbeat_seconds": BEAT_SECONDS,
        "offline_after_seconds": OFFLINE_AFTER_SECONDS,
        "check_interval_seconds": BEAT_SECONDS,
    }
    config.write_text(f"{text}\npresence: {{{', '.join(f'{k}: {v}' for k, v in fast.items())}}}\n")
    database = f"sqlite:///{workdir / 'bot.db'}"
    with live_server_with_passwords(
        workdir, database, PASSWORDS, handoff=config, timeout=600
    ) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def console(browser: Browser, server: LiveServer, login: str) -> Console:
    opened = Console(browser, server, login)
    opened.sign_in(PASSWORDS[login])
    return opened


def test_off_shift_the_console_says_why_online_is_refused(
    browser: Browser, server: LiveServer
) -> None:
    cleo = console(browser, server, "cleo")
    with cleo.page.expect_response("**/agents/api/presence") as answer:
        cleo.page.get_by_test_id("presence").get_by_text("Online").click()
    assert answer.value.status == 409

    toast = cleo.page.get_by_test_id("console-error")
    expect(toast).to_contain_text(f"You are off shift (your hours: {WORKDAY} 09:00-17:00 UTC)")
    expect(cleo.page.get_by_test_id("presence-offline")).to_be_checked()
    screenshot(cleo.page, "off-shift")
    cleo.context.close()


def agents_presence(server: LiveServer) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {server.token('sam')}"}
    agents = httpx.get(f"{server.url}/agents/api/agents", headers=headers, timeout=30).json()
    return {agent["login"]: agent["presence"] for agent in agents}


def test_a_closed_tab_makes_the_agent_offline_and_their_thread_moves(
    browser: Browser, server: LiveServer
) -> None:
    ana = console(browser, server, "ana")
    ana.presence("online")
    reply = httpx.post(
        f"{server.url}/webhooks/rest/webhook",
        json={"sender": "closed-tab-customer", "message": COMPLAINT},
        timeout=60,
    )
    assert "Ana" in " ".join(answer["text"] for answer in reply.json())
    ben = console(browser, server, "ben")
    ben.presence("online")

    ana.context.close()  # the tab is closed: no sign-out, no more heartbeats
    closed_at = time.monotonic()
    deadline = closed_at + OFFLINE_AFTER_SECONDS + 20
    while agents_presence(server)["ana"] != "offline":
        assert time.monotonic() < deadline, "Ana is still shown online"
        time.sleep(0.25)
    print(f"offline {time.monotonic() - closed_at:.1f} s after the tab closed")

    assert agents_presence(server)["ben"] == "online"  # his console keeps beating
    expect(ben.item("closed-tab-customer")).to_be_visible()  # the thread came to him
    ben.context.close()
