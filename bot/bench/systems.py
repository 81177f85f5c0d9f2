"""The systems under test: the framework and bare `rasa run`, on the same model.

Each is started from scratch on free ports, in a session of its own, with a fresh
SQLite tracker store (the framework also with a fresh store of its own, and its
handoff detector on, as shipped), and stopped when the block ends. With several
workers the framework runs as in production: its store and rasa's tracker store in
fresh PostgreSQL databases (dropped afterwards), live events and rasa's lock in Redis.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psycopg2

from bot.bench.procfs import tree_usage
from bot.config import Settings
from bot.errors import BotError

ROOT = Path(__file__).resolve().parent.parent.parent
WEBHOOK = "/webhooks/rest/webhook"

# Routine questions the demo bot answers from its templates, one custom action
# (the order lookup), and nothing the handoff detector would escalate.
SCRIPT = (
    "hello there",
    "when are you open?",
    "how much is delivery?",
    "where is my order?",
    "it's FH-10234",
    "thanks a lot",
)


class BenchFailed(BotError):
    """A server did not start or did not answer the warm-up."""


@dataclass
class Server:
    """A server process started for the bench (in a session of its own)."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    helpers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    tracker_db: Path | None = None  # rasa's SQLite tracker store
    store_db: Path | None = None  # the framework's own SQLite store

    @property
    def pids(self) -> list[int]:
        """The processes whose CPU and memory count: the server and its helpers."""
        return [self.process.pid, *(p.pid for p in self.helpers)]

    def usage(self) -> tuple[float, float]:
        """Resident memory (MB) and CPU time (s) of the server's processes and children."""
        return tree_usage(self.pids)

    def cpu_seconds(self) -> float:
        """CPU time (s) the server's processes have used so far."""
        return self.usage()[1]

    def log_tail(self) -> str:
        """The end of the server's log, for error messages."""
        return self.log_path.read_text(errors="replace")[-3000:]


@dataclass(frozen=True)
class SharedStores:
    """Where several workers keep what they share (a PostgreSQL server, a Redis)."""

    postgres: str  # a server's URL, e.g. postgresql://postgres@127.0.0.1:5432
    redis: str  # e.g. redis://127.0.0.1:6379/0


@contextmanager
def framework(
    workdir: Path, settings: Settings, workers: int = 1, shared: SharedStores | None = None
) -> Iterator[Server]:
    """`python -m bot run` with stores of its own.

    One worker keeps them in SQLite files in `workdir`; several, in fresh databases on
    `shared` (as in production), dropped when the block ends.
    """
    port = free_port()
    endpoints = workdir / "framework-endpoints.yml"
    env = {
        "BOT_ENGINE_ENDPOINTS": str(endpoints),
        "BOT_SERVER_PORT": str(port),
        "BOT_CHANNELS_REST_SERVER_TIMING": "true",  # the stages' table
    }
    config = [] if settings.source == "(defaults)" else ["--config", settings.source]
    command = [sys.executable, "-m", "bot", *config, "run"]
    trackers: Path | None = None  # the SQLite files, which the growth part fills
    store: Path | None = None
    with ExitStack() as stack:
        if workers == 1:
            trackers, store = workdir / "framework-trackers.db", workdir / "framework.db"
            endpoints.write_text(_tracker_store(trackers))
            env["BOT_DATABASE_URL"] = f"sqlite:///{store}"
        else:
            if shared is None:
                raise BenchFailed("several workers need a PostgreSQL server and a Redis")
            tag = uuid.uuid4().hex[:8]
            env["BOT_DATABASE_URL"] = stack.enter_context(fresh_database(shared.postgres))
            tracker_url = stack.enter_context(fresh_database(shared.postgres))
            endpoints.write_text(shared_endpoints(tracker_url, shared.redis, tag))
            env |= {
                "BOT_SERVER_WORKERS": str(workers),
                "BOT_EVENTS_REDIS_URL": shared.redis,
                "BOT_EVENTS_REDIS_PREFIX": f"bench-{tag}",
            }
        server = stack.enter_context(started("framework", command, env, workdir, port, "/health"))
        if workers > 1:  # /health answers once the first is ready
            wait_for_engines(server, workers, timeout=300)
        server.tracker_db, server.store_db = trackers, store
        yield server


@contextmanager
def fresh_database(
    server_url: str, prefix: str = "bot_bench_", admin_database: str = "postgres"
) -> Iterator[str]:
    """An empty PostgreSQL database on `server_url` for the block, dropped afterwards.

    Its name is `prefix` and a random part; it is created from a connection to
    `admin_database`, which must exist.
    """
    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg2.connect(f"{server_url}/{admin_database}", connect_timeout=5)
    except psycopg2.OperationalError as error:
        raise BenchFailed(f"cannot reach PostgreSQL at {server_url}: {error}") from error
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield f"{server_url}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def shared_endpoints(tracker_url: str, redis_url: str, tag: str) -> str:
    """The rasa endpoints of several workers: a PostgreSQL tracker store, a Redis lock."""
    tracker, redis = urlsplit(tracker_url), urlsplit(redis_url)
    login = f", username: {tracker.username}" if tracker.username else ""
    return (
        f"tracker_store: {{type: SQL, dialect: postgresql, url: {tracker.hostname},"
        f" port: {tracker.port or 5432}, db: {tracker.path.lstrip('/')}{login}}}\n"
        f"lock_store: {{type: redis, url: {redis.hostname}, port: {redis.port or 6379},"
        f" key_prefix: bench{tag}}}\n"
    )


def wait_for_engines(server: Server, workers: int, timeout: float) -> None:
    """Wait until each worker has loaded its engine (its log line says so)."""
    deadline = time.monotonic() + timeout
    while server.log_path.read_text(errors="replace").count("Engine ready with") < workers:
        if server.process.poll() is not None:
            raise BenchFailed(f"{server.name} exited at start:\n{server.log_tail()}")
        if time.monotonic() > deadline:
            raise BenchFailed(f"{workers} engines not ready in {timeout:.0f} s")
        time.sleep(0.5)


@contextmanager
def rasa(workdir: Path, model: Path, *, enable_api: bool = False) -> Iterator[Server]:
    """`rasa run` on `model` with an action server, both with rasa's own defaults.

    `enable_api` adds rasa's HTTP API (`/model/parse`), for timing NLU alone.
    """
    executable = str(Path(sys.executable).with_name("rasa"))
    actions_port, port = free_port(), free_port()
    endpoints = workdir / "rasa-endpoints.yml"
    trackers = workdir / "rasa-trackers.db"
    endpoints.write_text(
        _tracker_store(trackers)
        + f"action_endpoint:\n  url: http://127.0.0.1:{actions_port}/webhook\n"
    )
    credentials = workdir / "credentials.yml"
    credentials.write_text("rest:\n")
    actions = [executable, "run", "actions", "--actions", "actions", "--port", str(actions_port)]
    command = [executable, "run", "-m", str(model), "--port", str(port)]
    command += ["--endpoints", str(endpoints), "--credentials", str(credentials)]
    if enable_api:
        command.append("--enable-api")
    with (
        started("actions", actions, {}, workdir, actions_port, "/health") as action_server,
        started("rasa", command, {}, workdir, port, "/") as server,
    ):
        server.helpers.append(action_server.process)
        server.tracker_db = trackers
        yield server


def _tracker_store(path: Path) -> str:
    return f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {path}\n"


@contextmanager
def started(
    name: str, command: list[str], env: dict[str, str], workdir: Path, port: int, ready: str
) -> Iterator[Server]:
    """Run `command` in the project folder until the block ends; wait for GET `ready`."""
    log_path = workdir / f"{name}.log"
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "RASA_TELEMETRY_ENABLED": "false"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**environment, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches the bench, which stops the servers
        )
    server = Server(name, f"http://127.0.0.1:{port}", process, log_path)
    try:
        wait_until_ready(server, ready, timeout=300)
        yield server
    finally:
        stop(process)


def wait_until_ready(server: Server, path: str, timeout: float) -> None:
    """Poll GET `path` until it answers 200; fail if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchFailed(f"{server.name} exited at start:\n{server.log_tail()}")
        try:
            if httpx.get(f"{server.url}{path}", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise BenchFailed(f"{server.name} was not ready in {timeout:.0f} s:\n{server.log_tail()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process's session, SIGKILL it if it lingers."""
    for sig, wait in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
