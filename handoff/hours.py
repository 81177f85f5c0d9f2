"""Working hours: when people answer, written as "Mon-Fri 09:00-18:00 Europe/London"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPEC = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+"
    r"(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})(?:\s+(?P<zone>\S+))?$"
)


@dataclass(frozen=True)
class WorkingHours:
    """Open on some weekdays between two times of day, in one time zone."""

    days: frozenset[int] = frozenset(range(7))
    start: time = time(0, 0)
    end: time = time(23, 59, 59)
    zone: str = "UTC"

    @classmethod
    def parse(cls, spec: str) -> WorkingHours:
        """Read "always", or "Mon-Fri 09:00-18:00 [Zone/Name]".

        Raises:
            ValueError: The text is not in that form; the message says why.
        """
        text = spec.strip().lower()
        if text == "always":
            return cls()
        match = _SPEC.match(text)
        if match is None:
            raise ValueError(
                f"{spec!r} is not like 'always' or 'Mon-Fri 09:00-18:00 Europe/London'"
            )
        first, last = match["first"], match["last"] or match["first"]
        if first not in DAYS or last not in DAYS:
            raise ValueError(f"{spec!r}: days are written {', '.join(DAYS)}")
        span = range(DAYS.index(first), DAYS.index(last) + 1)
        zone = spec.split()[-1] if match["zone"] else "UTC"
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{spec!r}: unknown time zone {zone!r}") from None
        return cls(frozenset(span), _time(match["start"], spec), _time(match["end"], spec), zone)

    def is_open(self, moment: datetime) -> bool:
        """Whether `moment` (timezone-aware) falls within the hours."""
        local = moment.astimezone(ZoneInfo(self.zone))
        return local.weekday() in self.days and self.start <= local.time() <= self.end

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself when open, else the start of the next open period."""
        if self.is_open(moment):
            return moment
        local = moment.astimezone(ZoneInfo(self.zone))
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            opening = datetime.combine(day, self.start, tzinfo=ZoneInfo(self.zone))
            if day.weekday() in self.days and opening > local:
                return opening
        raise ValueError("working hours with no open day")


def _time(text: str, spec: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(f"{spec!r}: {text} is not a time of day")
    return time(hours, minutes)
