"""Bot processes that can be killed and restarted, sharing one set of stores.

`shared_stores` makes what several workers share: a PostgreSQL database for the
framework's store, another for rasa's tracker store, and a Redis lock store under a
key prefix of its own. `BotProcess` runs `python -m bot run` on those stores and can
be killed with SIGKILL and started again on the same port.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2

from bot.store.migrate import upgrade_async
from tests.servers import (
    QUICK_STOP,
    ROOT,
    LiveServer,
    _wait_until_ready,
    free_port,
    fresh_postgres_database,
    handoff_config,
)

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


@dataclass
class SharedStores:
    """The stores every bot process of a test shares."""

    database_url: str
    tracker_url: str
    endpoints: Path
    handoff: Path

    def query(self, sql: str, *, trackers: bool = False) -> list[tuple[object, ...]]:
        """Rows of a query on the framework's store (or on rasa's tracker store)."""
        url = self.tracker_url if trackers else self.database_url
        with psycopg2.connect(url) as conn, conn.cursor() as cursor:
            cursor.execute(sql)
            return list(cursor.fetchall())

    def rasa_runs(self) -> dict[str, int]:
        """How many user events rasa's tracker store holds per message id."""
        runs: dict[str, int] = {}
        for (data,) in self.query(
            "SELECT data FROM events WHERE type_name = 'user'", trackers=True
        ):
            message_id = json.loads(str(data)).get("message_id")
            if message_id:
                runs[message_id] = runs.get(message_id, 0) + 1
        return runs


@contextmanager
def shared_stores(workdir: Path) -> Iterator[SharedStores]:
    """Fresh PostgreSQL databases (store, trackers) and a Redis lock prefix, then dropped."""
    prefix = f"outboxtest{uuid.uuid4().hex[:8]}"  # rasa wants it alphanumeric
    with fresh_postgres_database() as database_url, fresh_postgres_database() as tracker_url:
        tracker = urlsplit(tracker_url)
        endpoints = workdir / "endpoints.yml"
        endpoints.write_text(
            "tracker_store:\n"
            f"  {{type: SQL, dialect: postgresql, url: {tracker.hostname}, port: {tracker.port},"
            f" db: {tracker.path.lstrip('/')}, username: {tracker.username}}}\n"
            "lock_store:\n"
            f"  {{type: redis, url: {REDIS_HOST}, port: {REDIS_PORT}, db: 1,"
            f" key_prefix: {prefix}}}\n"
        )
        try:
            yield SharedStores(database_url, tracker_url, endpoints, handoff_config(workdir))
        finally:
            _forget_redis_keys(prefix)


def _forget_redis_keys(prefix: str) -> None:
    import redis

    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=1)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)
    client.close()


@dataclass
class BotProcess:
    """One `python -m bot run` on the shared stores, on a port of its own."""

    stores: SharedStores
    workdir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **QUICK_STOP,
            "BOT_DATABASE_URL": self.stores.database_url,
            "BOT_ENGINE_ENDPOINTS": str(self.stores.endpoints),
            "BOT_SERVER_PORT": str(self.port),
            "BOT_PROJECT_HANDOFF": str(self.stores.handoff),
            **self.extra_env,
        }

    def launch(self) -> None:
        """Start the process (not waiting for it to be ready)."""
        self.starts += 1
        self.workdir.mkdir(parents=True, exist_ok=True)
        with (self.workdir / f"server-{self.starts}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )

    def wait_ready(self, timeout: float = 600) -> None:
        """Wait for `/health` to answer (or fail with the log's end)."""
        assert self.process is not None
        _wait_until_ready(self.live, timeout)

    @property
    def live(self) -> LiveServer:
        """The process as the other tests' helpers know a server."""
        assert self.process is not None
        log = self.workdir / f"server-{self.starts}.log"
        return LiveServer(self.url, self.stores.database_url, log, self.process, self.env)

    def kill(self) -> None:
        """SIGKILL: no clean-up, as a crash."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


@contextmanager
def bot_processes(
    stores: SharedStores, workdir: Path, count: int, extra_env: dict[str, str] | None = None
) -> Iterator[list[BotProcess]]:
    """`count` bot processes on the shared stores, all started and ready; stopped after.

    The store is migrated first, here, so that the processes start together.
    """
    asyncio.run(upgrade_async(stores.database_url))
    processes = [
        BotProcess(stores, workdir / f"bot-{index}", dict(extra_env or {}))
        for index in range(count)
    ]
    with ExitStack() as stack:
        for process in processes:
            stack.callback(process.stop)
            process.launch()
        for process in processes:
            process.wait_ready()
        yield processes
