"""Settings: defaults, environment overrides, and errors that name file, line and key."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.config import build_clock, load_settings
from bot.runtime import build_channels
from bot.store.database import parse_database_url
from core.clock import ScaledClock, utcnow
from core.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.yml"
    path.write_text(text)
    return path


def test_the_shipped_file_matches_the_defaults() -> None:
    settings = load_settings("config/bot.yml", environ={})
    assert settings.server.port == 5005
    assert settings.database.url == "sqlite:///var/bot.db"
    assert set(settings.channels) == {"rest", "webchat"}


def test_several_workers_need_postgresql_and_redis(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  workers: 4\n")
    with pytest.raises(ConfigError, match=r"server\.workers: several workers need a PostgreSQL"):
        load_settings(path, environ={})
    environ = {"BOT_DATABASE_URL": "postgresql://db/x"}
    with pytest.raises(ConfigError, match=r"several workers need events\.redis_url"):
        load_settings(path, environ=environ)
    environ["BOT_EVENTS_REDIS_URL"] = "redis://127.0.0.1:6379/0"
    with pytest.raises(ConfigError, match=r"endpoints\.yml:\d+: tracker_store\.dialect: a SQLite"):
        load_settings(path, environ=environ)  # rasa's trackers too: tests/test_shared_stores.py


def test_an_empty_file_means_defaults(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""), environ={})
    assert settings.limits.max_message_chars == 4096


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: 7000\n")
    settings = load_settings(
        path, environ={"BOT_SERVER_PORT": "8080", "BOT_DATABASE_URL": "postgresql://db/x"}
    )
    assert settings.server.port == 8080
    assert settings.database.url == "postgresql://db/x"


def test_a_misspelt_key_names_file_line_and_suggestion(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  host: 0.0.0.0\n  prot: 80\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert str(caught.value) == f"{path}:3: server.prot: unknown key (did you mean 'server.port'?)"


def test_a_wrong_type_says_what_was_expected(tmp_path: Path) -> None:
    path = write(tmp_path, "limits:\n  max_message_chars: lots\n")
    with pytest.raises(ConfigError, match=r"bot.yml:2: limits.max_message_chars: expected a whole"):
        load_settings(path, environ={})


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "server:\n  port: 1\n   host: [\n")
    with pytest.raises(ConfigError, match=r"bot.yml:\d+: not valid YAML"):
        load_settings(path, environ={})


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nowhere\.yml: cannot read the file"):
        load_settings(tmp_path / "nowhere.yml", environ={})


def test_an_unknown_channel_is_refused(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, "channels:\n  fax: {}\n"), environ={})
    with pytest.raises(
        ConfigError, match=r"channels.fax: unknown channel; known: rest, telegram, webchat"
    ):
        build_channels(settings)


def test_a_disabled_channel_is_not_built(tmp_path: Path) -> None:
    text = "channels:\n  rest: {}\n  webchat: {enabled: false}\n"
    settings = load_settings(write(tmp_path, text), environ={})
    assert [adapter.name for adapter in build_channels(settings)] == ["rest"]


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("sqlite:///var/bot.db", "sqlite+aiosqlite"),
        ("postgresql://u@h/db", "postgresql+asyncpg"),
        ("postgresql+psycopg2://u@h/db", "postgresql+asyncpg"),
    ],
)
def test_database_urls_get_the_async_driver(url: str, driver: str) -> None:
    assert parse_database_url(url).drivername == driver


def test_an_unsupported_database_is_refused() -> None:
    with pytest.raises(ConfigError, match="unsupported database 'mysql'"):
        parse_database_url("mysql://u@h/db")


def test_the_clock_is_real_time_unless_a_factor_or_start_is_set(tmp_path: Path) -> None:
    assert build_clock(load_settings(write(tmp_path, ""), environ={}).clock) is utcnow
    environ = {"BOT_CLOCK_FACTOR": "60", "BOT_CLOCK_START": "2024-05-06T09:00:00"}
    clock = build_clock(load_settings(write(tmp_path, ""), environ=environ).clock)
    assert isinstance(clock, ScaledClock) and clock.factor == 60
    clock.begin()
    assert datetime(2024, 5, 6, 9, tzinfo=timezone.utc) <= clock()  # naive start read as UTC
    assert clock() < datetime(2024, 5, 6, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("clock: {factor: 0}\n", r"clock\.factor: must be above 0"),
        ("clock: {factor: 60, start: 'at nine'}\n", r"clock\.start: an ISO date-time"),
        ("clock: {factor: 60}\nserver: {workers: 2}\n", r"clock\.factor: .*one worker only"),
    ],
)
def test_a_wrong_clock_is_refused(tmp_path: Path, text: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        load_settings(write(tmp_path, text), environ={})


def test_a_negative_session_length_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "engine:\n  session_messages: -1\n")
    with pytest.raises(ConfigError, match=r"engine\.session_messages: must be 0 \(no limit\)"):
        load_settings(path, environ={})
