"""A simulated day, then its Reports tab in a real browser, as a new user would try it.

`python -m bot simulate --serve` plays a short day on the real server (its clock 120
times faster), prints its figures, writes report.json and serves the day's store; the
simulation's supervisor signs in to the Reports tab, which must show the figures the
command printed. The command-line report (CSV) on the day's store and the page's thread export say
the same. The screenshot goes to test-artifacts/reports-simulated-day.png.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser import REPLY_TIMEOUT_MS, chromium, screenshot
from tests.servers import ROOT

STORE = re.compile(r"store: (?P<path>\S+\.db)")
READY = re.compile(
    r"Reports: (?P<url>http://[\d.:]+)/console/static/reports\.html "
    r"\(sign in as lead, password (?P<password>\S+)\)"
)
DAY_TIMEOUT_S = 900

expect.set_options(timeout=REPLY_TIMEOUT_MS)


@dataclass
class SimulatedDay:
    """The served day: where its Reports are, the supervisor's password, its figures."""

    url: str
    password: str
    report: dict[str, Any]
    printed: str
    store: Path


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedDay]:
    output = tmp_path_factory.mktemp("simulated-day")
    log = output / "simulate.log"
    command = [sys.executable, "-m", "bot", "simulate", "--hours", "1", "--agents", "2",
               "--rate", "40", "--factor", "120", "--serve", "--output", str(output)]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        ready = _wait_for_the_day(process, log)
        yield SimulatedDay(
            ready["url"],
            ready["password"],
            json.loads((output / "report.json").read_text()),
            log.read_text(),
            Path(STORE.search(log.read_text())["path"]),  # type: ignore[index]
        )
    finally:
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C, as the command says
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(30)


def _wait_for_the_day(process: subprocess.Popen[bytes], log: Path) -> dict[str, str]:
    deadline = time.monotonic() + DAY_TIMEOUT_S
    while time.monotonic() < deadline:
        found = READY.search(log.read_text(errors="replace"))
        if found:
            return found.groupdict()
        if process.poll() is not None:
            pytest.fail(f"simulate exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        time.sleep(1)
    pytest.fail(f"no simulated day within {DAY_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


def lead_reads_the_reports(page: Page, day: SimulatedDay) -> Page:
    """The simulation's supervisor signs in to the Reports page, as the command says."""
    page.goto(f"{day.url}/console/static/reports.html")
    page.get_by_label("Login").fill("lead")
    page.get_by_label("Password").fill(day.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#reports[data-ready=true]")).to_be_attached()
    return page


def tile(page: Page, label: str) -> str:
    return page.locator(".tile", has_text=label).locator("strong").inner_text()


def test_the_reports_tab_shows_the_simulated_days_figures(day: SimulatedDay) -> None:
    volume, speed = day.report["volume"], day.report["speed"]
    public = day.report["public"]["public"]
    # The day itself: every agent message signed, every public complaint answered there
    # within 5 s (the bot's own work runs at real speed on the fast clock) and moved.
    assert volume["conversations"] > 10 and volume["escalations"] > 0
    assert volume["agent_messages"] > 0 and volume["signed_share"] == 1.0
    assert public["answered_in_public_within_5s"] == public["escalations"]
    assert public["moved_to_private"] == public["escalations"]
    assert speed["escalation_to_human"]["p90"] is not None
    assert f"conversations            {volume['conversations']}" in day.printed

    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 1000}, locale="en-GB")
        page = lead_reads_the_reports(context.new_page(), day)

        assert tile(page, "Conversations") == str(volume["conversations"])
        assert tile(page, "Escalations") == str(volume["escalations"])
        assert tile(page, "Containment") == f"{volume['containment'] * 100:.1f}%"
        assert tile(page, "Agent messages signed") == "100.0%"
        p90 = tile(page, "first human (p90)")
        assert re.fullmatch(r"[\d.]+ (s|min \d\d s|h)", p90)
        expect(page.locator(".panel", has_text="Public against private")).to_contain_text(
            f"{public['answered_in_public_within_5s']} within 5 s"
        )
        expect(page.locator(".panel", has_text="Public against private")).to_contain_text(
            f"moved to a private chat: {public['moved_to_private']} (100.0%)"
        )
        expect(page.locator("svg.heatmap")).to_have_count(3)
        expect(page.locator(".panel", has_text="Per agent").locator("tbody tr")).to_have_count(2)
        screenshot(page, "reports-simulated-day")

        # The console counts waits and SLA countdowns on the server's clock, which now
        # goes on at real speed from the day's end (not the browser's clock).
        readings = page.evaluate(
            """async () => {
              const clock = await import("/console/static/clock.js");
              await clock.syncClock();
              const first = clock.serverNow();
              await new Promise((done) => setTimeout(done, 500));
              return [first, clock.serverNow()];
            }"""
        )
        server_clock = datetime.fromisoformat(httpx.get(f"{day.url}/health").json()["clock"])
        assert abs(readings[1] / 1000 - server_clock.timestamp()) < 5
        assert 0.4 <= (readings[1] - readings[0]) / 1000 <= 3  # half a second, at real speed
        context.close()


def cli_report(day: SimulatedDay, output: Path) -> dict[str, str]:
    """`python -m bot report --format csv` on the day's store: its figures by name."""
    today = datetime.now(timezone.utc).date().isoformat()
    env = {**os.environ, "BOT_DATABASE_URL": f"sqlite:///{day.store}"}
    command = [sys.executable, "-m", "bot", "report", "--from", today, "--to", today,
               "--format", "csv", "--output", str(output)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with (output / "report.csv").open() as file:
        return {row["figure"]: row["value"] for row in csv.DictReader(file)}


def test_the_command_line_report_and_the_export_match_the_page(
    day: SimulatedDay, tmp_path: Path
) -> None:
    figures = cli_report(day, tmp_path)
    volume = day.report["volume"]
    for name in ("conversations", "escalations", "agent_messages", "agent_messages_signed"):
        assert figures[f"volume.{name}"] == str(volume[name]), name
    public = day.report["public"]["public"]
    assert figures["public.public.answered_in_public_within_5s"] == str(
        public["answered_in_public_within_5s"]
    )
    with chromium() as browser:
        page = lead_reads_the_reports(browser.new_page(), day)
        assert tile(page, "Conversations") == figures["volume.conversations"]
        with page.expect_download() as download:
            page.locator("a.export").click()
        exported = download.value.path().read_text()
    with (tmp_path / "threads.csv").open() as file:
        written = list(csv.DictReader(file))
    assert list(csv.DictReader(io.StringIO(exported))) == written
    assert len(written) == volume["conversations"]
