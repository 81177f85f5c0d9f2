"""The handoff's customer-facing messages, from the domain's response templates.

Designers edit every word the customer sees in `domain.yml`, the bot's answers and
the handoff's notices alike; variants are picked at random as rasa does.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from bot.errors import ConfigError
from bot.messages import Outbound

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

    def __init__(self, responses: Mapping[str, list[str]], rng: random.Random | None = None):
        self.responses = dict(responses)
        self._rng = rng or random.Random()

    @classmethod
    def from_domain(cls, path: Path) -> Templates:
        """Read the text variants of every response in a rasa domain file.

        Raises:
            ConfigError: The file cannot be read or lacks a template the handoff needs.
        """
        try:
            domain: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            raise ConfigError(str(path), "responses", f"cannot read the domain: {error}") from None
        responses = {
            name: [v["text"] for v in variants if isinstance(v, dict) and v.get("text")]
            for name, variants in (domain.get("responses") or {}).items()
        }
        missing = [name for name in REQUIRED if not responses.get(name)]
        if missing:
            raise ConfigError(
                str(path), "responses", f"the handoff needs these templates: {', '.join(missing)}"
            )
        return cls(responses)

    def render(self, name: str, **values: object) -> Outbound:
        """One variant of template `name`, with its placeholders filled in."""
        text = self._rng.choice(self.responses[name])
        return Outbound(text.format_map(_Blank(values)))


class _Blank(dict[str, object]):
    """Leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
