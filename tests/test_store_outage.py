"""A database outage through a local TCP proxy: quick 503s, an honest /health, recovery.

The bot's store is PostgreSQL reached through `tests.tcp_proxy`. Refused (the proxy
closed): customers get 503 with Retry-After at once and `/health` names the
database. Black-holed (connections accepted, nothing forwarded): the same within the
store's time limits, not a hang. Restored: 200 again, without a restart.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import require_postgres
from tests.servers import LiveServer, fresh_postgres_database, live_server
from tests.tcp_proxy import TcpProxy, tcp_proxy

CONNECT_SECONDS = 1
STATEMENT_SECONDS = 1
# The longest a request may wait: a pooled connection's check, then a new connection.
LIMIT_SECONDS = CONNECT_SECONDS + STATEMENT_SECONDS + 2


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, TcpProxy]]:
    require_postgres()
    workdir: Path = tmp_path_factory.mktemp("outage")
    with fresh_postgres_database() as url, tcp_proxy() as proxy:
        through_proxy = url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        env = {
            "BOT_DATABASE_CONNECT_TIMEOUT_SECONDS": str(CONNECT_SECONDS),
            "BOT_DATABASE_STATEMENT_TIMEOUT_SECONDS": str(STATEMENT_SECONDS),
        }
        with live_server(workdir, through_proxy, extra_env=env) as server:
            yield server, proxy


def customer_message(server: LiveServer) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    reply = httpx.post(
        f"{server.url}/webhooks/rest/webhook",
        json={"sender": f"outage-{uuid.uuid4().hex[:8]}", "message": "when are you open?"},
        timeout=60,
    )
    return reply, time.monotonic() - started


def health(server: LiveServer) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    reply = httpx.get(f"{server.url}/health", timeout=60)
    return reply, time.monotonic() - started


def assert_outage(server: LiveServer, within: float) -> None:
    for _ in range(3):
        reply, took = customer_message(server)
        assert reply.status_code == 503, reply.text
        assert reply.headers["Retry-After"].isdigit()
        assert reply.json() == {"error": reply.json()["error"]} and "database" in reply.text
        assert took < within, f"{took:.1f} s"
    reply, took = health(server)
    assert reply.status_code == 503 and took < within, f"{reply.status_code} in {took:.1f} s"
    report = reply.json()["dependencies"]
    assert report["database"] != "ok" and report["engine"] == "ok"


def assert_recovered(server: LiveServer) -> None:
    deadline = time.monotonic() + 20
    while health(server)[0].status_code != 200:
        assert time.monotonic() < deadline, "the store did not come back by itself"
        time.sleep(0.5)
    reply, _took = customer_message(server)
    assert reply.status_code == 200 and reply.json()[0]["text"]


def test_a_refused_database_gives_quick_503s_and_service_resumes(
    proxied: tuple[LiveServer, TcpProxy],
) -> None:
    server, proxy = proxied
    assert customer_message(server)[0].status_code == 200
    assert health(server)[0].json()["dependencies"] == {"database": "ok", "engine": "ok"}
    proxy.refuse()
    assert_outage(server, within=2.0)
    proxy.forward()
    assert_recovered(server)


def test_a_black_holed_database_gives_503s_within_the_time_limits_not_a_hang(
    proxied: tuple[LiveServer, TcpProxy],
) -> None:
    server, proxy = proxied
    assert customer_message(server)[0].status_code == 200
    proxy.black_hole()
    assert_outage(server, within=LIMIT_SECONDS)
    proxy.forward()
    assert_recovered(server)
