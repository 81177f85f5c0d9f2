"""A customer's satisfaction rating, in digits, stars or words, as a number from 1 to 5.

After an agent resolves a thread the customer is asked for a rating from 1 to 5. They
answer in many ways: "4", "4/5", "5 stars, great service", "10/10", "⭐⭐⭐⭐",
"très bien", "muy mal", "sehr gut", "pessimo". `parse_rating` reads all of them in
the brand's languages (English, French, Spanish, German, Italian) and returns None
for anything that is not a rating ("where is my order?", "good morning", "I have 2
more questions"), so that such a message starts a new conversation instead.

A message counts as a rating when it holds a score (a number on a scale, stars, or
words of judgement) and every other word is one that goes with a rating (service,
thanks, the agent...). Numbers win over words: "3/5, not great" is 3.
"""

from __future__ import annotations

import re
import unicodedata

# Words of judgement, without accents, lower case; a phrase of several words is
# matched before its parts. 5 excellent ... 1 very poor.
_WORDS: dict[str, int] = {}
for _score, _phrases in {
    5: (
        # en
        "excellent", "perfect", "amazing", "awesome", "outstanding", "fantastic",
        "brilliant", "superb", "great", "very good", "really good", "super", "wonderful",
        "top", "the best", "best", "5 stars", "loved it", "love it",
        # fr
        "excellente", "parfait", "parfaite", "genial", "geniale", "tres bien", "top",
        "formidable", "impeccable", "extra", "superbe", "nickel", "au top",
        # es
        "excelente", "perfecto", "perfecta", "genial", "muy bien", "muy bueno", "muy buena",
        "estupendo", "estupenda", "fantastico", "fantastica", "buenisimo", "de diez",
        # de
        "ausgezeichnet", "hervorragend", "perfekt", "sehr gut", "super", "toll",
        "klasse", "spitze", "prima", "wunderbar", "fantastisch", "sehr zufrieden",
        # it
        "eccellente", "perfetto", "perfetta", "ottimo", "ottima", "molto bene",
        "molto buono", "fantastico", "benissimo", "bravissimo", "bravissima", "stupendo",
    ),
    4: (
        "good", "pretty good", "quite good", "nice", "satisfied", "happy", "fine, thanks",
        "bien", "bon", "bonne", "plutot bien", "satisfait", "satisfaite",
        "bien", "bueno", "buena", "bastante bien", "satisfecho", "satisfecha",
        "gut", "ziemlich gut", "zufrieden", "recht gut",
        "bene", "buono", "buona", "abbastanza bene", "soddisfatto", "soddisfatta", "bravo", "brava",
    ),
    3: (
        "average", "so so", "so-so", "not bad", "meh", "could be better",
        "moyen", "moyenne", "correct", "correcte", "bof", "pas mal", "passable",
        "regular", "normal", "mas o menos", "aceptable", "pasable",
        "mittel", "mittelmassig", "geht so", "durchschnittlich",
        "cosi cosi", "nella media", "discreto", "discreta", "accettabile", "sufficiente",
    ),
    2: (
        "bad", "poor", "not good", "not great", "disappointing", "disappointed", "unhappy",
        "mauvais", "mauvaise", "pas bien", "decevant", "decevante", "decu", "decue", "bof bof",
        "mal", "malo", "mala", "no muy bien", "decepcionante", "decepcionado", "decepcionada",
        "schlecht", "nicht gut", "enttauschend", "enttauscht", "mangelhaft",
        "male", "scarso", "scarsa", "non bene", "deludente", "deluso", "delusa",
    ),
    1: (
        "terrible", "awful", "horrible", "very bad", "very poor", "the worst", "worst",
        "useless", "rubbish", "dreadful",
        "tres mauvais", "tres mal", "nul", "nulle", "horrible", "catastrophique", "lamentable",
        "muy mal", "muy malo", "muy mala", "fatal", "pesimo", "pesima", "horrible", "un desastre",
        "sehr schlecht", "schrecklich", "furchtbar", "katastrophal", "miserabel", "ungenugend",
        "molto male", "pessimo", "pessima", "terribile", "orribile", "un disastro",
    ),
}.items():  # fmt: skip
    for _phrase in _phrases:
        _WORDS.setdefault(_phrase, _score)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that may stand beside a score without making the message something else.
_FILLER = _words(
    """
    a an the and but so very really quite just overall service help helpful support
    agent team staff experience chat answer reply thanks thank you thx ty cheers rating
    i'd i would give it was is that this my for out of from me rate stars star points
    le la les un une et mais tres vraiment service aide conseiller conseillere equipe
    experience merci beaucoup je donne note c'etait c'est etait sur de du pour vous
    el los las y pero muy realmente servicio ayuda agente equipo experiencia gracias
    muchas doy nota fue es sobre de del por le estrellas estrella
    der die das ein eine und aber sehr wirklich service hilfe mitarbeiter team
    erfahrung danke vielen dank ich gebe note war ist von aus fur sterne stern
    il lo gli un una e ma molto davvero servizio aiuto operatore squadra esperienza
    grazie mille do voto era e su da per stelle stella sternen etoiles etoile points
    punkte punti puntos
    """
)

_NUMBER = re.compile(
    r"(?<![\w.,-])(10|[0-9])(?:[.,]([05]))?(?!\d)(?![.,]\d)\s*"
    r"(?:(/|out of|sur|de|von|su|auf)\s*(10|5)\b|"
    r"(stars?|etoiles?|estrellas?|sternen?|stelle|stella|points?|puntos?|punkte?|punti)\b)?"
)
_STAR_UNIT = r"(?:stars?|etoiles?|estrellas?|sternen?|stelle|stella)"
_NUMBER_WORDS = {
    word: str(value)
    for value, words in {
        1: "one un une uno una ein eine einen",
        2: "two deux dos zwei due",
        3: "three trois tres drei tre",
        4: "four quatre cuatro vier quattro",
        5: "five cinq cinco funf cinque",
    }.items()
    for word in words.split()
}
_NUMBER_WORD = re.compile(
    rf"(?<![a-z])({'|'.join(_NUMBER_WORDS)})\s+(?={_STAR_UNIT}\b|(?:out of|sur|de|von|su|auf) )"
)
_STAR = re.compile("[\u2b50\u2605\u2606\U0001f31f]")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\ufe0f\u200d]")
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")


def parse_rating(text: str) -> int | None:
    """A 1-5 satisfaction rating from a customer's reply, or None if it is not one.

    Args:
        text: The customer's message after the rating question.

    Returns:
        1 to 5; a score out of 10 is halved and rounded ("10/10" is 5, "7/10" is 4).
        None when the message holds no score, holds two different ones, or says
        something besides the rating.
    """
    plain = _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1)] + " ", _normalise(text))
    stars = len(_STAR.findall(plain))
    if stars:
        rest = _STAR.sub(" ", plain)
        return min(stars, 5) if _only_filler(_EMOJI.sub(" ", rest)) else _words_rating(rest)
    return _number_rating(plain)


def _number_rating(plain: str) -> int | None:
    found = [m for m in _NUMBER.finditer(plain) if m.group(0).strip()]
    if not found:
        return _words_rating(plain)
    scores = {_scaled(m) for m in found}
    rest = _NUMBER.sub(" ", plain)
    if len(scores) != 1 or None in scores:
        return None
    words = _strip_judgement(rest)
    if not _only_filler(words):
        return None
    return scores.pop()


def _scaled(match: re.Match[str]) -> int | None:
    """The 1-5 score of a number match, or None when it is out of range."""
    value = float(match.group(1)) + (0.5 if match.group(2) == "5" else 0.0)
    scale = 10 if match.group(4) == "10" else 5
    if scale == 5 and match.group(3) is None and match.group(5) is None and value > 5:
        return None  # a bare 6-10 is no answer to "from 1 to 5"
    score = value / 2 if scale == 10 else value
    if score < 1 or score > 5:
        return None if scale == 5 or score > 5 else 1
    return min(5, max(1, int(score + 0.5)))


def _words_rating(plain: str) -> int | None:
    """The score of words of judgement ("très bien", "muy mal"), or None."""
    rest = f" {_EMOJI.sub(' ', plain)} "
    scores = []
    for phrase in sorted(_WORDS, key=len, reverse=True):
        pattern = re.compile(rf"(?<![a-z']){re.escape(phrase)}(?![a-z'])")
        if pattern.search(rest):
            scores.append(_WORDS[phrase])
            rest = pattern.sub(" ", rest)
    if not scores or not _only_filler(rest):
        return None
    if max(scores) - min(scores) > 1:
        return None  # "good but terrible": not one rating
    return round(sum(scores) / len(scores))


def _strip_judgement(plain: str) -> str:
    """The text without words of judgement (they may stand beside a number)."""
    rest = f" {plain} "
    for phrase in sorted(_WORDS, key=len, reverse=True):
        rest = re.sub(rf"(?<![a-z']){re.escape(phrase)}(?![a-z'])", " ", rest)
    return rest


def _only_filler(text: str) -> bool:
    """Whether nothing but filler words, punctuation and emoji is left."""
    leftover = _EMOJI.sub(" ", text)
    if re.search(r"\d", leftover):
        return False
    return all(token in _FILLER for token in _TOKEN.findall(leftover))


def _normalise(text: str) -> str:
    """Lower case, without accents (é -> e, ß -> ss), emoji kept."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    return kept.replace("\u2019", "'")
