"""The values the handoff's notices carry, in the customer's language.

`{wait}` ("about 4 minutes") and `{opening}` ("today at 09:00 UTC", "on Monday at
09:00 UTC") are filled in by the framework, so they are worded here, in each
language the framework knows; any other language gets the English wording.
"""

from __future__ import annotations

from datetime import datetime, timedelta

_MINUTES = {
    "en": ("1 minute", "{n} minutes"),
    "fr": ("1 minute", "{n} minutes"),
    "es": ("1 minuto", "{n} minutos"),
    "de": ("1 Minute", "{n} Minuten"),
    "it": ("1 minuto", "{n} minuti"),
}
_TODAY = {
    "en": "today at {time}",
    "fr": "aujourd'hui à {time}",
    "es": "hoy a las {time}",
    "de": "heute um {time}",
    "it": "oggi alle {time}",
}
_ON_DAY = {
    "en": "on {day} at {time}",
    "fr": "{day} à {time}",
    "es": "el {day} a las {time}",
    "de": "am {day} um {time}",
    "it": "{day} alle {time}",
}
_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "es": ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "it": ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"),
}


def minutes(wait: timedelta, language: str | None = None) -> str:
    """A wait in whole minutes, at least one: "1 minute", "4 Minuten"."""
    count = max(1, round(wait.total_seconds() / 60))
    one, many = _MINUTES.get(language or "en", _MINUTES["en"])
    return one if count == 1 else many.format(n=count)


def when(moment: datetime, now: datetime, language: str | None = None) -> str:
    """When someone will answer: "today at 09:00 UTC", "lundi à 09:00 UTC"."""
    code = language if language in _TODAY else "en"
    time = moment.strftime("%H:%M %Z").strip()
    if moment.date() == now.astimezone(moment.tzinfo).date():
        return _TODAY[code].format(time=time)
    return _ON_DAY[code].format(day=_DAYS[code][moment.weekday()], time=time)
