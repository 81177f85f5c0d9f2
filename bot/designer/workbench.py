"""What a designer does to the project's files, one function per action.

Plain synchronous functions over a `RasaProject` (the web API runs them in a worker
thread, one at a time): list intents and templates, add examples to an intent
(creating it if asked), and set a template's texts in one language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.authoring import (
    domain_file,
    example_fit,
    intent_answer,
    nlu_files,
    template_texts,
    yaml_files,
)
from bot.engine.project import RasaProject
from bot.errors import BadRequest, Conflict, NotFound


@dataclass(frozen=True)
class Written:
    """Where examples went."""

    intent: str
    path: Path
    added: int
    created: bool  # a new intent


def training_files(project: RasaProject) -> list[Path]:
    """The YAML files under the project's data folders (the handoff's examples aside)."""
    return [
        p for p in nlu_files.yaml_files_under(project.data) if p not in project.not_training_data
    ]


def intent_summary(project: RasaProject) -> list[dict[str, Any]]:
    """Every intent of the NLU data and the domain: examples and the file that holds it."""
    blocks = nlu_files.read_intents(training_files(project))
    listed = domain_file.intents(yaml_files.load(project.domain))
    found: dict[str, dict[str, Any]] = {}
    for block in blocks:
        entry = found.setdefault(
            block.intent, {"name": block.intent, "examples": 0, "file": str(block.path)}
        )
        entry["examples"] += len(block.examples)
    for name in listed:
        found.setdefault(name, {"name": name, "examples": 0, "file": None})
    return sorted(found.values(), key=lambda entry: entry["name"])


def add_examples(
    project: RasaProject, intent: str, texts: Sequence[str], *, create: bool = False
) -> Written:
    """Write `texts` as examples of `intent` into the file that holds it.

    A new intent (only with `create`) gets `<data>/nlu/<intent>.yml` and a line in
    the domain's `intents:`.

    Raises:
        BadRequest: The intent name is not usable.
        NotFound: The intent does not exist and `create` is false.
        Conflict: An example already belongs to another intent.
    """
    intent = nlu_files.check_intent_name(intent)
    blocks = nlu_files.read_intents(training_files(project))
    domain = yaml_files.load(project.domain)
    exists = any(b.intent == intent for b in blocks) or intent in domain_file.intents(domain)
    if not exists and not create:
        raise NotFound(f"there is no intent {intent!r}; create it as a new intent")
    owners = {example.plain: example for block in blocks for example in block.examples}
    lines = [nlu_files.example_line(text) for text in texts]
    for line in lines:
        owner = owners.get(nlu_files.normalise(line))
        if owner is not None and owner.intent != intent:
            raise Conflict(
                f"'{line}' is already an example of '{owner.intent}' "
                f"({owner.path}:{owner.line}); an example belongs to one intent"
            )
    known = {e.plain for block in blocks if block.intent == intent for e in block.examples}
    added = len({nlu_files.normalise(line) for line in lines} - known)
    path = nlu_files.add_examples(blocks, intent, lines, new_intent_folder(project))
    if not exists:
        domain_file.add_intent(project.domain, intent)
    return Written(intent, path, added, created=not exists)


def misfits(project: RasaProject, intent: str, texts: Sequence[str]) -> list[str]:
    """Warnings for `texts` that look like another intent's examples than `intent`'s."""
    blocks = nlu_files.read_intents(training_files(project))
    examples: dict[str, list[str]] = {}
    for block in blocks:
        examples.setdefault(block.intent, []).extend(e.plain for e in block.examples)
    lines = [nlu_files.example_line(text) for text in texts]
    return [found.message() for found in example_fit.misfits(lines, intent.strip(), examples)]


def check_answer(
    project: RasaProject, intent: str, answer: Any, languages: Sequence[str]
) -> dict[str, str]:
    """A new intent's answer, checked before anything is written (see `intent_answer`)."""
    intent = nlu_files.check_intent_name(intent)
    files = training_files(project)
    return intent_answer.check_answer(answer, intent, project.domain, files, languages)


def add_answer(
    project: RasaProject, intent: str, texts: dict[str, str], languages: Sequence[str]
) -> tuple[str, Path]:
    """Write a new intent's template and rule; the template's name and the rules file."""
    folder = new_intent_folder(project).parent
    return intent_answer.write_answer(
        intent.strip(), texts, project.domain, training_files(project), folder / "rules.yml",
        languages,
    )  # fmt: skip


def new_intent_folder(project: RasaProject) -> Path:
    """Where a new intent's file goes: `nlu/` in the first data folder."""
    for root in project.data:
        if root.is_dir():
            return root / "nlu"
    return project.data[0].parent / "nlu" if project.data else project.domain.parent / "nlu"


def template_summary(project: RasaProject, languages: Sequence[str]) -> list[dict[str, Any]]:
    """Every response's texts per language, and the brand's languages it lacks."""
    default = languages[0]
    found = domain_file.responses(yaml_files.load(project.domain), default)
    summary = []
    for name, variants in sorted(found.items()):
        texts: dict[str, list[str]] = {language: [] for language in languages}
        for variant in variants:
            texts.setdefault(variant.language, []).append(variant.text)
        summary.append(
            {
                "name": name,
                "texts": texts,
                "missing": [language for language in languages if not texts.get(language)],
                "line": variants[0].line if variants else None,
            }
        )
    return summary


def set_template(
    project: RasaProject,
    name: str,
    language: str,
    texts: Sequence[str],
    languages: Sequence[str],
    *,
    remove_variants: bool = False,
) -> None:
    """Set the texts of template `name` in `language` (one of the brand's).

    Texts are checked first (`bot.authoring.template_texts`): no empty one, no
    placeholder that is not a slot, no HTML, and no variant removed unless
    `remove_variants` says so.

    Raises:
        BadRequest: Not a template name, not a brand language, or unusable texts.
    """
    from handoff.default_templates import DEFAULT_TEXTS

    if not name.startswith("utter_") or not nlu_files.INTENT_NAME.match(name):
        raise BadRequest("a template's name starts with 'utter_' (letters, digits, '_')")
    if language not in languages:
        brand = ", ".join(languages)
        raise BadRequest(f"{language!r} is not one of the brand's languages ({brand})")
    domain = yaml_files.load(project.domain)
    variants = domain_file.responses(domain, languages[0]).get(name, [])
    allowed = (
        template_texts.slot_names(domain)
        | template_texts.placeholders(v.text for v in variants)
        | template_texts.placeholders([DEFAULT_TEXTS.get(name, "")])
    )
    existing = sum(variant.language == language for variant in variants)
    template_texts.check_texts(texts, allowed, existing, remove_variants)
    domain_file.set_texts(project.domain, name, language, texts, languages[0])
