"""The escalation signals: small pure functions of a turn, each with its reason.

Each returns a `Signal` with a strength in 0..1, or None when it does not fire.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WORDS_FOR_NUMBERS = {2: "two", 3: "three", 4: "four", 5: "five"}

# Asking for a person, in the languages the brand serves. ("How do I contact customer
# service?" asks for contact details, which the bot has: "contact" counts only before
# a person, "contact a human".)
_HUMAN = re.compile(
    r"\b(?:"
    r"(?:talk|speak|chat|get|connect|put|transfer|pass)\w*\b.{0,30}\b"
    r"(?:human|person|people|agent|representative|rep|operator|someone|somebody|staff|"
    r"manager|supervisor|advisor|adviser|assistant|customer (?:service|care|support))"
    r"|real (?:person|human|people)|live (?:agent|person|chat)|human (?:being|agent|please)"
    r"|contact\w* (?:an? )?(?:human|person|real \w+|live \w+|agent|someone|somebody)\b"
    r"|^\s*(?:agent|human|operator|representative)\s*[.!?]*\s*$"
    r"|(?:parler|discuter) (?:à|a|avec) (?:un|une|quelqu)\w*"
    r"|(?:mit )?(?:einem|einer) (?:menschen|mitarbeiter\w*|person|berater\w*)"
    r"|(?:hablar|comunicarme) con (?:una persona|un agente|alguien|un humano|un asesor)"
    r"|(?:parlare|contattare) con (?:un operatore|una persona|qualcuno|un umano)"
    r"|falar com (?:um atendente|uma pessoa|alguém|um humano|um agente)"
    r")",
    re.IGNORECASE,
)

_INSULTS = re.compile(
    r"\b(?:idiot\w*|stupid|moron\w*|incompetent|clowns?|morons?|crap|shit\w*|fuck\w*|"
    r"bullshit|scam(?:mers?)?|thie(?:f|ves)|liars?|useless|pathetic|rubbish|garbage|"
    r"arnaque|escrocs?|nuls?|merde|putain|betrug|betrüger|scheiße|idioten|saftladen|"
    r"estafa|ladrones|mierda|imbéciles?|truffa|ladri|schifo|vergogna|fraude|ladrões|"
    r"merda|bakwas|bekar|dhokha|احتيال|نصابين)\b",
    re.IGNORECASE,
)

_SHOUTY_LETTERS = 8


@dataclass(frozen=True)
class Signal:
    """One reason to hand a thread to a person."""

    name: str
    strength: float
    reason: str


def complaint(probability: float, minimum: float, topic: str | None = None) -> Signal | None:
    """The classifier thinks this is a complaint or frustration (about `topic`)."""
    if probability < minimum:
        return None
    about = f": {topic}" if topic else ""
    return Signal("complaint", probability, f"complaint {probability:.2f}{about}")


def complaint_intent(
    intent: str | None, confidence: float | None, intents: list[str]
) -> Signal | None:
    """The NLU recognised a complaint intent."""
    if intent not in intents or confidence is None:
        return None
    return Signal("complaint_intent", confidence, f"{intent} intent {confidence:.2f}")


def asked_for_human(
    text: str,
    intent: str | None,
    human_intents: list[str],
    confidence: float | None = None,
    minimum: float = 0.0,
) -> Signal | None:
    """The customer asked for a person, in so many words or by an intent rasa is sure of.

    The intent counts from `minimum` confidence: an unsure guess (a question in a
    language the NLU data lacks, say) is not a request for a person.
    """
    sure = confidence is None or confidence >= minimum
    if (intent in human_intents and sure) or _HUMAN.search(text):
        return Signal("asked_for_human", 1.0, "asked for a person")
    return None


def fallbacks(in_a_row: int, needed: int) -> Signal | None:
    """The bot failed to understand several times in a row."""
    if in_a_row < needed:
        return None
    count = WORDS_FOR_NUMBERS.get(in_a_row, str(in_a_row))
    return Signal("fallbacks", 1.0, f"{count} fallbacks in a row")


def low_confidence(confidence: float | None, below: float) -> Signal | None:
    """The NLU is unsure what the customer wants."""
    if confidence is None or confidence >= below:
        return None
    return Signal(
        "low_confidence", (below - confidence) / below, f"low confidence {confidence:.2f}"
    )


def repetition(text: str, recent: tuple[str, ...]) -> Signal | None:
    """The customer says again what they said before."""
    mine = _trigrams(text)
    if len(mine) < 4:
        return None
    for earlier in recent:
        theirs = _trigrams(earlier)
        if theirs and len(mine & theirs) / len(mine | theirs) >= 0.6:
            return Signal("repetition", 1.0, "repeated themselves")
    return None


def same_problem(raised_before: int) -> Signal | None:
    """The customer raises a problem they raised before (their messages mean the same)."""
    if raised_before < 1:
        return None
    times = "asked twice" if raised_before == 1 else f"raised {raised_before + 1} times"
    return Signal("same_problem", 1.0, times)


def bot_failing(failures: int, window: int, needed: int) -> Signal | None:
    """The bot failed to understand or was unsure on several of the last messages."""
    if failures < needed:
        return None
    return Signal(
        "bot_failing", min(1.0, failures / window), f"bot failed {failures} of {window} times"
    )


def negative_trend(current: float, recent: tuple[float, ...], window: int) -> Signal | None:
    """Several messages in a row that read as increasingly upset."""
    scores = [*recent[-(window - 1) :], current] if window > 1 else [current]
    if len(scores) < window:
        return None
    average = sum(scores) / len(scores)
    if average < 0.45 or scores[-1] < scores[0]:
        return None
    return Signal("negative_trend", average, f"upset over {len(scores)} messages")


def shouting(text: str) -> Signal | None:
    """Mostly capital letters."""
    letters = [c for c in text if c.isalpha() and c.lower() != c.upper()]
    if len(letters) < _SHOUTY_LETTERS:
        return None
    share = sum(c.isupper() for c in letters) / len(letters)
    return Signal("shouting", share, "shouting") if share >= 0.7 else None


def insult(text: str) -> Signal | None:
    """Insults, swearing or accusations of fraud."""
    found = _INSULTS.search(text)
    return Signal("insult", 1.0, f"strong words ('{found.group(0).lower()}')") if found else None


def emphasis(text: str) -> Signal | None:
    """Emphatic punctuation: "!!!", "???", "?!"."""
    marks = max((len(run) for run in re.findall(r"[!?¿¡]{2,}", text)), default=0)
    if marks < 2:
        return None
    return Signal("emphasis", min(1.0, marks / 3), "emphatic punctuation")


def public_complaint(public: bool, probability: float, minimum: float) -> Signal | None:
    """A complaint that every follower can read."""
    if not public or probability < minimum:
        return None
    return Signal("public_complaint", probability, "complaint in public")


def vip(tier: str | None, tiers: list[str], probability: float) -> Signal | None:
    """A high-value customer who is not entirely happy."""
    if tier is None or tier.lower() not in tiers or probability < 0.3:
        return None
    return Signal("vip", 1.0, f"{tier} customer")


def _trigrams(text: str) -> set[str]:
    folded = " ".join(re.findall(r"\w+", text.lower()))
    return {folded[i : i + 3] for i in range(len(folded) - 2)}
