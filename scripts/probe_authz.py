"""Probe issue 11's findings 1-3 from outside, against two real servers on one PostgreSQL.

    .venv/bin/python scripts/probe_authz.py [--port 7401]

Starts two `python -m bot run` processes sharing a fresh PostgreSQL database (and no
Redis), then prints: how many of ten wrong passwords for one login the pair answered
401 (not 429), again after restarting one; the median sign-in time for an unknown
login and for a known one with a wrong password; which threads an agent of billing
can read by walking the sequential ids (a bot-held thread and a care thread); and the
events of a care thread that reached billing's live stream.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import psycopg2

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))

from tests.servers import POSTGRES_SERVER, LiveServer, handoff_config, live_server  # noqa: E402

CONSOLE = {"X-Requested-With": "probe"}
PASSWORD = "probe-secret-1"
COMPLAINT = "This is ridiculous, my lamp arrived smashed and nobody answers my emails!!!"


@contextmanager
def database() -> Iterator[str]:
    """A fresh PostgreSQL database named authz_probe_*, dropped afterwards."""
    name = f"authz_probe_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(f"{POSTGRES_SERVER}/test")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES_SERVER}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def sign_in(server: LiveServer, login: str, password: str) -> tuple[int, float]:
    """One console sign-in: its status and how long it took, in ms."""
    started = time.perf_counter()
    reply = httpx.post(
        f"{server.url}/agents/api/session",
        json={"login": login, "password": password},
        headers=CONSOLE,
        timeout=30,
    )
    return reply.status_code, (time.perf_counter() - started) * 1000


def api(server: LiveServer, token: str, method: str, path: str, **body: object) -> httpx.Response:
    """One call of the agents' API with a bearer token."""
    return httpx.request(
        method,
        f"{server.url}/agents/api{path}",
        json=body if method == "POST" else None,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


def say(server: LiveServer, sender: str, text: str) -> None:
    """A customer writes on the REST channel."""
    reply = httpx.post(
        f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    assert reply.status_code == 200, reply.text


def listen(server: LiveServer, token: str, until: str, found: list[dict[str, object]]) -> None:
    """Collect the stream's events until one of type `until` arrives."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream(
        "GET", f"{server.url}/agents/api/events", headers=headers, timeout=60
    ) as stream:
        kind = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                found.append(json.loads(line.removeprefix("data: ")))
                if kind == until:
                    return


def main() -> int:
    """Start the servers, probe, print."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7401)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="authz-probe-"))
    config = handoff_config(workdir)
    with database() as url, ExitStack() as stack:
        for folder in ("a", "b", "c"):
            (workdir / folder).mkdir()
        first = stack.enter_context(live_server(workdir / "a", url, handoff=config, port=args.port))
        second = stack.enter_context(
            live_server(workdir / "b", url, handoff=config, port=args.port + 1)
        )
        for login in ("ana", "ben", "cleo", "sam", "dana"):
            assert first.cli("agents", "password", login, stdin=f"{PASSWORD}\n").returncode == 0

        answered = [sign_in((first, second)[i % 2], "ben", f"wrong-{i}")[0] for i in range(10)]
        print(f"ten wrong passwords for ben over two processes: {answered}")
        print(f"  accepted as attempts (401): {answered.count(401)} of 10")

        unknown, known = [], []
        for i in range(16):
            unknown.append(sign_in(first, f"nobody-{i}", "wrong-password")[1])
            known.append(sign_in(first, ("ana", "cleo", "sam", "dana")[i % 4], f"bad-{i}")[1])
        print(
            f"sign-in refused in (median of 16): unknown login {statistics.median(unknown):.1f} ms,"
            f" known login {statistics.median(known):.1f} ms"
        )

        tokens = {login: first.token(login) for login in ("ana", "cleo", "sam")}
        bot_sender, care_sender = (
            f"probe-bot-{uuid.uuid4().hex[:6]}",
            f"probe-care-{uuid.uuid4().hex[:6]}",
        )
        say(first, bot_sender, "hello")
        heard: list[dict[str, object]] = []
        listener = threading.Thread(
            target=listen, args=(first, tokens["cleo"], "agent.presence", heard)
        )
        listener.start()
        time.sleep(1)  # the stream connects
        say(first, care_sender, COMPLAINT)
        say(first, care_sender, "Are you there? I want my money back for the lamp")
        queue = api(first, tokens["sam"], "GET", "/queue").json()
        (care,) = [t for t in queue if t["chat_id"] == care_sender]
        api(first, tokens["sam"], "POST", f"/threads/{care['id']}/transfer", team="care")
        api(first, tokens["cleo"], "POST", "/presence", presence="away")  # the stream's last event
        listener.join(60)
        about_care = [e["type"] for e in heard if e.get("thread_id") == care["id"]]
        print(f"billing's stream, events of care thread {care['id']}: {about_care}")

        readable = {}
        for thread_id in range(1, care["id"] + 3):
            readable[thread_id] = api(
                first, tokens["cleo"], "GET", f"/threads/{thread_id}"
            ).status_code
        print(f"billing agent cleo walking thread ids: {readable}")
        bot_ids = [care["id"] - 1]  # the "hello" thread, opened first in a fresh store
        for login in ("ana", "cleo"):
            codes = {
                path: api(first, tokens[login], method, path.format(i=bot_ids[0])).status_code
                for method, path in (("GET", "/threads/{i}"), ("GET", "/threads/{i}/history"))
            }
            print(f"{login} on the bot-held thread {bot_ids[0]}: {codes}")
        claim = api(first, tokens["cleo"], "POST", f"/threads/{bot_ids[0]}/claim").status_code
        print(f"cleo claims the bot-held thread: {claim}")

        stack.pop_all().close()  # stop both, then start one again on the same store
        with live_server(workdir / "c", url, handoff=config, port=args.port + 2) as again:
            after = [sign_in(again, "ben", f"wrong-again-{i}")[0] for i in range(6)]
            print(f"after a restart, six more wrong passwords for ben: {after}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
