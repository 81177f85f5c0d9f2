"""Which of the brand's languages a customer writes in, from their messages.

Channels do not always say (rasa's REST channel never does), and when they do it is
the customer's app or browser setting, not the language of what they wrote. So the
language is read from the text itself, among the brand's languages only
(`brand.languages`), by lingua (`lingua-language-detector`: character n-gram models
of each language, shipped inside the package, nothing downloaded; chosen over
py3langid for being right more often on short chat messages, see the README), with a
small lexicon of chat words in front of it for the one- to three-word messages where
any statistical model guesses ("Bonjour", "danke", "grazie").

Very short or ambiguous messages ("ok", "FH-10234", "👍", "si") say nothing about
the language: `identify` returns None for them and `conversation_language` keeps the
customer's previous language, then the channel's hint.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from bot.messages import Inbound

# Set beside `metadata.language` by `with_language`: where the language came from
# (`text`, `conversation` or `channel`), so that later steps do not decide again.
LANGUAGE_FROM = "language_from"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# One-, two- and three-word chat messages whose language no model can tell from so
# few letters, written without accents. Words shared between the languages ("no",
# "si", "ok", "super") are left out on purpose.
CHAT_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "hi hello hiya thanks thank thx ty cheers bye goodbye yes yeah yep nope "
        "please morning evening afternoon"
    ),
    "fr": _words(
        "bonjour bonsoir salut coucou bjr slt merci mrc oui ouais ouai d'accord daccord "
        "revoir svp stp desole bonne journee soiree beaucoup"
    ),
    "es": _words(
        "hola buenas buenos gracias grax adios vale chao chau dias tardes noches "
        "claro perdon porfa muchas"
    ),
    "de": _words(
        "hallo moin servus danke dankeschon tschuss tschau ja jaa nein nee genau "
        "bitte guten morgen abend vielen dank gruezi gruss"
    ),
    "it": _words("ciao buongiorno buonasera salve grazie grz arrivederci prego certo scusa"),
}
MAX_LEXICON_WORDS = 3

_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+\.\S+|@\w+"  # links, e-mail addresses, mentions
    r"|\b[a-z]{1,3}-?\d+\b"  # order numbers and other references (FH-10234)
    r"|\d+|[#_]",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


@dataclass(frozen=True)
class LanguageGuess:
    """A language and how sure the identifier is (0-1, among the brand's languages)."""

    language: str
    confidence: float


class LanguageIdentifier:
    """Tells which of a fixed set of languages a short message is in."""

    def __init__(
        self,
        languages: Sequence[str],
        *,
        min_confidence: float = 0.4,
        min_letters: int = 3,
    ) -> None:
        """Identify among `languages` (ISO 639-1 codes, e.g. `["en", "fr"]`).

        Args:
            languages: The brand's languages; codes the model does not know are
                matched by the lexicon only, if it has them.
            min_confidence: Below this confidence (lingua's, among the brand's
                languages) the model's guess counts as unsure (None).
            min_letters: Messages with fewer letters are never identified.
        """
        self.languages = tuple(dict.fromkeys(code.lower() for code in languages))
        self.min_confidence = min_confidence
        self.min_letters = min_letters

    def identify(self, text: str) -> LanguageGuess | None:
        """The language of `text`, or None when the text is too short or ambiguous."""
        if len(self.languages) == 1:
            return LanguageGuess(self.languages[0], 1.0)
        cleaned = _NOISE.sub(" ", text)
        words = [_plain(word) for word in _WORD.findall(cleaned)]
        if sum(len(word) for word in words) < self.min_letters:
            return None
        if len(words) <= MAX_LEXICON_WORDS:
            from_lexicon = self._from_lexicon(words)
            if from_lexicon is not None:
                return from_lexicon
        return self._from_model(cleaned)

    def ranked(self, text: str) -> list[LanguageGuess]:
        """Every brand language the model knows, most likely first."""
        model = _model(tuple(code for code in self.languages if code in _known_languages()))
        if model is None:
            return []
        return [
            LanguageGuess(found.language.iso_code_639_1.name.lower(), float(found.value))
            for found in model.compute_language_confidence_values(text)
        ]

    def _from_lexicon(self, words: Sequence[str]) -> LanguageGuess | None:
        """The one language whose chat words these are, if there is exactly one."""
        votes = {
            code
            for word in words
            for code in self.languages
            if word in CHAT_WORDS.get(code, frozenset())
        }
        return LanguageGuess(votes.pop(), 1.0) if len(votes) == 1 else None

    def _from_model(self, text: str) -> LanguageGuess | None:
        ranked = self.ranked(text)
        if not ranked or ranked[0].confidence < self.min_confidence:
            return None
        return ranked[0]


@dataclass(frozen=True)
class LanguageChoice:
    """The language to answer in, and what told it: `text`, `conversation` or `channel`."""

    language: str
    source: str


def conversation_language(
    identifier: LanguageIdentifier,
    text: str,
    earlier: Iterable[str] = (),
    hint: str | None = None,
) -> LanguageChoice | None:
    """The language to answer `text` in.

    Args:
        identifier: The brand's identifier.
        text: The customer's latest message.
        earlier: Their earlier messages in the conversation, oldest first.
        hint: What the channel says (the browser's or app's language), if anything.

    Returns:
        The language of `text` when it tells; else that of the latest earlier message
        that tells; else the hint when it is a brand language; else None (the
        brand's default language then applies).
    """
    guess = identifier.identify(text)
    if guess is not None:
        return LanguageChoice(guess.language, "text")
    for message in reversed(list(earlier)):
        guess = identifier.identify(message)
        if guess is not None:
            return LanguageChoice(guess.language, "conversation")
    wanted = hint.split("-")[0].lower() if hint else None
    return LanguageChoice(wanted, "channel") if wanted in identifier.languages else None


def with_language(
    inbound: Inbound,
    languages: Sequence[str],
    earlier: Sequence[str] = (),
    known: str | None = None,
) -> Inbound:
    """`inbound` with `metadata.language` set to the language the customer writes in.

    What they wrote wins over what the channel says (a browser's language is often
    not the customer's); the channel's own value is kept as `channel_language`.

    Args:
        inbound: The customer's message.
        languages: The brand's languages, the default first.
        earlier: The customer's earlier messages in this thread, oldest first.
        known: The language already known for the thread (e.g. `Thread.language`),
            used when neither this message nor the earlier ones tell.
    """
    metadata = dict(inbound.metadata)
    if metadata.get(LANGUAGE_FROM):
        return inbound
    channel = metadata.get("language")
    hint = channel if isinstance(channel, str) else None
    choice = conversation_language(
        LanguageIdentifier(languages), inbound.text, earlier, known or hint
    )
    if choice is None:
        return inbound
    if hint and hint != choice.language:
        metadata["channel_language"] = hint
    metadata.update({"language": choice.language, LANGUAGE_FROM: choice.source})
    return replace(inbound, metadata=metadata)


def _plain(word: str) -> str:
    """Lower case, without accents ("Tschüss" -> "tschuss")."""
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("ß", "ss"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\u2019", "'")


@lru_cache(maxsize=1)
def _known_languages() -> frozenset[str]:
    from lingua import IsoCode639_1

    return frozenset(name.lower() for name in dir(IsoCode639_1) if name.isupper())


_loading = threading.Lock()
_models: dict[tuple[str, ...], Any] = {}


def _model(languages: tuple[str, ...]) -> Any:
    """The lingua detector for `languages`, built once (its models load in 2-10 s)."""
    if len(languages) < 2:
        return None
    with _loading:
        if languages not in _models:
            from lingua import IsoCode639_1, LanguageDetectorBuilder

            codes = [getattr(IsoCode639_1, code.upper()) for code in languages]
            builder = LanguageDetectorBuilder.from_iso_codes_639_1(*codes)
            _models[languages] = builder.with_preloaded_language_models().build()
        return _models[languages]


def warm_up(languages: Sequence[str]) -> None:
    """Load the models for `languages` in a background thread, before the first message."""
    identifier = LanguageIdentifier(languages)
    threading.Thread(
        target=identifier.ranked, args=("warm up",), name="language-models", daemon=True
    ).start()
