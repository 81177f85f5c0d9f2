"""Reading who a customer is from what they write: order numbers, contacts, names."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from core.customers import (
    Contact,
    check_name,
    check_order_format,
    contact_in,
    order_numbers,
    parse_contact,
)
from core.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("where is FH-10234?", ["FH-10234"]),
        ("fh10234 and FH 10488, again fh-10234", ["FH-10234", "FH-10488"]),
        ("order #FH-10512 please", ["FH-10512"]),
        ("my phone is 0123456789", []),
        ("XFH-10234 or FH-102345 or FH-1023", []),  # not standing alone, too long, too short
    ],
)
def test_order_numbers_are_found_in_the_brands_form(text: str, found: list[str]) -> None:
    assert order_numbers(text, "FH-#####") == found


def test_another_brands_format() -> None:
    assert order_numbers("commande ab 123456 livrée ?", "AB######") == ["AB123456"]
    assert order_numbers("order #48213, not 482130", "#####") == ["48213"]


@pytest.mark.parametrize("wrong", ["FH-", "FH-#4#", "##-FH", ""])
def test_a_format_without_digits_or_in_the_wrong_order_is_refused(wrong: str) -> None:
    assert check_order_format(wrong) is not None


def test_a_wrong_order_format_names_the_file_and_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bot.yml"
    config.write_text("brand:\n  order_number: 'FH-'\n")
    with pytest.raises(ConfigError, match=r"bot\.yml: brand\.order_number: write a digit as '#'"):
        load_settings(config, environ={})


@pytest.mark.parametrize(
    ("text", "contact"),
    [
        ("you can mail me at Jane.Doe@Example.com", Contact("email", "jane.doe@example.com")),
        ("jane@example.co.uk.", Contact("email", "jane@example.co.uk")),
        ("@jane_doe", Contact("telegram", "@jane_doe")),
        ("write to me on t.me/JaneDoe99 please", Contact("telegram", "@JaneDoe99")),
        ("the lamp broke", None),
        ("a@b.com or c@d.com", None),  # which one?
        ("@joe", None),  # too short for a Telegram username
        ("price is 20@home", None),
    ],
)
def test_a_contact_is_recognised_in_a_message(text: str, contact: Contact | None) -> None:
    assert contact_in(text) == contact


def test_a_contact_typed_in_a_form() -> None:
    assert parse_contact(" Jane@Example.com ") == Contact("email", "jane@example.com")
    assert parse_contact("jane_doe") == Contact("telegram", "@jane_doe")
    assert parse_contact("@jane_doe") == Contact("telegram", "@jane_doe")
    for wrong in ("jane@", "jane@example", "@ja", "jane doe", "x" * 300, "<b>@x</b>"):
        with pytest.raises(ValueError):
            parse_contact(wrong)


def test_names_keep_letters_and_lose_extra_spaces() -> None:
    assert check_name("  Zoë   O'Neill-Ruiz ") == "Zoë O'Neill-Ruiz"
    assert check_name("李小龍") == "李小龍"
    for wrong in ("R2D2", "<script>", "Jane\u0000", "a" * 81, "jane@example.com"):
        with pytest.raises(ValueError):
            check_name(wrong)
