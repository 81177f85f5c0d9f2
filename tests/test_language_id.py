"""The customer's language, read from what they write, and templates in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.language_eval import held_out_messages
from bot.language_id import (
    LANGUAGE_FROM,
    LanguageIdentifier,
    conversation_language,
    with_language,
)
from bot.messages import Inbound
from handoff.default_templates import DEFAULT_TRANSLATIONS
from handoff.templates import REQUIRED, Templates
from tests.servers import ROOT, demo_domain

BRAND = ("en", "fr", "es", "de", "it")


@pytest.fixture(scope="module")
def identifier() -> LanguageIdentifier:
    return LanguageIdentifier(BRAND)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Bonjour", "fr"),
        ("bonjour !", "fr"),
        ("merci beaucoup", "fr"),
        ("Quels sont vos horaires d'ouverture ?", "fr"),
        ("hola", "es"),
        ("¿Cuánto cuesta el envío?", "es"),
        ("danke", "de"),
        ("Wo bleibt mein Paket?", "de"),
        ("grazie", "it"),
        ("quanto costa la spedizione", "it"),
        ("where is my parcel?", "en"),
        ("thanks", "en"),
    ],
)
def test_the_language_is_read_from_short_chat_messages(
    identifier: LanguageIdentifier, text: str, language: str
) -> None:
    guess = identifier.identify(text)
    assert guess is not None and guess.language == language


@pytest.mark.parametrize("text", ["ok", "FH-10234", "👍", "?", "si", "no", "12345", "@fernhill"])
def test_messages_that_say_nothing_about_the_language_are_left_undecided(
    identifier: LanguageIdentifier, text: str
) -> None:
    assert identifier.identify(text) is None


def test_only_the_brand_languages_are_considered() -> None:
    english_and_french = LanguageIdentifier(["en", "fr"])
    guess = english_and_french.identify("¿dónde está mi pedido? llevo una semana esperando")
    assert guess is None or guess.language in {"en", "fr"}
    assert LanguageIdentifier(["en"]).identify("Bonjour") is not None  # one language: always it
    assert {g.language for g in english_and_french.ranked("bonjour à tous")} == {"en", "fr"}


def test_a_short_message_keeps_the_previous_language_then_the_channels(
    identifier: LanguageIdentifier,
) -> None:
    choice = conversation_language(identifier, "ok", ["Bonjour", "où est ma commande ?"])
    assert choice is not None and (choice.language, choice.source) == ("fr", "conversation")
    choice = conversation_language(identifier, "FH-10234", [], hint="de-AT")
    assert choice is not None and (choice.language, choice.source) == ("de", "channel")
    assert conversation_language(identifier, "ok", [], hint="pt") is None  # not a brand language
    choice = conversation_language(identifier, "Bonjour", ["where is my order"], hint="en")
    assert choice is not None and (choice.language, choice.source) == ("fr", "text")


def test_what_the_customer_writes_wins_over_the_browsers_language() -> None:
    inbound = Inbound("webchat", "c1", "s1", "Bonjour", metadata={"language": "en"})
    tagged = with_language(inbound, BRAND)
    assert tagged.metadata["language"] == "fr"
    assert tagged.metadata["channel_language"] == "en"
    assert tagged.metadata[LANGUAGE_FROM] == "text"
    assert with_language(tagged, BRAND) is tagged  # decided once
    assert inbound.metadata == {"language": "en"}  # the original is left as it was

    short = Inbound("rest", "c1", "s1", "ok")
    assert with_language(short, BRAND, ["quanto costa la spedizione"]).metadata["language"] == "it"
    assert with_language(short, BRAND, [], known="es").metadata["language"] == "es"
    assert with_language(short, BRAND) is short  # nothing tells: the default language applies


def test_the_identifier_is_right_on_the_held_out_messages(
    identifier: LanguageIdentifier,
) -> None:
    pairs = held_out_messages(ROOT / "tests" / "nlu", "en")
    assert {language for _, language in pairs} == set(BRAND)
    guesses = [identifier.identify(text) for text, _ in pairs]
    decided = [(g.language, language) for g, (_, language) in zip(guesses, pairs, strict=True) if g]
    right = sum(1 for guessed, language in decided if guessed == language)
    assert len(decided) >= 0.9 * len(pairs)  # few left undecided
    assert right >= 0.98 * len(decided)  # and those decided nearly always right


def test_the_demo_templates_and_notices_answer_in_each_language() -> None:
    templates = Templates.from_domain(ROOT / "data" / "domain.yml", "en")
    assert templates.languages == BRAND
    domain = demo_domain()
    for name, variants in domain["responses"].items():
        for language in BRAND[1:]:
            tagged = [
                v["text"] for v in variants if v.get("metadata", {}).get("language") == language
            ]
            assert tagged, f"{name} has no {language} variant"
            if name in REQUIRED:
                text = templates.render(name, language, agent="Ana", position=2, wait="4 minutes")
                assert text.text in {t.format_map(_Filled()) for t in tagged}
    english = templates.render("utter_rating_thanks", "pt").text  # not a brand language
    assert english in {v["text"] for v in domain["responses"]["utter_rating_thanks"]}


def test_a_domain_without_the_notices_gets_them_in_its_own_languages(tmp_path: Path) -> None:
    domain = tmp_path / "domain.yml"
    domain.write_text(
        'version: "3.1"\nresponses:\n  utter_greet:\n    - text: "Hello!"\n'
        '    - text: "Hallo!"\n      metadata: {language: de}\n'
    )
    templates = Templates.from_domain(domain, "en")
    assert templates.defaulted == REQUIRED
    assert templates.languages == ("en", "de")
    assert (
        templates.render("utter_rating_thanks", "de").text
        == (DEFAULT_TRANSLATIONS["de"]["utter_rating_thanks"])
    )
    assert "fr" not in templates.translations  # only the languages the domain uses
    assert set(DEFAULT_TRANSLATIONS["fr"]) == set(REQUIRED)


class _Filled(dict[str, object]):
    def __missing__(self, key: str) -> object:
        return {"agent": "Ana", "position": 2, "wait": "4 minutes"}.get(key, "{" + key + "}")
