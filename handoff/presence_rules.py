"""When an agent stops counting as there, and when they may say they are: pure rules.

An agent is there while their console (or API client) keeps saying so: every
heartbeat records the moment, and, for a console, when its session ends. The sweep
(`handoff.availability.PresenceService.sweep`) asks `lapse` about every agent; the
presence route asks `refuse_online` before an agent goes online.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.actors import AgentRow, Presence
from handoff.hours import WorkingHours

SIGNED_OUT = "signed out"
SESSION_EXPIRED = "their session expired"
CONSOLE_LOST = "their console stopped answering"
SHIFT_ENDED = "their shift ended"


@dataclass(frozen=True)
class Lapse:
    """What an agent's presence becomes without them, and why."""

    presence: Presence
    reason: str


def lapse(
    row: AgentRow, hours: WorkingHours, now: datetime, offline_after: timedelta
) -> Lapse | None:
    """How an online or away agent's presence should change now, or None.

    Offline when their console session has expired or nothing was heard from them
    for `offline_after`; away (keeping their threads, taking no new ones) when their
    shift ended while they were online.
    """
    if row.presence is Presence.OFFLINE:
        return None
    if row.session_expires_at is not None and row.session_expires_at <= now:
        return Lapse(Presence.OFFLINE, SESSION_EXPIRED)
    if row.last_seen_at is None or now - row.last_seen_at >= offline_after:
        return Lapse(Presence.OFFLINE, CONSOLE_LOST)
    if row.presence is Presence.ONLINE and not hours.is_open(now):
        return Lapse(Presence.AWAY, SHIFT_ENDED)
    return None


def refuse_online(hours: WorkingHours, written: str, now: datetime) -> str | None:
    """Why an agent may not go online now (off shift), or None when they may.

    Args:
        hours: The agent's working hours.
        written: The hours as the configuration writes them, for the message.
        now: The moment they ask.
    """
    if hours.is_open(now):
        return None
    opening = hours.next_opening(now).astimezone(ZoneInfo(hours.zone))
    return (
        f"you are off shift (your hours: {written}); "
        f"you can go online from {opening:%A %H:%M} {hours.zone}"
    )
