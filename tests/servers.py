"""Real servers for tests: a fresh PostgreSQL database, and the bot as a subprocess."""

from __future__ import annotations

import asyncio
import fcntl
import functools
import itertools
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg2
import pytest
import yaml

from bot.bench.systems import fresh_database
from bot.cli.agent_admin import new_token, open_store, store_password
from bot.config import Settings, load_settings
from bot.project_directory import use_project_directory
from bot.store import Database
from handoff.settings import HandoffSettings, load_handoff_settings

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_SERVER = os.environ.get("BOT_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
# Names of the databases tests create (several checkouts may share one server).
DATABASE_PREFIX = os.environ.get("BOT_TEST_DATABASE_PREFIX", "bot_test_")
# pytest-xdist's name for this worker process ("gw0", "gw1", ...; unset without -n).
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# Sanic's own setting (read from SANIC_*): a stopping server waits this long for open
# requests, an event stream that a test's client still holds among them (default 15 s).
QUICK_STOP = {"SANIC_GRACEFUL_SHUTDOWN_TIMEOUT": "1"}
T = TypeVar("T")


@functools.cache
def demo_domain() -> dict[str, Any]:
    """The demo domain (data/domain.yml; tests read it, never change it), parsed once:
    a parse takes a tenth of a second, and the live tests check hundreds of answers."""
    return yaml.safe_load((ROOT / "data" / "domain.yml").read_text())  # type: ignore[no-any-return]


def variants(response: str) -> set[str]:
    """The texts a response template of the demo domain can produce."""
    return {variant["text"] for variant in demo_domain()["responses"][response]}


def _worker_number() -> int:
    return int(WORKER[2:]) if WORKER.startswith("gw") and WORKER[2:].isdigit() else 0


# The servers' ports, below the kernel's ephemeral range (Linux's default: 32768-60999),
# so that no outgoing connection and no other process's `bind(0)` takes one between this
# check and the server's own bind: each xdist worker has 1,000 of its own (worker 0, and
# a run without xdist, from 20000; worker 1 from 21000, ...), walked from a random start
# (two checkouts running at once rarely meet) and none handed out twice in a session.
_PORTS = 1000
_first = 20000 + _PORTS * (_worker_number() % 12)
_offsets = itertools.count(random.randrange(_PORTS))


def free_port() -> int:
    """A port no server of this test run listens on, free when this returns."""
    for _ in range(_PORTS):
        port = _first + next(_offsets) % _PORTS
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {_first}-{_first + _PORTS - 1}")


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (created if missing): one process at a time,
    across pytest-xdist's workers; released when the holder exits, even by a crash."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared_temp(factory: pytest.TempPathFactory) -> Path:
    """The session's temporary folder that every xdist worker sees (each worker's own
    `getbasetemp()` is a folder inside it); without xdist, `getbasetemp()` itself."""
    base = factory.getbasetemp()
    return base.parent if WORKER else base


def postgres_reachable() -> bool:
    try:
        psycopg2.connect(f"{POSTGRES_SERVER}/test", connect_timeout=3).close()
    except psycopg2.OperationalError:
        return False
    return True


def fresh_postgres_database() -> AbstractContextManager[str]:
    """An empty database for one test (or session), dropped afterwards (the bench's)."""
    prefix = f"{DATABASE_PREFIX}{WORKER + '_' if WORKER else ''}"
    return fresh_database(POSTGRES_SERVER, prefix, admin_database="test")


@dataclass
class LiveServer:
    """A running `python -m bot run`."""

    url: str
    database_url: str
    log_path: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run `python -m bot ARGS` against this server's store and settings."""
        return subprocess.run(
            [sys.executable, "-m", "bot", *args], input=stdin if stdin is not None else "",
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    def token(self, login: str) -> str:
        """An API token for an agent, issued once as `agents token` issues it.

        In this process, by the command's own function, on the server's store and
        settings: a `python -m bot` per token costs seconds of imports (the command
        itself is tested in tests/test_sign_in_live.py and tests/test_console_api.py).
        """
        if login not in self.tokens:
            issued = self.admin(lambda store, agents: new_token(store, agents, login))
            self.tokens[login] = issued[0]
        return self.tokens[login]

    def set_passwords(self, passwords: Mapping[str, str], project: Path | None = None) -> None:
        """Console passwords, stored as `agents password` stores them (in this process).

        `project`: the `--project DIR` the command would be given.
        """

        async def store_all(store: Database, agents: HandoffSettings) -> None:
            for login, password in passwords.items():
                assert agents.agent(login) is not None, login
                await store_password(store, agents, login, password)

        self.admin(store_all, project)

    def admin(
        self,
        work: Callable[[Database, HandoffSettings], Awaitable[T]],
        project: Path | None = None,
    ) -> T:
        """Run `work` on the server's store and agents, as the command line would."""

        async def run() -> T:
            settings = self.settings(project)
            store = await open_store(settings)
            try:
                return await work(store, load_handoff_settings(settings.project.handoff))
            finally:
                await store.close()

        return run_to_end(run())

    def settings(self, project: Path | None = None) -> Settings:
        """The settings the command line reads with this server's environment."""
        config = ROOT / "config" / "bot.yml"
        settings = load_settings(config if config.exists() else None, self.env)
        return use_project_directory(settings, project, self.env) if project else settings


def run_to_end(work: Awaitable[T]) -> T:
    """Await `work` from synchronous test code (in a thread of its own inside a loop)."""

    async def wrapped() -> T:
        return await work

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(wrapped())
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, wrapped()).result()


TEST_AGENTS = """
teams:
  care: {name: Customer care, topics: [orders, delivery, returns, account]}
  billing: {name: Billing, topics: [payments]}
routing: {default_team: care, handle_time_minutes: 4}
agents:
  - {login: ana, display_name: Ana, teams: [care], languages: [en], skills: [orders], capacity: 2}
  - {login: ben, display_name: Ben, teams: [care], languages: [en, de], skills: [returns],
     capacity: 2}
  - {login: cleo, display_name: Cleo, teams: [billing], languages: [en], capacity: 1}
  - {login: sam, display_name: Sam, role: supervisor, teams: [care, billing], capacity: 5}
  - {login: dana, display_name: Dana, role: designer}
"""


def handoff_config(
    workdir: Path,
    *,
    sla_minutes: float = 5,
    check_seconds: float = 15,
    hours: str = "always",
) -> Path:
    """The real detection settings, with the test agents, their hours and the given SLA."""
    detection = (ROOT / "config" / "handoff.yml").read_text()
    detection = detection.split("\nagents:")[0].split("\nteams:")[0]
    agents = TEST_AGENTS.replace("capacity:", f"hours: {hours}, capacity:")
    path = workdir / "handoff.yml"
    sla = f"sla: {{first_response_minutes: {sla_minutes}, check_interval_seconds: {check_seconds}}}"
    path.write_text(f"{detection}\n{agents}\n{sla}\n")
    return path


@contextmanager
def live_server(
    workdir: Path,
    database_url: str,
    *,
    handoff: Path | None = None,
    timeout: float = 300,
    extra_env: dict[str, str] | None = None,
    port: int | None = None,
    args: Sequence[str] = (),
) -> Iterator[LiveServer]:
    """Start the bot on a free port with its own store, tracker database and agents.

    `extra_env` adds variables (e.g. a channel's options); `port` picks the port;
    `args` go after `python -m bot run` (e.g. `--project DIR`).
    """
    port = port or free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(
        f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {workdir / 'var' / 'trackers.db'}\n"
    )
    env = {
        **os.environ,
        **QUICK_STOP,
        "BOT_DATABASE_URL": database_url,
        "BOT_ENGINE_ENDPOINTS": str(endpoints),
        "BOT_SERVER_PORT": str(port),
        "BOT_PROJECT_HANDOFF": str(handoff or handoff_config(workdir)),
        **(extra_env or {}),
    }
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", *args], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    server = LiveServer(f"http://127.0.0.1:{port}", database_url, log_path, process, env)
    try:
        _wait_until_ready(server, timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def live_server_with_passwords(
    workdir: Path,
    database_url: str,
    passwords: Mapping[str, str],
    *,
    handoff: Path | None = None,
    timeout: float = 300,
    project: Path | None = None,
) -> Iterator[LiveServer]:
    """`live_server` with a console password for each login given (`project`: its
    `--project DIR`)."""
    args = ["--project", str(project)] if project else []
    with live_server(workdir, database_url, handoff=handoff, timeout=timeout, args=args) as running:
        running.set_passwords(passwords, project)
        yield running


def _wait_until_ready(server: LiveServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log()[-4000:]}")
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the server was not ready in {timeout:.0f} s:\n{server.log()[-4000:]}")
