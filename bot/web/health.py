"""Dependencies' health: `/health`, and the quick 503 while one of them is down.

`/health` asks each dependency (the database, Redis when configured, the engine's
model) and answers 200 only when all are up, 503 otherwise, naming each one's state.
A request that fails because the database or Redis cannot be reached, or does not
answer within the store's time limits, gets 503 `{"error": ...}` with Retry-After
instead of a 500; the pools reconnect by themselves once the dependency is back.
"""

from __future__ import annotations

import asyncio
import traceback
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sanic import response
from sanic.response import HTTPResponse

if TYPE_CHECKING:
    from bot.runtime import Services

RETRY_AFTER_SECONDS = 5
DRIVERS = ("sqlalchemy", "asyncpg", "aiosqlite", "redis")
REDIS_PING_SECONDS = 2.0


def unavailable_dependency(error: BaseException) -> str | None:
    """'database' or 'redis' when `error` (or its cause) means it is unreachable or too slow."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current).__module__.split(".")[0]
        if isinstance(current, (sa.exc.OperationalError, sa.exc.InterfaceError)):
            return "database"
        if isinstance(current, sa.exc.TimeoutError):  # no pooled connection in time
            return "database"
        if isinstance(current, sa.exc.DBAPIError) and current.connection_invalidated:
            return "database"
        if kind == "redis" and type(current).__name__ in {"ConnectionError", "TimeoutError"}:
            return "redis"
        if kind == "asyncpg" and "Connection" in type(current).__name__:
            return "database"
        if isinstance(current, (OSError, asyncio.TimeoutError)):
            driver = _raised_in_driver(current)
            if driver is not None:
                return "redis" if driver == "redis" else "database"
        current = current.__cause__ or current.__context__
    return None


def outage_response(dependency: str) -> HTTPResponse:
    """503 with Retry-After: the client should try again shortly."""
    return response.json(
        {"error": f"the {dependency} is not answering; try again in a few seconds"},
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def dependencies(services: Services) -> dict[str, str]:
    """Each dependency's state: "ok", or what is wrong with it."""
    report = {"database": await _check(_database(services), _database_limit(services))}
    ping = getattr(services.handoff.events, "ping", None)
    if ping is not None:
        report["redis"] = await _check(ping(), REDIS_PING_SECONDS)
    report["engine"] = "ok" if services.engine.loaded else "no model loaded"
    return report


async def _database(services: Services) -> None:
    async with services.store.engine.connect() as connection:
        await connection.execute(sa.text("SELECT 1"))


def _database_limit(services: Services) -> float:
    limits = services.settings.database
    return limits.connect_timeout_seconds + limits.statement_timeout_seconds


async def _check(probe: object, seconds: float) -> str:
    try:
        await asyncio.wait_for(probe, seconds)  # type: ignore[arg-type]
    except asyncio.TimeoutError:
        return f"no answer within {seconds:g} s"
    except Exception as error:  # any failure is the dependency's state, not ours
        return f"unavailable: {type(error).__name__}: {error}"[:300]
    return "ok"


def _raised_in_driver(error: BaseException) -> str | None:
    """The database or Redis library a low-level error came through, if any."""
    for frame in traceback.extract_tb(error.__traceback__):
        for driver in DRIVERS:
            if f"/{driver}/" in frame.filename:
                return driver
    return None
