"""`python -m bot.language_eval`: how well the language identifier does, per language.

Scores `bot.language_id` on labelled messages it was not built from: the held-out
NLU files under `tests/nlu/` (`held_out_<lang>.yml`; `held_out.yml` is the default
language) and, when given, the shared multilingual-sentiment CSV files
(`english-test.csv`...; read for scoring only). A message the identifier leaves
undecided (too short, ambiguous) is counted apart: in a conversation it keeps the
customer's previous language.
"""

from __future__ import annotations

import argparse
import csv
import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import yaml

from bot.language_id import LanguageIdentifier

SENTIMENT_FILES = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "de": "german",
    "it": "italian",
    "pt": "portuguese",
}
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def held_out_messages(folder: Path, default_language: str) -> list[tuple[str, str]]:
    """(text, language) of every example in `folder`'s held-out NLU files."""
    pairs: list[tuple[str, str]] = []
    for path in sorted(folder.glob("held_out*.yml")):
        suffix = path.stem.removeprefix("held_out").lstrip("_")
        language = suffix or default_language
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in data.get("nlu") or []:
            pairs.extend((text, language) for text in example_texts(item.get("examples")))
    return pairs


def example_texts(examples: object) -> list[str]:
    """The plain texts of a rasa NLU `examples:` block (entity annotations removed)."""
    lines = str(examples or "").splitlines()
    texts = (_ANNOTATION.sub(r"\1", line.strip().removeprefix("- ")) for line in lines)
    return [text for text in texts if text]


def sentiment_messages(folder: Path, languages: Sequence[str]) -> list[tuple[str, str]]:
    """(text, language) of the multilingual-sentiment test files of `languages`."""
    pairs: list[tuple[str, str]] = []
    for language in languages:
        path = folder / f"{SENTIMENT_FILES.get(language, language)}-test.csv"
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as file:
                pairs.extend((row["text"], language) for row in csv.DictReader(file))
    return pairs


def score(identifier: LanguageIdentifier, pairs: Sequence[tuple[str, str]]) -> str:
    """A table: per language, messages, right, wrong, undecided, accuracy."""
    right: Counter[str] = Counter()
    undecided: Counter[str] = Counter()
    total: Counter[str] = Counter()
    started = time.perf_counter()
    for text, language in pairs:
        guess = identifier.identify(text)
        total[language] += 1
        if guess is None:
            undecided[language] += 1
        elif guess.language == language:
            right[language] += 1
    per_message = (time.perf_counter() - started) / max(1, len(pairs)) * 1000
    lines = [
        f"{'language':<9}{'messages':>9}{'right':>7}{'wrong':>7}{'undecided':>10}"
        f"{'accuracy':>10}{'decided acc.':>14}"
    ]
    for language in [*identifier.languages, "all"]:
        if language == "all":
            n, r, u = sum(total.values()), sum(right.values()), sum(undecided.values())
        else:
            n, r, u = total[language], right[language], undecided[language]
        if n:
            decided = r / (n - u) if n > u else 0.0
            lines.append(
                f"{language:<9}{n:>9}{r:>7}{n - r - u:>7}{u:>10}{r / n:>10.3f}{decided:>14.3f}"
            )
    lines.append(f"({per_message:.2f} ms a message)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(prog="python -m bot.language_eval", description=__doc__)
    parser.add_argument("--languages", default="en,fr,es,de,it")
    parser.add_argument("--held-out", type=Path, default=Path("tests/nlu"))
    parser.add_argument("--sentiment", type=Path, help="the multilingual-sentiment folder")
    args = parser.parse_args(argv)
    languages = [code.strip() for code in args.languages.split(",") if code.strip()]
    identifier = LanguageIdentifier(languages)
    identifier.identify("warm up the model")
    print(f"Held-out messages ({args.held_out}/held_out*.yml):")
    print(score(identifier, held_out_messages(args.held_out, languages[0])))
    if args.sentiment:
        print(f"\nmultilingual-sentiment ({args.sentiment}, *-test.csv):")
        print(score(identifier, sentiment_messages(args.sentiment, languages)))


if __name__ == "__main__":
    main()
