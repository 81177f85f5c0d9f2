"""Sign-in and what agents see, against real servers: two processes on one PostgreSQL.

Wrong passwords are counted across processes and restarts; an unknown login costs
what a known one costs; a revoked agent's token and session stop working; the audit
trail records it all; a thread the bot holds, or another team's, is not listed, read
or streamed to an agent.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.conftest import require_postgres
from tests.servers import LiveServer, fresh_postgres_database, handoff_config, live_server

PASSWORD = "live-secret-1"
CONSOLE = {"X-Requested-With": "fernhill-console"}
COMPLAINT = "This is ridiculous, my lamp arrived smashed and nobody answers my emails!!!"
LOGINS = ("ana", "ben", "cleo", "sam", "dana")


@dataclass
class Pair:
    """Two server processes sharing one PostgreSQL store."""

    first: LiveServer
    second: LiveServer
    workdir: Path
    config: Path
    url: str


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    require_postgres()
    workdir = tmp_path_factory.mktemp("sign-in-live")
    config = handoff_config(workdir)
    settings = yaml.safe_load(config.read_text())
    settings["console"] = {"max_failed_sign_ins": 5, "max_failed_sign_ins_per_address": 80}
    config.write_text(yaml.safe_dump(settings))
    for name in ("a", "b"):
        (workdir / name).mkdir()
    with fresh_postgres_database() as url, ExitStack() as stack:
        first = stack.enter_context(live_server(workdir / "a", url, handoff=config, timeout=900))
        second = stack.enter_context(live_server(workdir / "b", url, handoff=config, timeout=900))
        first.set_passwords(dict.fromkeys(LOGINS, PASSWORD))
        yield Pair(first, second, workdir, config, url)


def sign_in(server: LiveServer, login: str, password: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/agents/api/session",
        json={"login": login, "password": password},
        headers=CONSOLE,
        timeout=60,
    )


def api(server: LiveServer, token: str, method: str, path: str, **body: Any) -> httpx.Response:
    return httpx.request(
        method,
        f"{server.url}/agents/api{path}",
        json=body if method == "POST" else None,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


def test_wrong_passwords_count_across_processes_and_restarts(pair: Pair) -> None:
    answers = [sign_in((pair.first, pair.second)[i % 2], "ben", f"guess-{i}") for i in range(10)]
    codes = [answer.status_code for answer in answers]
    print(f"\nten wrong passwords for ben over two processes: {codes}")
    assert codes == [401] * 5 + [429] * 5
    assert "try again in 15 minutes" in answers[-1].json()["error"]
    assert sign_in(pair.second, "ben", PASSWORD).status_code == 429  # even the right one
    assert sign_in(pair.first, "ana", PASSWORD).status_code == 200  # others still sign in

    (pair.workdir / "c").mkdir()
    with live_server(pair.workdir / "c", pair.url, handoff=pair.config, timeout=900) as restarted:
        again = sign_in(restarted, "ben", "guess-after-restart")
    assert again.status_code == 429, again.text


def test_an_unknown_login_is_refused_as_slowly_as_a_known_one(pair: Pair) -> None:
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for round_ in range(12):
        for kind, login in (("known", LOGINS[2 + round_ % 3]), ("unknown", f"nobody{round_}")):
            started = time.perf_counter()
            refused = sign_in(pair.first, login, "not-the-password")
            timings[kind].append((time.perf_counter() - started) * 1000)
            assert refused.status_code == 401 and refused.json() == {
                "error": "wrong login or password"
            }
    known, unknown = (statistics.median(timings[kind]) for kind in ("known", "unknown"))
    print(f"\nsign-in refused over HTTP: known {known:.1f} ms, unknown {unknown:.1f} ms (median)")
    assert known / 3 < unknown < known * 3


def test_revoke_ends_the_agents_tokens_and_sessions_and_everything_is_audited(
    pair: Pair,
) -> None:
    issued = pair.first.cli("agents", "token", "dana")
    assert issued.returncode == 0 and "expires on" in issued.stderr, issued.stderr
    token = issued.stdout.strip()
    console = httpx.Client(base_url=f"{pair.second.url}/agents/api", timeout=60)
    assert console.post(
        "/session", json={"login": "dana", "password": PASSWORD}, headers=CONSOLE
    ).is_success
    assert api(pair.first, token, "GET", "/me").json()["login"] == "dana"
    assert console.get("/me").status_code == 200

    revoked = pair.first.cli("agents", "revoke", "dana")
    assert revoked.returncode == 0, revoked.stderr
    assert "1 token(s), 1 session(s)" in revoked.stdout
    for server in (pair.first, pair.second):
        refused = api(server, token, "GET", "/me")
        assert refused.status_code == 401 and "revoked" in refused.json()["error"]
    assert console.get("/me").status_code == 401
    assert sign_in(pair.first, "dana", PASSWORD).status_code == 200  # the password stays

    sam = pair.first.token("sam")
    events = api(pair.first, sam, "GET", "/audit?limit=200").json()
    seen = {(e["event"], e["login"]) for e in events}
    for expected in (
        ("token_issued", "dana"),
        ("sign_in", "dana"),
        ("revoked", "dana"),
        ("token_issued", "sam"),
    ):
        assert expected in seen, expected
    assert api(pair.first, pair.first.token("ana"), "GET", "/audit").status_code == 403
    printed = pair.first.cli("agents", "audit", "--limit", "5")
    assert printed.returncode == 0 and "token_issued" in printed.stdout, printed.stdout
    console.close()


def test_signing_out_is_audited(pair: Pair) -> None:
    console = httpx.Client(base_url=f"{pair.first.url}/agents/api", timeout=60)
    assert console.post(
        "/session", json={"login": "cleo", "password": PASSWORD}, headers=CONSOLE
    ).is_success
    assert console.delete("/session", headers=CONSOLE).status_code == 204
    events = api(pair.first, pair.first.token("sam"), "GET", "/audit?limit=5").json()
    assert [(e["event"], e["login"]) for e in events[:2]] == [
        ("sign_out", "cleo"),
        ("sign_in", "cleo"),
    ]
    console.close()


class Stream:
    """An agent's live event stream, read in a thread until a predicate matches."""

    def __init__(self, server: LiveServer, token: str, until: Callable[[dict[str, Any]], bool]):
        self.events: list[dict[str, Any]] = []
        self.connected = threading.Event()
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(server, token, until), daemon=True)
        self._thread.start()
        assert self.connected.wait(60), "the stream did not connect"

    def _read(
        self, server: LiveServer, token: str, until: Callable[[dict[str, Any]], bool]
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        url = f"{server.url}/agents/api/events"
        with httpx.stream("GET", url, headers=headers, timeout=90) as reply:
            for line in reply.iter_lines():
                if line.startswith(": connected"):
                    self.connected.set()
                elif line.startswith("data: "):
                    event = json.loads(line.removeprefix("data: "))
                    self.events.append(event)
                    if until(event):
                        self.done.set()
                        return

    def about(self, thread_id: int) -> list[str]:
        assert self.done.wait(60), f"the stream never got its last event: {self.events}"
        return [e["type"] for e in self.events if e.get("thread_id") == thread_id]


def say(server: LiveServer, sender: str, text: str) -> None:
    reply = httpx.post(
        f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    assert reply.status_code == 200, reply.text


def test_another_teams_thread_is_neither_streamed_listed_nor_read(pair: Pair) -> None:
    server = pair.first
    tokens = {login: server.token(login) for login in ("ana", "cleo", "sam")}
    cleo_id = api(server, tokens["cleo"], "GET", "/me").json()["id"]
    marker = f"away-{uuid.uuid4().hex[:6]}"

    def last(event: dict[str, Any]) -> bool:  # Cleo going away ends every stream
        return event.get("type") == "agent.presence" and event.get("agent_id") == cleo_id

    streams = {login: Stream(server, tokens[login], last) for login in ("ana", "cleo", "sam")}
    bot_sender, care_sender = f"bot-{marker}", f"care-{marker}"
    say(server, bot_sender, "hello")
    say(server, care_sender, COMPLAINT)
    say(server, care_sender, "Is anybody there? The lamp is in pieces")
    (care,) = [
        t for t in api(server, tokens["sam"], "GET", "/queue").json() if t["chat_id"] == care_sender
    ]
    moved = api(server, tokens["sam"], "POST", f"/threads/{care['id']}/transfer", team="care")
    assert moved.status_code == 200, moved.text
    api(server, tokens["cleo"], "POST", "/presence", presence="away")

    heard = {login: stream.about(care["id"]) for login, stream in streams.items()}
    print(f"\nevents of care thread {care['id']} per stream: {heard}")
    assert heard["cleo"] == []
    for login in ("ana", "sam"):
        assert {"thread.escalated", "message.customer", "thread.transferred"} <= set(heard[login])

    bot_thread = care["id"] - 1  # "hello" opened the thread just before
    supervisor_view = api(server, tokens["sam"], "GET", f"/threads/{bot_thread}").json()
    assert supervisor_view["chat_id"] == bot_sender and supervisor_view["state"] == "bot"
    for login, thread_ids in (("cleo", (bot_thread, care["id"])), ("ana", (bot_thread,))):
        for thread_id in thread_ids:
            for method, path in (
                ("GET", f"/threads/{thread_id}"),
                ("GET", f"/threads/{thread_id}/history"),
                ("POST", f"/threads/{thread_id}/claim"),
                ("POST", f"/threads/{thread_id}/notes"),
            ):
                refused = api(server, tokens[login], method, path, text="peek")
                assert refused.status_code == 404, (login, path, refused.text)
                assert refused.json() == {"error": f"no thread {thread_id}"}
        listed = {t["id"] for t in api(server, tokens[login], "GET", "/queue").json()}
        assert bot_thread not in listed
    assert care["id"] not in {t["id"] for t in api(server, tokens["cleo"], "GET", "/queue").json()}
    assert care["id"] in {t["id"] for t in api(server, tokens["ana"], "GET", "/queue").json()}
    missing = api(server, tokens["cleo"], "GET", f"/threads/{care['id'] + 1000}")
    assert missing.json() == {"error": f"no thread {care['id'] + 1000}"}  # the same answer
