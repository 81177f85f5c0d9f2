"""The domain file: its intents and its answer templates, per language.

A brand's languages are listed in `config/bot.yml` (`brand.languages`, the first is
the default). A response variant is in the language named by its metadata,

    utter_greet:
      - text: "Hello!"
      - text: "Bonjour !"
        metadata: {language: fr}

and a variant without one is in the default language. rasa ignores the tag (it
passes response metadata through), so an existing domain is valid as it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.authoring import yaml_files
from bot.errors import BadRequest, NotFound

MAX_TEMPLATE_CHARS = 4096


@dataclass(frozen=True)
class Variant:
    """One text variant of a response template."""

    text: str
    language: str
    line: int | None


def variant_language(variant: Any, default_language: str) -> str:
    """The language a variant is written in: its `metadata.language`, or the default."""
    metadata = variant.get("metadata") if isinstance(variant, Mapping) else None
    language = metadata.get("language") if isinstance(metadata, Mapping) else None
    return str(language) if language else default_language


def responses(domain: Any, default_language: str) -> dict[str, list[Variant]]:
    """Every response's text variants with their language and line, from a loaded domain."""
    found: dict[str, list[Variant]] = {}
    section = domain.get("responses") if isinstance(domain, Mapping) else None
    for name, variants in (section or {}).items():
        found[str(name)] = [
            Variant(
                str(variant.get("text") or ""),
                variant_language(variant, default_language),
                yaml_files.line_of(variants, index),
            )
            for index, variant in enumerate(variants or [])
            if isinstance(variant, Mapping)
        ]
    return found


def intents(domain: Any) -> list[str]:
    """The intents the domain lists (plain names or `{name: {...}}` entries)."""
    listed = domain.get("intents") if isinstance(domain, Mapping) else None
    names: list[str] = []
    for item in listed or []:
        if isinstance(item, Mapping):
            names.extend(str(key) for key in item)
        else:
            names.append(str(item))
    return names


def add_intent(path: Path, intent: str) -> bool:
    """List a new intent in the domain; False when it was already there."""
    domain = yaml_files.load(path)
    if intent in intents(domain):
        return False
    if not isinstance(domain.get("intents"), list):
        domain["intents"] = CommentedSeq()
    with yaml_files.trailing_comment_kept(domain["intents"]):
        domain["intents"].append(intent)
    yaml_files.save(path, domain)
    return True


def set_texts(
    path: Path, name: str, language: str, texts: Sequence[str], default_language: str
) -> None:
    """Make `texts` the variants of response `name` in `language`; others stay as they are.

    Existing variants of the language keep their place and their other keys
    (buttons, images, conditions) and take the new texts in order; surplus ones are
    removed and extra texts are added after them. A new response is created.

    Raises:
        BadRequest: No text, an empty one, or one over the length limit.
    """
    texts = [text.strip() for text in texts]
    if not texts or not all(texts):
        raise BadRequest("give at least one text, and no empty ones")
    if any(len(text) > MAX_TEMPLATE_CHARS for text in texts):
        raise BadRequest(f"a text is over {MAX_TEMPLATE_CHARS} characters")
    domain = yaml_files.load(path)
    if not isinstance(domain.get("responses"), Mapping):
        domain["responses"] = CommentedMap()
    section = domain["responses"]
    with yaml_files.trailing_comment_kept(section):
        if not isinstance(section.get(name), list):
            section[name] = CommentedSeq()
        _set_variants(section, section[name], language, texts, default_language)
    yaml_files.save(path, domain)


def _set_variants(
    section: CommentedMap,
    variants: CommentedSeq,
    language: str,
    texts: Sequence[str],
    default_language: str,
) -> None:
    """Replace one language's variants in place (see `set_texts`)."""
    mine = [i for i, v in enumerate(variants) if variant_language(v, default_language) == language]
    every = [v for vs in section.values() if isinstance(vs, list) for v in vs]
    style = _text_style(variants) or _text_style(every) or str
    with yaml_files.trailing_comment_kept(variants):
        for index, text in zip(mine, texts, strict=False):
            old = variants[index].get("text")
            variants[index]["text"] = type(old)(text) if isinstance(old, str) else style(text)
        for index in reversed(mine[len(texts) :]):
            del variants[index]
        position = mine[-1] + 1 if mine else len(variants)
        position = min(position, len(variants))
        for text in texts[len(mine) :]:
            variants.insert(position, _variant(style(text), language, default_language))
            position += 1


def check_response(domain: Any, name: str) -> None:
    """Refuse a response name the domain does not have.

    Raises:
        NotFound: The domain has no such response.
    """
    if name not in (domain.get("responses") or {}):
        raise NotFound(f"the domain has no response {name!r}")


def _variant(text: str, language: str, default_language: str) -> CommentedMap:
    variant = CommentedMap()
    variant["text"] = text
    if language != default_language:
        metadata = CommentedMap(language=language)
        metadata.fa.set_flow_style()
        variant["metadata"] = metadata
    return variant


def _text_style(variants: Sequence[Any]) -> type[str] | None:
    """The string type (quoting) the texts already use, for new texts to look alike."""
    for variant in variants:
        text = variant.get("text") if isinstance(variant, Mapping) else None
        if isinstance(text, str):
            return type(text)
    return None
