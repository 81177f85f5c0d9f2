"""The customer's 1-5 satisfaction rating after a resolved thread."""

from __future__ import annotations

import re

_RATING = re.compile(r"^\s*([1-5])(?:\s*(?:/\s*5|stars?|\*|out of 5))?\s*[.!]?\s*$", re.IGNORECASE)


def parse_rating(text: str) -> int | None:
    """A 1-5 satisfaction rating ("4", "4/5", "5 stars", "⭐⭐⭐"), or None."""
    stars = text.strip().count("⭐")
    if stars and not text.replace("⭐", "").strip():
        return min(stars, 5)
    match = _RATING.match(text)
    return int(match.group(1)) if match else None
