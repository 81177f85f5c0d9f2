"""rasa's template answers, in the customer's language.

A response variant is in the language of its `metadata: {language: xx}`, or in the
brand's default language when untagged (see `bot.authoring.domain_file`). rasa
itself would pick among all variants at random; this generator first keeps those
in the language of the customer's latest message (`metadata.language`, which the
web chat and Telegram set), falling back to the default language's, then lets
rasa choose among them as usual (channels, conditions, slots).

The engine installs it as rasa's `nlg` endpoint unless `endpoints.yml` names one.
"""

from __future__ import annotations

from typing import Any

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.authoring.domain_file import variant_language
from bot.language_id import LANGUAGE_FROM, LanguageIdentifier, conversation_language, warm_up

MODULE_PATH = f"{__name__}.LanguageTemplatedGenerator"
HISTORY = 6  # customer messages looked at when the latest does not tell the language


def endpoint(default_language: str) -> EndpointConfig:
    """The endpoint configuration that makes rasa use this generator."""
    return EndpointConfig(type=MODULE_PATH, default_language=default_language)


class LanguageTemplatedGenerator(TemplatedNaturalLanguageGenerator):  # type: ignore[misc]
    """The domain's responses, narrowed to the customer's language first."""

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, domain: Domain | None = None
    ) -> None:
        super().__init__(domain.responses if domain is not None else {})
        options = endpoint_config.kwargs if endpoint_config is not None else {}
        self.default_language = str(options.get("default_language") or "en")
        tagged = {
            variant_language(variant, self.default_language)
            for variants in self.responses.values()
            for variant in variants
        }
        self.languages = (self.default_language, *sorted(tagged - {self.default_language}))
        self.identifier = LanguageIdentifier(self.languages)
        if len(self.languages) > 1:
            warm_up(self.languages)

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        """One variant of `utter_action`, in the customer's language when there is one."""
        variants = self.responses.get(utter_action)
        if not variants:
            return None
        chosen = self.in_language(variants, self.language_of(tracker))
        narrowed = TemplatedNaturalLanguageGenerator({utter_action: chosen})
        answer: dict[str, Any] | None = narrowed.generate_from_slots(
            utter_action, tracker.current_slot_values(), output_channel, **kwargs
        )
        return answer

    def in_language(
        self, variants: list[dict[str, Any]], language: str | None
    ) -> list[dict[str, Any]]:
        """The variants in `language`, else in the default language, else all of them."""
        for wanted in (language, self.default_language):
            found = [v for v in variants if variant_language(v, self.default_language) == wanted]
            if wanted and found:
                return found
        return variants

    def language_of(self, tracker: DialogueStateTracker) -> str | None:
        """The customer's language: decided already, or read from their messages."""
        metadata = tracker.latest_message.metadata if tracker.latest_message else None
        metadata = metadata if isinstance(metadata, dict) else {}
        language = metadata.get("language")
        hint = str(language).lower() if language else None
        if metadata.get(LANGUAGE_FROM) or len(self.languages) < 2:
            return hint
        texts = [
            str(event.text)
            for event in tracker.events
            if isinstance(event, UserUttered) and event.text
        ][-HISTORY:]
        if not texts:
            return hint
        choice = conversation_language(self.identifier, texts[-1], texts[:-1], hint)
        return choice.language if choice is not None else None
