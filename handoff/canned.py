"""Canned answers for agents: the domain's templates and the agent's own snippets.

The same words the bot uses, so an agent's answer matches the brand's; searched by
typing a few words, each of which must appear in the title or the text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from core.actors import Snippet
from handoff.templates import REQUIRED

PLACEHOLDER = re.compile(r"\{\w+\}")


@dataclass(frozen=True)
class CannedAnswer:
    """One answer an agent can put in the reply box."""

    kind: str  # "snippet" or "template"
    key: str  # a snippet's id, or "utter_name#variant"
    title: str
    text: str


def template_answers(
    responses: Mapping[str, list[str]], exclude: Collection[str] = ()
) -> list[CannedAnswer]:
    """Every template variant an agent could send as it is.

    Left out: the handoff's own notices, the excluded templates, and variants with
    `{placeholders}` that only the bot fills in.
    """
    answers = []
    for name in sorted(responses):
        if name in REQUIRED or name in exclude:
            continue
        variants = [text for text in responses[name] if not PLACEHOLDER.search(text)]
        title = name.removeprefix("utter_").replace("_", " ").capitalize()
        for number, text in enumerate(variants, 1):
            numbered = f"{title} ({number})" if len(variants) > 1 else title
            answers.append(CannedAnswer("template", f"{name}#{number}", numbered, text))
    return answers


def snippet_answers(snippets: Iterable[Snippet]) -> list[CannedAnswer]:
    """An agent's snippets as canned answers."""
    return [CannedAnswer("snippet", str(s.id), s.title, s.text) for s in snippets]


def search(answers: Iterable[CannedAnswer], query: str, limit: int = 20) -> list[CannedAnswer]:
    """The answers containing every word of the query, those matching by title first."""
    words = query.casefold().split()
    title_hits: list[CannedAnswer] = []
    text_hits: list[CannedAnswer] = []
    for answer in answers:
        title, text = answer.title.casefold(), answer.text.casefold()
        if not all(word in title or word in text for word in words):
            continue
        (title_hits if words and all(w in title for w in words) else text_hits).append(answer)
    return [*title_hits, *text_hits][:limit]
