"""Connecting to the store's database: URL normalisation, drivers, SQLite tuning."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from core.errors import ConfigError

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_SYNC_DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg2"}
RECYCLE_SECONDS = 1800  # replace pooled connections now and then (proxies drop idle ones)


def parse_database_url(url: str, *, asynchronous: bool = True) -> URL:
    """Accept any SQLite or PostgreSQL URL and pick the driver the store uses.

    `sqlite:///var/bot.db`, `postgresql://user@host/db` and URLs that already name a
    driver all work; other databases are refused with a clear error.
    """
    try:
        parsed = make_url(url)
    except sa.exc.ArgumentError as error:
        raise ConfigError("database", "database.url", f"not a database URL: {url!r}") from error
    backend = parsed.get_backend_name()
    drivers = _ASYNC_DRIVERS if asynchronous else _SYNC_DRIVERS
    if backend not in drivers:
        raise ConfigError(
            "database",
            "database.url",
            f"unsupported database {backend!r}; use sqlite:/// or postgresql://",
        )
    return parsed.set(drivername=drivers[backend])


def make_sqlite_folder(url: URL) -> None:
    """Create the folder of a SQLite file (SQLite creates the file, not its folder)."""
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(
    url: str, *, connect_timeout: float = 5.0, statement_timeout: float = 10.0
) -> AsyncEngine:
    """Create the async engine for `url`, creating a SQLite file's folder if needed.

    Nothing waits on the database for ever: connecting (and waiting for a pooled
    connection) gives up after `connect_timeout` seconds, a statement after
    `statement_timeout` (on SQLite: waiting for another writer's lock). Pooled
    PostgreSQL connections are checked before use, so a restarted or reachable-again
    database is used again without a restart.
    """
    parsed = parse_database_url(url)
    make_sqlite_folder(parsed)
    options: dict[str, Any] = {"future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            # aiosqlite opens a thread per connection; keep a few instead of one per query.
            options.update(poolclass=AsyncAdaptedQueuePool, pool_size=5, max_overflow=5)
        options.update(connect_args={"timeout": statement_timeout})
        engine = create_async_engine(parsed, **options)
        _tune_sqlite(engine, busy_timeout_ms=int(statement_timeout * 1000))
        return engine
    options.update(
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        pool_timeout=connect_timeout,
        pool_recycle=RECYCLE_SECONDS,
        connect_args={"timeout": connect_timeout, "command_timeout": statement_timeout},
    )
    return create_async_engine(parsed, **options)


READ_ONLY = "bot_read_only"  # execution option: the connection only reads


@asynccontextmanager
async def read_only(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads alone (on SQLite it takes no write lock; see `_tune_sqlite`)."""
    async with engine.connect() as conn:
        await conn.execution_options(**{READ_ONLY: True})
        yield conn


def _tune_sqlite(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    """WAL for concurrent readers, and writers that queue instead of failing.

    Every transaction starts with `BEGIN IMMEDIATE`: a read-then-write transaction
    then takes the write lock up front instead of failing with "database is locked"
    when it tries to upgrade, which is what makes claims race-safe on SQLite. Only
    a connection opened with `read_only` starts a plain (deferred) `BEGIN`: in WAL
    mode its reads neither wait for the writers nor hold them up.
    """

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "journal_mode=WAL",
            "synchronous=NORMAL",
            f"busy_timeout={busy_timeout_ms}",
            "foreign_keys=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    def on_begin(connection: Any) -> None:
        reading = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", on_begin)
