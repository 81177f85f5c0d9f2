"""The pure presence rules: when an agent stops counting as there, and off-shift refusal."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.actors import AgentRow, Presence
from handoff.hours import WorkingHours
from handoff.presence_rules import (
    CONSOLE_LOST,
    SESSION_EXPIRED,
    SHIFT_ENDED,
    Lapse,
    lapse,
    refuse_online,
)

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=timezone.utc)  # a Wednesday
ALWAYS = WorkingHours.parse("always")
TIMEOUT = timedelta(seconds=90)


def row(presence: Presence = Presence.ONLINE, **overrides: object) -> AgentRow:
    values: dict[str, object] = {
        "id": 1, "login": "ana", "presence": presence, "last_assigned_at": None,
        "active_threads": 0, "last_seen_at": NOW - timedelta(seconds=10),
        "session_expires_at": None,
    }  # fmt: skip
    values.update(overrides)
    return AgentRow(**values)  # type: ignore[arg-type]


def test_a_beating_console_keeps_the_agent() -> None:
    assert lapse(row(), ALWAYS, NOW, TIMEOUT) is None
    assert lapse(row(Presence.AWAY), ALWAYS, NOW, TIMEOUT) is None
    assert lapse(row(Presence.OFFLINE, last_seen_at=None), ALWAYS, NOW, TIMEOUT) is None


def test_silence_or_an_expired_session_is_offline() -> None:
    silent = row(last_seen_at=NOW - TIMEOUT)
    assert lapse(silent, ALWAYS, NOW, TIMEOUT) == Lapse(Presence.OFFLINE, CONSOLE_LOST)
    never = row(Presence.AWAY, last_seen_at=None)
    assert lapse(never, ALWAYS, NOW, TIMEOUT) == Lapse(Presence.OFFLINE, CONSOLE_LOST)
    expired = row(session_expires_at=NOW)
    assert lapse(expired, ALWAYS, NOW, TIMEOUT) == Lapse(Presence.OFFLINE, SESSION_EXPIRED)


def test_the_end_of_a_shift_is_away() -> None:
    hours = WorkingHours.parse("Mon-Fri 06:00-09:59")
    assert lapse(row(), hours, NOW, TIMEOUT) == Lapse(Presence.AWAY, SHIFT_ENDED)
    assert lapse(row(Presence.AWAY), hours, NOW, TIMEOUT) is None


def test_online_is_refused_off_shift_with_the_hours_and_the_next_start() -> None:
    assert refuse_online(ALWAYS, "always", NOW) is None
    hours = WorkingHours.parse("Thu-Fri 09:00-17:00 Europe/Madrid")
    assert refuse_online(hours, "Thu-Fri 09:00-17:00 Europe/Madrid", NOW) == (
        "you are off shift (your hours: Thu-Fri 09:00-17:00 Europe/Madrid); "
        "you can go online from Thursday 09:00 Europe/Madrid"
    )
