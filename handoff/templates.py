"""The handoff's customer-facing messages, from the domain's response templates.

Designers edit every word the customer sees in `domain.yml`, the bot's answers and
the handoff's notices alike; variants are picked at random as rasa does. A domain
that lacks some of the handoff's templates (a rasa project from elsewhere) gets the
built-in texts of `handoff.default_templates` for them, with a warning.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from core.errors import ConfigError
from core.messages import Outbound
from handoff.default_templates import DEFAULT_TEXTS

logger = logging.getLogger(__name__)

REQUIRED = (
    "utter_handoff_assigned",
    "utter_handoff_queued",
    "utter_handoff_closed",
    "utter_handoff_unstaffed",
    "utter_handoff_transferred",
    "utter_handoff_delay",
    "utter_handed_back",
    "utter_handoff_resolved",
    "utter_rating_thanks",
    "utter_public_complaint",
    "utter_non_text",
    "utter_command_start",
    "utter_command_help",
)


class Templates:
    """Named response templates with `{placeholders}`."""

    def __init__(
        self,
        responses: Mapping[str, list[str]],
        rng: random.Random | None = None,
        *,
        defaulted: tuple[str, ...] = (),
    ):
        self.responses = dict(responses)
        self.defaulted = defaulted  # required templates the domain lacks: built-in texts
        self._rng = rng or random.Random()

    @classmethod
    def from_domain(cls, path: Path, default_language: str | None = None) -> Templates:
        """Read the text variants of every response in a rasa domain file.

        Args:
            path: The domain file.
            default_language: Keep only variants in this language (untagged ones or
                `metadata: {language: ...}` equal to it); None keeps every variant.

        Raises:
            ConfigError: The file cannot be read.
        """
        try:
            domain: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(str(path), "responses", f"cannot read the domain: {error}") from None
        responses = {
            name: [
                v["text"]
                for v in variants or []
                if isinstance(v, dict) and v.get("text") and _speaks(v, default_language)
            ]
            for name, variants in (domain.get("responses") or {}).items()
        }
        missing = tuple(name for name in REQUIRED if not responses.get(name))
        if missing:
            logger.warning(
                "%s has no %s; the handoff uses its built-in texts for them "
                "(handoff/default_templates.py: copy them into the domain to change them).",
                path,
                ", ".join(missing),
            )
            responses.update({name: [DEFAULT_TEXTS[name]] for name in missing})
        return cls(responses, defaulted=missing)

    def render(self, name: str, **values: object) -> Outbound:
        """One variant of template `name`, with its placeholders filled in."""
        text = self._rng.choice(self.responses[name])
        return Outbound(text.format_map(_Blank(values)))


def _speaks(variant: Mapping[str, Any], language: str | None) -> bool:
    """Whether a variant is in `language` (untagged variants are in the default one)."""
    if language is None:
        return True
    metadata = variant.get("metadata")
    tagged = metadata.get("language") if isinstance(metadata, Mapping) else None
    return not tagged or tagged == language


class _Blank(dict[str, object]):
    """Leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
