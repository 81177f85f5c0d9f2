"""Signing in, in-process on real stores with a clock the test turns: the shared
throttle (SQLite, PostgreSQL, Redis), expiring tokens, revoking, the audit trail,
and the same time for unknown and known logins.

Across real server processes: tests/test_sign_in_live.py.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import redis

from bot.store import Database
from bot.store.sign_ins import RedisSignInFailures
from bot.web.auth import WRONG_CREDENTIALS, Authenticator
from bot.web.sign_in_throttle import SignInThrottle
from core.errors import TooManyRequests, Unauthorized
from core.ports import SignInFailures
from handoff.directory import AgentDirectory
from handoff.passwords import hash_password, hash_secret
from handoff.settings import load_handoff_settings
from tests.conftest import IN_CI
from tests.servers import handoff_config

REDIS_URL = "redis://127.0.0.1:6379/0"
START = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)


class Clock:
    """A clock the test turns."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def turn(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(params=["database", "redis"])
async def failures(
    request: pytest.FixtureRequest, store: Database
) -> AsyncIterator[SignInFailures]:
    """Where failed sign-ins are counted: the store's table, or Redis (keys authz_test_*)."""
    if request.param == "database":
        yield store.sign_in_failures
        return
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        if IN_CI:
            pytest.fail("Redis is not reachable at 127.0.0.1:6379; CI requires it")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    counter = RedisSignInFailures(REDIS_URL, f"authz_test_{uuid.uuid4().hex[:8]}:")
    yield counter
    for key in redis.Redis.from_url(REDIS_URL).scan_iter(f"{counter.prefix}*"):
        redis.Redis.from_url(REDIS_URL).delete(key)
    await counter.close()


async def test_the_throttle_counts_per_login_and_per_address_then_forgets(
    failures: SignInFailures,
) -> None:
    clock = Clock()
    throttle = SignInThrottle(failures, per_login=3, per_address=5, clock=clock)
    for _ in range(3):
        await throttle.begin("ana", "1.2.3.4")  # three wrong passwords: they stay counted
    with pytest.raises(TooManyRequests, match="try again in 15 minutes"):
        await throttle.begin("ANA", "5.6.7.8")  # per login, whatever the address or case
    for login in ("ben", "cleo"):
        await throttle.begin(login, "1.2.3.4")  # the address's fourth and fifth
    with pytest.raises(TooManyRequests):
        await throttle.begin("dora", "1.2.3.4")  # per address, whatever the login
    await throttle.begin("dora", "9.9.9.9")

    clock.turn(minutes=16)  # the window slides past every failure
    attempt = await throttle.begin("ana", "1.2.3.4")
    await throttle.begin("ana", "1.2.3.4")
    await throttle.succeeded(attempt)  # a success forgets the login's failures
    for _ in range(3):
        await throttle.begin("ana", "1.2.3.4")


async def test_a_refused_attempt_is_not_counted(failures: SignInFailures) -> None:
    clock = Clock()
    throttle = SignInThrottle(failures, per_login=2, per_address=100, clock=clock)
    await throttle.begin("ana", "1.2.3.4")
    clock.turn(minutes=10)
    await throttle.begin("ana", "1.2.3.4")
    for _ in range(5):
        with pytest.raises(TooManyRequests, match="try again in 5 minutes"):
            await throttle.begin("ana", "1.2.3.4")
    clock.turn(minutes=5, seconds=1)  # the first failure left the window
    await throttle.begin("ana", "1.2.3.4")


async def authenticator(
    store: Database, tmp_path: Path, clock: Callable[[], datetime], **console: object
) -> Authenticator:
    settings = load_handoff_settings(handoff_config(tmp_path))
    settings = replace(settings, console=replace(settings.console, **console))
    directory = AgentDirectory(settings, store.agents, store.credentials)
    await directory.start()
    return Authenticator(
        directory,
        store.credentials,
        settings.console,
        failures=store.sign_in_failures,
        audit=store.audit,
        clock=clock,
    )


async def test_a_token_expires_after_the_configured_days(store: Database, tmp_path: Path) -> None:
    clock = Clock()
    auth = await authenticator(store, tmp_path, clock, token_days=2)
    expires_at = await auth.directory.issue_token("ana", "ana-token", clock())
    assert expires_at == START + timedelta(days=2)
    assert (await auth.directory.authenticate("ana-token", clock())).login == "ana"
    clock.turn(days=2, seconds=-1)
    assert (await auth.directory.authenticate("ana-token", clock())).login == "ana"
    clock.turn(seconds=1)
    with pytest.raises(Unauthorized, match="expired"):
        await auth.directory.authenticate("ana-token", clock())


async def test_revoking_ends_every_token_and_session_of_that_agent_only(
    store: Database, tmp_path: Path
) -> None:
    clock = Clock()
    auth = await authenticator(store, tmp_path, clock)
    ids = await store.agents.sync_agents(["ana", "ben"])
    for token in ("ana-1", "ana-2"):
        await auth.directory.issue_token("ana", token, clock())
    await auth.directory.issue_token("ben", "ben-1", clock())
    await store.credentials.set_password(ids["ana"], hash_password("ana-secret-1"))
    signed_in = await auth.sign_in("ana", "ana-secret-1", "1.2.3.4")
    assert await store.credentials.revoke_all(ids["ana"]) == (2, 1)
    for token in ("ana-1", "ana-2"):
        with pytest.raises(Unauthorized):
            await auth.directory.authenticate(token, clock())
    assert (await auth.directory.authenticate("ben-1", clock())).login == "ben"
    session = await store.credentials.session(hash_secret(signed_in.secret))
    assert session is not None and session.revoked
    assert await store.credentials.revoke_all(ids["ana"]) == (0, 0)


async def test_sign_ins_failures_and_throttling_are_audited(
    store: Database, tmp_path: Path
) -> None:
    clock = Clock()
    auth = await authenticator(store, tmp_path, clock, max_failed_sign_ins=2)
    ids = await store.agents.sync_agents(["ben"])
    await store.credentials.set_password(ids["ben"], hash_password("ben-secret-1"))
    await auth.sign_in("ben", "ben-secret-1", "10.0.0.1")
    for password in ("wrong-one", "wrong-two"):
        with pytest.raises(Unauthorized, match=WRONG_CREDENTIALS):
            await auth.sign_in("ben", password, "10.0.0.1")
    with pytest.raises(TooManyRequests):
        await auth.sign_in("ben", "ben-secret-1", "10.0.0.1")  # even the right one, for now
    with pytest.raises(Unauthorized):
        await auth.sign_in("nobody", "whatever-1", "10.0.0.2")
    rows = [(e.event, e.login, e.address) for e in await store.audit.recent(10)]
    assert rows == [
        ("sign_in_failed", "nobody", "10.0.0.2"),
        ("sign_in_throttled", "ben", "10.0.0.1"),
        ("sign_in_failed", "ben", "10.0.0.1"),
        ("sign_in_failed", "ben", "10.0.0.1"),
        ("sign_in", "ben", "10.0.0.1"),
    ]
    assert [
        e.event for e in await store.audit.recent(2, before_id=(await store.audit.recent(1))[0].id)
    ] == [
        "sign_in_throttled",
        "sign_in_failed",
    ]


async def test_an_unknown_login_takes_as_long_as_a_known_one(
    store: Database, tmp_path: Path
) -> None:
    auth = await authenticator(
        store, tmp_path, Clock(), max_failed_sign_ins=1000, max_failed_sign_ins_per_address=1000
    )
    ids = await store.agents.sync_agents(["ana"])
    await store.credentials.set_password(ids["ana"], hash_password("ana-secret-1"))
    timings: dict[str, list[float]] = {"known": [], "unknown": []}
    for round_ in range(12):
        for kind, login in (("known", "ana"), ("unknown", f"nobody-{round_}")):
            started = time.perf_counter()
            with pytest.raises(Unauthorized):
                await auth.sign_in(login, "wrong-password", "10.0.0.1")
            timings[kind].append((time.perf_counter() - started) * 1000)
    known, unknown = (statistics.median(timings[k]) for k in ("known", "unknown"))
    print(
        f"in-process sign-in refused: known {known:.1f} ms, unknown {unknown:.1f} ms (median of 12)"
    )
    assert known / 3 < unknown < known * 3
    assert unknown > 5  # the dummy hash is checked: scrypt takes tens of milliseconds
