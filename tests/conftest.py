"""Shared fixtures: stores on real SQLite and PostgreSQL, and live servers on both."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis

from bot.store import Database
from bot.store.migrate import upgrade_async
from tests import servers
from tests.servers import LiveServer, fresh_postgres_database, postgres_reachable

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_URL = "redis://127.0.0.1:6379/0"
# The shared servers report where a REST answer's time went (off by default).
TIMED = {"BOT_CHANNELS_REST_SERVER_TIMING": "true"}


# The slowest files (their tests' setup, call and teardown, measured on a 2-core machine),
# slowest first. Under pytest-xdist (`make test`: `-n 2 --dist loadfile
# --no-loadscope-reorder`) each worker takes the next file when it is done with one: these
# go first, so that no worker is left alone with a long file at the end. Other files
# follow in their usual order.
SLOWEST_FILES = (
    "test_designer.py",
    "test_designer_cli.py",
    "test_customer_browser.py",
    "test_simulated_day_browser.py",
    "test_exactly_once.py",
    "test_nlu.py",
    "test_workers.py",
    "test_access_matrix.py",
    "test_console_browser.py",
    "test_languages_live.py",
    "test_designer_browser.py",
    "test_fuzz_openapi.py",
    "test_delivery.py",
    "test_bad_input.py",
    "test_sign_in_live.py",
    "test_console_agents_browser.py",
    "test_telegram.py",
    "test_engine_faults.py",
)


@pytest.hookimpl(trylast=True)  # after pytest's own grouping by fixtures
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, the slowest files first (see `SLOWEST_FILES`)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return  # one process: the usual order
    rank = {name: place for place, name in enumerate(SLOWEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: order kept


@contextmanager
def store_url(kind: str, workdir: Path) -> Iterator[str]:
    """An empty database of `kind` ("sqlite": a file in `workdir`; "postgresql": a fresh
    database, dropped afterwards)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bot.db'}"
        return
    require_postgres()
    with fresh_postgres_database() as url:
        yield url


def require_postgres() -> None:
    """Skip without PostgreSQL on a developer's machine; fail in CI, which must test it."""
    if postgres_reachable():
        return
    message = "PostgreSQL is not reachable at 127.0.0.1:5432"
    if IN_CI:
        pytest.fail(f"{message}; CI requires it")
    pytest.skip(message)


def require_redis() -> None:
    """Skip without Redis on a developer's machine; fail in CI, which must test it."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if IN_CI:
            pytest.fail("Redis is not reachable at 127.0.0.1:6379; CI requires it")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")


@pytest.fixture
def redis_available() -> None:
    """Redis at 127.0.0.1:6379 (see `require_redis`)."""
    require_redis()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind."""
    with store_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Database]:
    """A migrated store on each kind of database."""
    await upgrade_async(database_url)
    opened = Database.connect(database_url)
    yield opened
    await opened.close()


@pytest.fixture(scope="session")
def live_server_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The bot running with the embedded defaults (a SQLite store)."""
    workdir = tmp_path_factory.mktemp("server-sqlite")
    url = f"sqlite:///{workdir / 'var' / 'bot.db'}"
    with servers.live_server(workdir, url, extra_env=TIMED) as server:
        yield server


@pytest.fixture(scope="session")
def live_server_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The bot running on a PostgreSQL store."""
    require_postgres()
    workdir = tmp_path_factory.mktemp("server-postgres")
    with (
        fresh_postgres_database() as url,
        servers.live_server(workdir, url, extra_env=TIMED) as server,
    ):
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def server(request: pytest.FixtureRequest) -> LiveServer:
    """The live bot, on each kind of store."""
    name = "live_server_sqlite" if request.param == "sqlite" else "live_server_postgres"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def live_server(live_server_sqlite: LiveServer) -> LiveServer:
    """The live bot with the embedded defaults (for browser tests)."""
    return live_server_sqlite


@pytest.fixture(scope="session")
def closed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The bot whose agents work only on the day after tomorrow: nobody answers now.

    Shared by the tests of what out-of-hours customers are told (each with customers
    of its own), so that it starts once.
    """
    workdir = tmp_path_factory.mktemp("closed-server")
    workday = (datetime.now(timezone.utc) + timedelta(days=2)).strftime("%a")
    config = servers.handoff_config(workdir, hours=f"{workday} 09:00-17:00 UTC")
    url = f"sqlite:///{workdir / 'bot.db'}"
    with servers.live_server(workdir, url, handoff=config) as running:
        yield running
