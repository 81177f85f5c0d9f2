"""Checks of a project's shape: language codes and the files' top-level sections.

A misspelled language (`fre` for `fr`) would otherwise show as one "no text in fre"
per template, and a misspelled section (`respones:`) as a rasa warning without a
line; here each is one error at its line, with a "did you mean".
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.authoring import yaml_files
from bot.authoring.problems import Problem, error, line_for_key
from bot.errors import ConfigError

# ISO 639-1, the codes rasa and the language detector use.
_CODES = (
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr "
    "cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu "
    "gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk "
    "kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms "
    "mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro "
    "ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl "
    "tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"
)
ISO_639_1 = frozenset(_CODES.split())
# Three-letter codes (ISO 639-2/B and /T) and English names of common languages.
_OTHER_NAMES = {
    "fr": "fre fra french", "de": "ger deu german", "en": "eng english",
    "es": "spa spanish", "it": "ita italian", "pt": "por portuguese",
    "nl": "dut nld dutch", "ru": "rus russian", "zh": "chi zho chinese",
    "ja": "jpn japanese", "ko": "kor korean", "ar": "ara arabic", "pl": "pol polish",
    "sv": "swe swedish", "da": "dan danish", "no": "nor norwegian", "fi": "fin finnish",
    "tr": "tur turkish", "el": "gre ell greek", "he": "heb hebrew", "hi": "hin hindi",
    "cs": "cze ces czech", "sk": "slo slk slovak", "hu": "hun hungarian",
    "ro": "rum ron romanian", "bg": "bul bulgarian", "uk": "ukr ukrainian",
    "ca": "cat catalan", "eu": "baq eus basque", "gl": "glg galician",
    "cy": "wel cym welsh", "ga": "gle irish", "is": "ice isl icelandic",
    "fa": "per fas persian", "vi": "vie vietnamese", "th": "tha thai",
    "id": "ind indonesian", "ms": "may msa malay", "hr": "hrv croatian",
    "sr": "srp serbian", "sl": "slv slovenian", "et": "est estonian",
    "lv": "lav latvian", "lt": "lit lithuanian",
}  # fmt: skip
_TO_CODE = {name: code for code, names in _OTHER_NAMES.items() for name in names.split()}
_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{2,8})*$")

# The top-level sections rasa 3.x reads in each kind of file.
DOMAIN_SECTIONS = (
    "version", "intents", "entities", "slots", "responses", "actions", "forms",
    "session_config", "e2e_actions", "config",
)  # fmt: skip
DATA_SECTIONS = ("version", "nlu", "stories", "rules", "responses")
CONFIG_SECTIONS = ("recipe", "language", "pipeline", "policies", "assistant_id", "version")


def is_language_code(code: str) -> bool:
    """Whether `code` is an ISO 639-1 code, optionally with a region (`pt-BR`)."""
    match = _TAG.match(code)
    return bool(match) and match.group(1).lower() in ISO_639_1 if match else False


def suggest_language(code: str) -> str | None:
    """The ISO 639-1 code meant by `code` (`fre`, `French`, `fn`), if one is likely."""
    word = code.strip().lower()
    primary = re.split(r"[-_]", word)[0]
    if primary in _TO_CODE:
        return _TO_CODE[primary]
    close = difflib.get_close_matches(primary, [*_TO_CODE, *ISO_639_1], n=1, cutoff=0.7)
    return (_TO_CODE.get(close[0], close[0])) if close else None


def language_problems(languages: Sequence[str], source: str) -> list[Problem]:
    """One error per entry of `brand.languages` that is not a language code."""
    data = _load(Path(source))
    problems = []
    for index, code in enumerate(languages):
        if is_language_code(code):
            continue
        guess = suggest_language(code)
        hint = f"; did you mean '{guess}'?" if guess else " (use ISO 639-1 codes: en, fr, de)"
        problems.append(
            error(
                f"brand.languages: '{code}' is not a language code{hint}",
                source if data is not None else None,
                line_for_key(data, f"brand.languages[{index}]") if data is not None else None,
            )
        )
    return problems


def section_problems(path: Path, known: Sequence[str], kind: str) -> list[Problem]:
    """An error at the line of each top-level key rasa does not read in this kind of file."""
    data = _load(path)
    if not isinstance(data, dict):
        return []
    problems = []
    for key in data:
        if str(key) in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
        hint = (
            f"; did you mean '{close[0]}'?" if close else f" ({kind} sections: {', '.join(known)})"
        )
        problems.append(
            error(
                f"'{key}' is not a section of a {kind}; rasa ignores it{hint}",
                path,
                yaml_files.line_of(data, key),
            )
        )
    return problems


def project_section_problems(
    config: Path, domain: Path, data_files: Sequence[Path]
) -> list[Problem]:
    """Unknown top-level sections in the pipeline config, the domain and the data files."""
    problems = [
        *section_problems(config, CONFIG_SECTIONS, "rasa config file"),
        *section_problems(domain, DOMAIN_SECTIONS, "domain"),
    ]
    for path in data_files:
        problems.extend(section_problems(path, DATA_SECTIONS, "training data file"))
    return problems


def _load(path: Path) -> Any:
    if not path.is_file():
        return None
    try:
        return yaml_files.load(path)
    except ConfigError:  # reported by the checks that read the file for its content
        return None
