"""The reports' API on the real server: figures for supervisors and managers, the thread
list and transcripts for supervisors only, and the CLI's report matching the API's."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.reports.seed import SeedPlan, seed_store, utc_today_end
from tests.servers import LiveServer, handoff_config, live_server

MANAGER = "  - {login: mona, display_name: Mona, role: manager}\n"
# One end for the seed and the range, so that a run crossing midnight reads what it seeded.
SEED_END = utc_today_end()
TODAY = (SEED_END - timedelta(days=1)).date()
RANGE: dict[str, Any] = {"from": (TODAY - timedelta(days=9)).isoformat(), "to": TODAY.isoformat()}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server with a manager among the test agents and 400 seeded threads."""
    workdir = tmp_path_factory.mktemp("reports-api")
    config = handoff_config(workdir)
    text = config.read_text().replace("role: designer}\n", "role: designer}\n" + MANAGER)
    config.write_text(text)
    url = f"sqlite:///{workdir / 'bot.db'}"
    with live_server(workdir, url, handoff=config) as running:
        seed_store(url, SeedPlan(threads=400, end=SEED_END, days=10, agent_logins=["ana", "ben"]))
        yield running


def get(server: LiveServer, login: str | None, path: str, expect: int = 200, **query: Any) -> Any:
    headers = {"Authorization": f"Bearer {server.token(login)}"} if login else {}
    reply = httpx.get(
        f"{server.url}/agents/api/reports{path}", params=query, headers=headers, timeout=60
    )
    assert reply.status_code == expect, f"{path}: {reply.status_code} {reply.text}"
    return reply.json() if "json" in reply.headers.get("content-type", "") else reply.text


def test_supervisor_reads_the_same_report_as_the_command_line(
    server: LiveServer, tmp_path: Path
) -> None:
    report = get(server, "sam", "", **RANGE)
    assert report["volume"]["conversations"] == 400
    assert report["topics"]["topics"][0]["examples"]
    result = server.cli(
        "report", "--from", RANGE["from"], "--to", RANGE["to"], "--format", "csv",
        "--output", str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = json.loads((tmp_path / "report.json").read_text())
    for section in ("volume", "speed", "satisfaction", "peak_hours", "public", "topics"):
        assert written[section] == report[section], section
    # Time online runs on while today's shifts go on: the two were read moments apart.
    cli_agents, api_agents = settled(written["agents"]), settled(report["agents"])
    assert [a for a, _ in cli_agents] == [a for a, _ in api_agents]
    for (_, cli_online), (_, api_online) in zip(cli_agents, api_agents, strict=True):
        assert abs(cli_online - api_online) <= 600
    assert "Containment (bot alone)" in result.stdout
    assert (tmp_path / "peak_hours.png").stat().st_size > 10_000
    rows = list(csv.DictReader((tmp_path / "threads.csv").open()))
    assert len(rows) == 400
    exported = get(server, "sam", "/threads.csv", **RANGE)
    assert list(csv.DictReader(io.StringIO(exported))) == rows
    speed = get(server, "sam", "/speed", **RANGE)
    assert speed["speed"] == report["speed"] and set(speed) == {"speed", "seconds"}


def settled(agents: list[dict[str, Any]]) -> list[tuple[dict[str, Any], float]]:
    """Each agent's figures without the time online, and the time online."""
    online = "time_online_seconds"
    return [({k: v for k, v in a.items() if k != online}, a[online]) for a in agents]


def test_filters_and_sections(server: LiveServer) -> None:
    telegram = get(server, "sam", "", sections="volume", channel="telegram", **RANGE)
    everything = get(server, "sam", "", sections="volume", **RANGE)
    assert set(telegram) == {"filter", "seconds", "cpu_seconds", "volume"}
    assert 0 < telegram["volume"]["conversations"] < everything["volume"]["conversations"]
    ana = get(server, "sam", "/agents", agent="ana", **RANGE)["agents"]
    assert [agent["agent"] for agent in ana] == ["ana"]


def test_manager_sees_figures_but_no_customers_words(server: LiveServer) -> None:
    report = get(server, "mona", "", **RANGE)
    assert report["volume"]["conversations"] == 400
    assert report["topics"]["topics"] and all(
        topic["examples"] == [] for topic in report["topics"]["topics"]
    )
    exported = list(csv.DictReader(io.StringIO(get(server, "mona", "/threads.csv", **RANGE))))
    assert len(exported) == 400 and all(row["customer"] == "" for row in exported)
    get(server, "mona", "/threads", 403)
    get(server, "mona", "/threads/1", 403)
    token = {"Authorization": f"Bearer {server.token('mona')}"}
    for path in ("/queue", "/threads/1", "/threads/1/history"):
        reply = httpx.get(f"{server.url}/agents/api{path}", headers=token, timeout=30)
        assert reply.status_code == 403, path
    me = httpx.get(f"{server.url}/agents/api/me", headers=token, timeout=30).json()
    assert me["role"] == "manager"


def test_supervisor_searches_threads_and_reads_a_transcript(server: LiveServer) -> None:
    page = get(server, "sam", "/threads", q="refund", limit=5)
    assert len(page["threads"]) == 5 and page["next_before"] is not None
    ids = [thread["thread_id"] for thread in page["threads"]]
    assert ids == sorted(ids, reverse=True)
    following = get(server, "sam", "/threads", q="refund", limit=5, before=page["next_before"])
    assert max(t["thread_id"] for t in following["threads"]) < min(ids)
    read = get(server, "sam", f"/threads/{ids[0]}")
    assert any("refund" in m["text"].lower() for m in read["messages"])
    rated = get(server, "sam", "/threads", rating=5, limit=200)["threads"]
    assert rated and all(thread["rating"] == 5 for thread in rated)


def test_who_may_not_and_what_is_refused(server: LiveServer) -> None:
    get(server, None, "", 401)
    get(server, "ana", "", 403)
    get(server, "dana", "", 403)
    assert "from must be a date" in get(server, "sam", "", 400, **{"from": "monday"})["error"]
    assert (
        "after"
        in get(server, "sam", "", 400, **{"from": "2026-02-01", "to": "2026-01-01"})["error"]
    )
    assert "no report" in get(server, "sam", "/nonsense", 404)["error"]
    assert "unknown sections" in get(server, "sam", "", 400, sections="volume,nope")["error"]
    assert "rating" in get(server, "sam", "/threads", 400, rating="9")["error"]
    assert "no thread" in get(server, "sam", "/threads/999999", 404)["error"]


def test_the_routes_are_in_the_openapi_document(server: LiveServer) -> None:
    document = httpx.get(f"{server.url}/agents/api/openapi.json", timeout=30).json()
    for path in (
        "/agents/api/reports",
        "/agents/api/reports/threads",
        "/agents/api/reports/threads.csv",
        "/agents/api/reports/threads/{thread_id}",
    ):
        assert path in document["paths"], path


def test_the_command_line_writes_html_and_json_and_refuses_bad_dates(
    server: LiveServer, tmp_path: Path
) -> None:
    result = server.cli("report", *_range_args(), "--format", "html", "--output", str(tmp_path))
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "report.html").read_text()
    assert "Care report" in page and 'src="peak_hours.png"' in page
    result = server.cli("report", *_range_args(), "--format", "json", "--output", str(tmp_path))
    assert json.loads(result.stdout.split("\nWrote ")[0])["volume"]["conversations"] == 400
    bad = server.cli("report", "--from", "soon", "--output", str(tmp_path))
    assert bad.returncode == 2 and "from must be a date like 2026-12-01" in bad.stderr


def _range_args() -> list[str]:
    return ["--from", RANGE["from"], "--to", RANGE["to"]]


def test_seeded_shifts_are_the_agents_time_online(server: LiveServer) -> None:
    agents = get(server, "sam", "/agents", **RANGE)["agents"]
    online = {agent["agent"]: agent["time_online_seconds"] for agent in agents}
    # Nine full days and today so far, each an 8-hour shift less a 30-minute break (give or take).
    for login in ("ana", "ben"):
        assert 9 * 7 * 3600 < online[login] < 10 * 8.5 * 3600, (login, online[login])
    assert online.get("sam", 0) == 0  # not seeded: never online
