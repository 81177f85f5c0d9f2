"""Checks of an answer template's texts before they are written: what rasa would send as is.

rasa fills `{placeholder}` from the conversation's slots (and from what a custom
action passes); any other name is sent to the customer literally, braces and all.
Channels send plain text, so `<b>` reaches the customer as the four characters.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from bot.errors import BadRequest

PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>")


def placeholders(texts: Iterable[str]) -> set[str]:
    """The `{names}` used in `texts`."""
    return {name for text in texts for name in PLACEHOLDER.findall(text)}


def slot_names(domain: Any) -> set[str]:
    """The slots a loaded domain declares."""
    slots = domain.get("slots") if isinstance(domain, Mapping) else None
    return {str(name) for name in slots} if isinstance(slots, Mapping) else set()


def text_problems(texts: Sequence[str], allowed: Collection[str]) -> list[str]:
    """What is wrong with each text, in words (empty when all is well).

    Args:
        texts: The variants' texts, in order.
        allowed: The placeholder names that will be filled (slots, the framework's
            own for its notices, those the template used already).
    """
    problems = []
    for number, text in enumerate(texts, start=1):
        where = f"variant {number}" if len(texts) > 1 else "the text"
        if not text.strip():
            problems.append(
                f"{where} is empty: write a text, or remove the variant with its Remove button"
            )
            continue
        for name in sorted(set(PLACEHOLDER.findall(text)) - set(allowed)):
            problems.append(f"{where}: {{{name}}} is not a slot{_did_you_mean(name, allowed)}")
        tag = HTML_TAG.search(text)
        if tag:
            problems.append(
                f"{where}: {tag.group(0)} is HTML, which channels send as plain text; "
                "customers would see the tag"
            )
    return problems


def check_texts(
    texts: Sequence[str], allowed: Collection[str], existing: int, remove_variants: bool
) -> None:
    """Refuse texts that would be sent wrongly, or that drop variants without saying so.

    Args:
        texts: The new texts of one language.
        allowed: The placeholder names that will be filled.
        existing: How many variants the language has now.
        remove_variants: The designer confirmed removing variants.

    Raises:
        BadRequest: A text is empty, names an unknown placeholder or holds HTML, or
            fewer texts than variants were sent without `remove_variants`.
    """
    problems = text_problems(texts, allowed)
    if problems:
        raise BadRequest("; ".join(problems))
    if len(texts) < existing and not remove_variants:
        dropped = existing - len(texts)
        raise BadRequest(
            f"this would remove {dropped} of the {existing} variants; "
            "send remove_variants: true to confirm"
        )


def _did_you_mean(name: str, allowed: Collection[str]) -> str:
    known = sorted(allowed)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {{{close[0]}}}?"
    if known:
        return f" (slots and placeholders here: {', '.join(known)})"
    return " (the domain has no slots)"
