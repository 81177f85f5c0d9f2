"""The waits and opening times in the handoff's notices, worded in each language."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from handoff.notice_values import minutes, when

NOW = datetime(2026, 12, 1, 21, 0, tzinfo=timezone.utc)  # a Tuesday
TOMORROW_9 = datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc)
TODAY_22 = datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("language", "one", "four", "today", "tomorrow"),
    [
        ("en", "1 minute", "4 minutes", "today at 22:00 UTC", "on Wednesday at 09:00 UTC"),
        ("fr", "1 minute", "4 minutes", "aujourd'hui à 22:00 UTC", "mercredi à 09:00 UTC"),
        ("es", "1 minuto", "4 minutos", "hoy a las 22:00 UTC", "el miércoles a las 09:00 UTC"),
        ("de", "1 Minute", "4 Minuten", "heute um 22:00 UTC", "am Mittwoch um 09:00 UTC"),
        ("it", "1 minuto", "4 minuti", "oggi alle 22:00 UTC", "mercoledì alle 09:00 UTC"),
    ],
)
def test_waits_and_openings_are_worded_in_the_customers_language(
    language: str, one: str, four: str, today: str, tomorrow: str
) -> None:
    assert minutes(timedelta(seconds=20), language) == one  # never "0 minutes"
    assert minutes(timedelta(minutes=4, seconds=10), language) == four
    assert when(TODAY_22, NOW, language) == today
    assert when(TOMORROW_9, NOW, language) == tomorrow


def test_an_unknown_language_gets_english() -> None:
    assert minutes(timedelta(minutes=3), "pt") == "3 minutes"
    assert when(TOMORROW_9, NOW, None) == "on Wednesday at 09:00 UTC"
