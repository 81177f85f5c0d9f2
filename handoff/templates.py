"""The handoff's customer-facing messages, from the domain's response templates.

Designers edit every word the customer sees in `domain.yml`, the bot's answers and
the handoff's notices alike; variants are picked at random as rasa does, among those
in the customer's language (`metadata: {language: xx}`) when the domain has them,
else among the default language's. A domain
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
from handoff.default_templates import DEFAULT_TEXTS, DEFAULT_TRANSLATIONS

logger = logging.getLogger(__name__)

REQUIRED = (
    "utter_handoff_assigned",
    "utter_handoff_queued",
    "utter_handoff_closed",
    "utter_handoff_unstaffed",
    "utter_handoff_leave_contact",
    "utter_handoff_contact_saved",
    "utter_handoff_transferred",
    "utter_handoff_delay",
    "utter_handoff_bot_failed",
    "utter_handoff_still_queued",
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
        translations: Mapping[str, Mapping[str, list[str]]] | None = None,
        default_language: str | None = None,
    ):
        self.responses = dict(responses)  # in the default language
        self.defaulted = defaulted  # required templates the domain lacks: built-in texts
        # language -> template -> texts, for the languages other than the default
        self.translations = {lang: dict(texts) for lang, texts in (translations or {}).items()}
        self.default_language = default_language
        self._rng = rng or random.Random()

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the templates are written in, the default first (if known)."""
        default = (self.default_language,) if self.default_language else ()
        return tuple(dict.fromkeys([*default, *self.translations]))

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
        section = domain.get("responses") or {}
        responses = {
            name: [
                v["text"]
                for v in variants or []
                if isinstance(v, dict) and v.get("text") and _speaks(v, default_language)
            ]
            for name, variants in section.items()
        }
        translations: dict[str, dict[str, list[str]]] = {}
        for name, variants in section.items() if default_language is not None else ():
            for variant in variants or []:
                language = _tag(variant)
                if language and language != default_language and variant.get("text"):
                    translations.setdefault(language, {}).setdefault(name, []).append(
                        variant["text"]
                    )
        missing = tuple(name for name in REQUIRED if not responses.get(name))
        if missing:
            logger.warning(
                "%s has no %s; the handoff uses its built-in texts for them "
                "(handoff/default_templates.py: copy them into the domain to change them).",
                path,
                ", ".join(missing),
            )
            responses.update({name: [DEFAULT_TEXTS[name]] for name in missing})
            for language, found in translations.items():  # the languages the domain uses
                texts = DEFAULT_TRANSLATIONS.get(language, {})
                found.update({name: [texts[name]] for name in missing if name in texts})
        return cls(
            responses,
            defaulted=missing,
            translations=translations,
            default_language=default_language,
        )

    def render(self, name: str, language: str | None = None, **values: object) -> Outbound:
        """One variant of template `name`, with its placeholders filled in.

        Args:
            name: The template.
            language: The customer's language: its variants when the template has
                any, else the default language's.
            **values: The placeholders' values.
        """
        variants = self.translations.get(language, {}).get(name) if language else None
        text = self._rng.choice(variants or self.responses[name])
        return Outbound(text.format_map(_Blank(values)))


def _speaks(variant: Mapping[str, Any], language: str | None) -> bool:
    """Whether a variant is in `language` (untagged variants are in the default one)."""
    if language is None:
        return True
    tagged = _tag(variant)
    return not tagged or tagged == language


def _tag(variant: Any) -> str | None:
    """A variant's `metadata.language`, if it has one."""
    metadata = variant.get("metadata") if isinstance(variant, Mapping) else None
    tagged = metadata.get("language") if isinstance(metadata, Mapping) else None
    return str(tagged) if tagged else None


class _Blank(dict[str, object]):
    """Leaves unknown placeholders visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
