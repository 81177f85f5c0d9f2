"""Several workers: start-up refuses each store the workers cannot share, by file and key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from core.errors import ConfigError
from tests.servers import ROOT

SHARED = {
    "BOT_SERVER_WORKERS": "2",
    "BOT_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/workers_never_opened",
    "BOT_EVENTS_REDIS_URL": "redis://127.0.0.1:6379/0",
}
POSTGRES_TRACKERS = "tracker_store:\n  type: SQL\n  dialect: postgresql\n  db: trackers\n"
REDIS_LOCKS = "lock_store:\n  type: redis\n  url: 127.0.0.1\n"

UNSHAREABLE = [
    # (endpoints file, the key named, its line)
    ("tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: t.db\n" + REDIS_LOCKS,
     "tracker_store.dialect", 3),
    ("tracker_store:\n  type: SQL\n  db: t.db\n" + REDIS_LOCKS, "tracker_store.dialect", 1),
    (REDIS_LOCKS, "tracker_store.type", None),
    ("tracker_store:\n  type: in_memory\n" + REDIS_LOCKS, "tracker_store.type", 2),
    (POSTGRES_TRACKERS, "lock_store.type", None),
    (POSTGRES_TRACKERS + "lock_store:\n  type: in_memory\n", "lock_store.type", 6),
]  # fmt: skip


def endpoints(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "endpoints.yml"
    path.write_text(text)
    return {**SHARED, "BOT_ENGINE_ENDPOINTS": str(path)}


@pytest.mark.parametrize(("text", "key", "line"), UNSHAREABLE)
def test_each_unshareable_rasa_store_is_refused_by_file_and_key(
    tmp_path: Path, text: str, key: str, line: int | None
) -> None:
    environ = endpoints(tmp_path, text)
    with pytest.raises(ConfigError) as refused:
        load_settings(None, environ=environ)
    where = f"{tmp_path / 'endpoints.yml'}:{line}" if line else str(tmp_path / "endpoints.yml")
    assert str(refused.value).startswith(f"{where}: {key}: ")
    assert "server.workers is 2" in str(refused.value)


def test_shared_stores_are_accepted(tmp_path: Path) -> None:
    environ = endpoints(tmp_path, POSTGRES_TRACKERS + REDIS_LOCKS)
    assert load_settings(None, environ=environ).server.workers == 2


def test_one_worker_may_keep_its_stores_to_itself(tmp_path: Path) -> None:
    environ = {**endpoints(tmp_path, ""), "BOT_SERVER_WORKERS": "1"}
    assert load_settings(None, environ=environ).server.workers == 1


def test_no_endpoints_file_is_refused_too() -> None:
    with pytest.raises(ConfigError, match=r"engine\.endpoints: server\.workers is 2"):
        load_settings(None, environ={**SHARED, "BOT_ENGINE_ENDPOINTS": ""})


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"BOT_DATABASE_URL": "sqlite:///var/x.db"}, "server.workers: several workers need a"),
        ({"BOT_EVENTS_REDIS_URL": ""}, "server.workers: several workers need events.redis_url"),
        ({}, "tracker_store.dialect: a SQLite file cannot be shared"),
    ],
)
def test_run_refuses_to_start_with_exit_code_2(
    tmp_path: Path, override: dict[str, str], message: str
) -> None:
    environ = {**os.environ, **SHARED, **override}
    if not override:  # the shipped endpoints file: rasa's trackers in a SQLite file
        environ.pop("BOT_ENGINE_ENDPOINTS", None)
    environ["BOT_SERVER_PORT"] = "7299"
    started = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=environ, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert started.returncode == 2, started.stderr[-2000:]
    assert message in started.stderr
    if not override:
        assert "config/endpoints.yml:" in started.stderr
