"""Several workers and machines on PostgreSQL and Redis, through the real servers.

One deployment: `python -m bot run` with `server.workers: 2` (the supervisor's two
workers on one port) started at once on a fresh database, and a second machine
(another `python -m bot run`, on its own port) on the same store, rasa trackers and
Redis. A web chat stream held by one process gets the reply an agent writes
through the other; a worker killed with `kill -9` is replaced while the other
keeps answering; the SLA timer runs each tick on one process only.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis

from tests.conftest import REDIS_URL, require_postgres, require_redis
from tests.servers import LiveServer, fresh_postgres_database, handoff_config, live_server

COMPLAINT = "This is ridiculous, my lamp arrived smashed and nobody answers my emails!!!"
SLA_CHECK_SECONDS = 0.5
STARTED = re.compile(r"Worker (\d+) started")


@dataclass
class Deployment:
    """Two workers behind one port, and a second machine beside them."""

    workers: LiveServer
    machine: LiveServer
    redis_prefix: str


def wait_for(condition: Any, seconds: float, what: str) -> None:
    """Poll `condition` (a cheap check of a log or a process) until true or time is up."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds:.0f} s: {what}"
        time.sleep(0.2)


def engines_ready(server: LiveServer) -> int:
    return server.log().count("Engine ready with")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    require_postgres()
    require_redis()
    workdir = tmp_path_factory.mktemp("workers")
    tag = uuid.uuid4().hex[:10]
    with ExitStack() as stack:
        store = stack.enter_context(fresh_postgres_database())
        trackers = stack.enter_context(fresh_postgres_database()).rsplit("/", 1)[1]
        endpoints = workdir / "shared-endpoints.yml"
        endpoints.write_text(
            "tracker_store: {type: SQL, dialect: postgresql, url: 127.0.0.1, port: 5432,"
            f" db: {trackers}, username: postgres}}\n"
            f"lock_store: {{type: redis, url: 127.0.0.1, port: 6379, key_prefix: workers{tag}}}\n"
        )
        handoff = handoff_config(workdir, check_seconds=SLA_CHECK_SECONDS)
        env = {
            "BOT_ENGINE_ENDPOINTS": str(endpoints),
            "BOT_EVENTS_REDIS_URL": REDIS_URL,
            "BOT_EVENTS_REDIS_PREFIX": f"workers_{tag}",
        }
        (workdir / "a").mkdir()
        (workdir / "b").mkdir()
        workers = stack.enter_context(
            live_server(
                workdir / "a", store, handoff=handoff, extra_env={**env, "BOT_SERVER_WORKERS": "2"}
            )
        )
        wait_for(lambda: engines_ready(workers) == 2, 180, "both workers' engines loaded")
        machine = stack.enter_context(
            live_server(workdir / "b", store, handoff=handoff, extra_env=env)
        )
        yield Deployment(workers, machine, f"workers_{tag}")


def test_two_workers_start_together_on_a_fresh_database(deployment: Deployment) -> None:
    log = deployment.workers.log()
    assert len(STARTED.findall(log)) == 2
    assert not re.search(r"Worker \d+ exited", log) and "Traceback" not in log, log[-3000:]


class ChatPage:
    """A customer's web chat page: its live stream, held open on one server."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.chat_id = uuid.uuid4().hex
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        threading.Thread(target=self._listen, daemon=True).start()
        assert self.connected.wait(30), "the stream did not open"

    def _listen(self) -> None:
        url = f"{self.server.url}/chat/api/events"
        timeout = httpx.Timeout(10, read=60)
        with httpx.stream("GET", url, params={"chat_id": self.chat_id}, timeout=timeout) as reply:
            for line in reply.iter_lines():
                if line.startswith(": connected"):
                    self.connected.set()
                elif line.startswith("data:"):
                    self.received.put(json.loads(line.removeprefix("data:")))

    def say(self, text: str) -> list[dict[str, Any]]:
        reply = httpx.post(
            f"{self.server.url}/chat/api/messages",
            json={"chat_id": self.chat_id, "text": text},
            timeout=60,
        )
        assert reply.status_code == 200, reply.text
        return reply.json()["replies"]  # type: ignore[no-any-return]

    def wait_for_text(self, text: str, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                if self.received.get(timeout=left).get("text") == text:
                    return True
            except queue.Empty:
                return False
        return False


def agent(server: LiveServer, login: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{server.url}/agents/api",
        headers={"Authorization": f"Bearer {server.token(login)}"},
        timeout=60,
    )


def test_an_agents_reply_reaches_a_stream_held_by_the_other_process(
    deployment: Deployment,
) -> None:
    sam = agent(deployment.workers, "sam")
    assert sam.post("/presence", json={"presence": "online"}).status_code == 200
    delivered = {"other process": 0, "same port": 0}
    for holder, label in [(deployment.machine, "other process")] * 4 + [
        (deployment.workers, "same port")
    ] * 2:
        page = ChatPage(holder)
        page.say(COMPLAINT)
        (thread,) = [t for t in sam.get("/queue").json() if t["chat_id"] == page.chat_id]
        text = f"Sam here, about your lamp ({uuid.uuid4().hex[:6]})"
        reply = sam.post(f"/threads/{thread['id']}/reply", json={"text": text})
        assert reply.status_code == 201, reply.text
        delivered[label] += page.wait_for_text(text, 10)
        assert sam.post(f"/threads/{thread['id']}/resolve").status_code == 200
    assert delivered == {"other process": 4, "same port": 2}
    sam.post("/presence", json={"presence": "offline"})


def test_a_console_on_one_process_hears_a_customer_on_the_other(deployment: Deployment) -> None:
    heard: queue.Queue[str] = queue.Queue()
    connected = threading.Event()
    sam = agent(deployment.machine, "sam")  # the token first: the command line takes a while

    def console() -> None:
        with sam.stream("GET", "/events", timeout=30) as stream:
            for line in stream.iter_lines():
                if line.startswith(": connected"):
                    connected.set()
                elif line.startswith("event:"):
                    heard.put(line.removeprefix("event:").strip())

    threading.Thread(target=console, daemon=True).start()
    assert connected.wait(30)
    page = ChatPage(deployment.workers)
    page.say(COMPLAINT)
    assert heard.get(timeout=15).startswith("thread.")  # escalated, through Redis


def test_the_sla_timer_runs_each_tick_on_one_process(deployment: Deployment) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    pattern = f"{deployment.redis_prefix}:lease:sla:*"
    holders: dict[int, set[bytes]] = {}
    deadline = time.monotonic() + 8 * SLA_CHECK_SECONDS
    while time.monotonic() < deadline:
        for key in client.scan_iter(match=pattern):
            holder = client.get(key)
            if holder is not None:
                holders.setdefault(int(key.rsplit(b":", 1)[1]), set()).add(holder)
        time.sleep(SLA_CHECK_SECONDS / 4)
    ticks = sorted(holders)
    assert len(ticks) >= 6 and len(ticks) >= ticks[-1] - ticks[0]  # at most one tick missed
    assert all(len(holder) == 1 for holder in holders.values())  # each run by one process
    pids = {int(h.rsplit(b":", 1)[1]) for held in holders.values() for h in held}
    started = {int(pid) for pid in STARTED.findall(deployment.workers.log())}
    assert pids <= started | {deployment.machine.process.pid}


def test_a_killed_worker_is_replaced_while_the_other_answers(deployment: Deployment) -> None:
    server = deployment.workers
    started, ready = len(STARTED.findall(server.log())), engines_ready(server)
    first, second = [int(p) for p in STARTED.findall(server.log()) if Path(f"/proc/{p}").exists()]
    os.kill(first, signal.SIGKILL)
    answers = [httpx.get(f"{server.url}/health", timeout=10).status_code for _ in range(20)]
    assert answers == [200] * 20  # the other worker holds the port meanwhile
    wait_for(lambda: len(STARTED.findall(server.log())) > started, 30, "a new worker started")
    wait_for(lambda: engines_ready(server) > ready, 240, "the new worker's engine loaded")
    replacement = int(STARTED.findall(server.log())[started])
    assert Path(f"/proc/{replacement}").exists() and Path(f"/proc/{second}").exists()
    assert re.search(rf"Worker {first} exited \(code -9\)", server.log())
    assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
