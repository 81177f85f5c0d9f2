"""Who a customer is, as agents see them, and reading it from what they write.

Pure functions: the order numbers a message mentions (in the brand's format, e.g.
"FH-#####"), an e-mail address or Telegram username a customer leaves so that people
can reach them again, and the checks on a name they type.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

MAX_NAME_CHARS = 80
MAX_EMAIL_CHARS = 254
EMAIL = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}"
)
# Telegram usernames: 5-32 letters, digits and underscores, starting with a letter.
TELEGRAM_NAME = r"[A-Za-z][A-Za-z0-9_]{3,30}[A-Za-z0-9]"
TELEGRAM_HANDLE = re.compile(rf"@?({TELEGRAM_NAME})")
_HANDLE_IN_TEXT = re.compile(
    rf"(?:(?<![\w@.])@|(?:https?://)?t(?:elegram)?\.me/)({TELEGRAM_NAME})\b", re.IGNORECASE
)
_EMAIL_IN_TEXT = re.compile(rf"(?<![\w.+-]){EMAIL.pattern}(?![\w-])")
_NAME_PUNCTUATION = frozenset(" .'-\u2019")


@dataclass(frozen=True)
class Contact:
    """How a customer can be reached again: an e-mail address or a Telegram username."""

    kind: str  # "email" or "telegram"
    value: str  # "jane@example.com", or "@jane_doe"


@dataclass(frozen=True)
class CustomerProfile:
    """What agents see of a customer.

    Attributes:
        id: The customer's id in the store.
        channel: Where they write (`webchat`, `telegram`, `rest`...).
        external_id: Their id on that channel.
        name: The channel's name for them, or the one they typed.
        username: The channel's handle for them (Telegram's @username), without "@".
        email: An e-mail address they left.
        telegram: A Telegram username they left ("@jane_doe").
        contact_left_at: When they last left one of the two.
        orders: The order numbers they mentioned, latest first.
        threads: How many threads they have had, this one included.
    """

    id: int
    channel: str
    external_id: str
    name: str | None = None
    username: str | None = None
    email: str | None = None
    telegram: str | None = None
    contact_left_at: datetime | None = None
    orders: tuple[str, ...] = field(default_factory=tuple)
    threads: int = 1


def order_numbers(text: str, order_format: str) -> list[str]:
    """The order numbers in `text`, in the brand's form, in order, each once.

    Args:
        text: A customer's message ("it's fh 10234, and FH-10488").
        order_format: The brand's order numbers, `#` for a digit ("FH-#####").

    Returns:
        The numbers written as the format writes them (["FH-10234", "FH-10488"]).
    """
    found: dict[str, None] = {}
    for match in _order_pattern(order_format).finditer(text):
        digits = iter(match.group("digits"))
        found["".join(next(digits) if c == "#" else c.upper() for c in order_format)] = None
    return list(found)


def check_order_format(order_format: str) -> str | None:
    """Why `order_format` cannot describe order numbers, or None when it can."""
    if "#" not in order_format:
        return "write a digit as '#', e.g. 'FH-#####'"
    if not re.fullmatch(r"[A-Za-z]*[- ]?#+", order_format):
        return "letters, an optional '-', then '#' for each digit, e.g. 'FH-#####'"
    return None


@lru_cache(maxsize=8)
def _order_pattern(order_format: str) -> re.Pattern[str]:
    letters = order_format.rstrip("#").rstrip("- ")
    digits = order_format.count("#")
    prefix = rf"{re.escape(letters)}[\s#-]?" if letters else "#?"
    return re.compile(rf"(?<![\w]){prefix}(?P<digits>\d{{{digits}}})(?!\d)", re.IGNORECASE)


def contact_in(text: str) -> Contact | None:
    """The e-mail address or Telegram username a message leaves, if it leaves one.

    "you can mail me at jane@example.com" and "@jane_doe" (or "t.me/jane_doe") leave
    one; a message with two different addresses leaves none (which one is meant?).
    """
    emails = {match.group(0).lower() for match in _EMAIL_IN_TEXT.finditer(text)}
    handles = {match.group(1) for match in _HANDLE_IN_TEXT.finditer(text)}
    if len(emails) == 1 and not handles:
        return Contact("email", emails.pop())
    if len(handles) == 1 and not emails:
        return Contact("telegram", f"@{handles.pop()}")
    return None


def parse_contact(value: str) -> Contact:
    """A contact typed in a form: an e-mail address, or a Telegram username.

    Raises:
        ValueError: It is neither; the message says what is expected.
    """
    text = value.strip()
    if len(text) > MAX_EMAIL_CHARS:
        raise ValueError(f"the contact is over {MAX_EMAIL_CHARS} characters")
    if "@" in text.lstrip("@") or "." in text:
        if EMAIL.fullmatch(text):
            return Contact("email", text.lower())
        raise ValueError("that is not an e-mail address like name@example.com")
    handle = TELEGRAM_HANDLE.fullmatch(text.removeprefix("https://t.me/").removeprefix("t.me/"))
    if handle:
        return Contact("telegram", f"@{handle.group(1)}")
    raise ValueError(
        "give an e-mail address (name@example.com) or a Telegram username "
        "(@name: 5 to 32 letters, digits or _)"
    )


def check_name(value: str) -> str:
    """A name a customer typed, trimmed, with its spaces made single.

    Raises:
        ValueError: Too long, or with characters a name does not have (digits,
            symbols, control characters); the message says which.
    """
    name = " ".join(value.split())
    if len(name) > MAX_NAME_CHARS:
        raise ValueError(f"the name is over {MAX_NAME_CHARS} characters")
    for character in name:
        if character in _NAME_PUNCTUATION:
            continue
        category = unicodedata.category(character)
        if not category.startswith(("L", "M")):
            raise ValueError("a name has letters, spaces and . ' - only")
    return name
