"""Ratings after a resolve, in digits, stars and words, in every brand language."""

from __future__ import annotations

import pytest

from handoff.ratings import parse_rating


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        # digits, scales and stars
        ("4", 4),
        ("4/5", 4),
        ("3 / 5", 3),
        ("5 stars, great service", 5),
        ("1 star", 1),
        ("10/10", 5),
        ("7/10", 4),
        ("1/10", 1),
        ("4.5/5", 5),
        ("⭐⭐⭐⭐", 4),
        ("⭐️⭐️⭐️", 3),
        ("⭐⭐⭐⭐⭐ thank you!", 5),
        ("five stars", 5),
        ("4 out of 5", 4),
        # French
        ("très bien", 5),
        ("tres bien merci", 5),
        ("3 sur 5", 3),
        ("cinq étoiles", 5),
        ("pas mal", 3),
        ("nul", 1),
        ("mauvais service", 2),
        # Spanish
        ("muy mal", 1),
        ("muy bien, gracias", 5),
        ("4 de 5", 4),
        ("no muy bien", 2),
        ("regular", 3),
        ("excelente servicio", 5),
        # German
        ("sehr gut", 5),
        ("4 von 5 Sternen", 4),
        ("schlecht", 2),
        ("geht so", 3),
        ("ausgezeichnet, danke!", 5),
        # Italian
        ("ottimo servizio", 5),
        ("molto bene grazie", 5),
        ("pessimo", 1),
        ("così così", 3),
        ("4 stelle", 4),
        # English words
        ("great, thanks", 5),
        ("good", 4),
        ("not bad", 3),
        ("terrible", 1),
    ],
)
def test_a_rating_in_any_form_is_read_as_one_to_five(text: str, rating: int) -> None:
    assert parse_rating(text) == rating


@pytest.mark.parametrize(
    "text",
    [
        "where is my order?",
        "good morning",
        "I have 2 more questions",
        "FH-10234",
        "12",
        "0",
        "6",
        "7 stars",
        "ok",
        "thanks",
        "merci beaucoup",
        "bonjour, j'ai une autre question",
        "5 but the delivery was late",
        "good but terrible",
        "4/5 or 2/5",
        "quanto costa la spedizione",
        "",
        "⭐ where is my refund",
    ],
)
def test_anything_else_is_not_a_rating(text: str) -> None:
    assert parse_rating(text) is None
