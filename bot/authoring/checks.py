"""The framework's own checks of a rasa project, beside rasa's: each with file and line.

- intents with fewer examples than `designer.min_examples` (warning);
- the same example under two intents (error, also when only case or punctuation
  differ), or twice under one (warning);
- an intent the domain lists without examples, or examples of one it does not list
  (an error when the names are alike: a typo);
- templates that rules, stories or the domain's actions use but the domain lacks (error);
- templates missing a language of `brand.languages` (error);
- template texts with a `{placeholder}` that is not a slot, or HTML (warning);
- handoff notices the domain lacks, so the built-in texts are used (warning);
- the handoff settings: a file that cannot be loaded (error, at its line), teams
  nobody works in and no agent at all to take escalations (warnings).
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from bot.authoring import yaml_files
from bot.authoring.domain_file import intents as domain_intents
from bot.authoring.domain_file import responses
from bot.authoring.nlu_files import Example, IntentBlock
from bot.authoring.problems import Problem, error, line_for_key, warning
from bot.errors import ConfigError

UTTER_PREFIX = "utter_"


def intent_problems(
    blocks: Sequence[IntentBlock], domain: Any, domain_path: Path, min_examples: int
) -> list[Problem]:
    """Too few examples, and examples given to two intents (or twice to one)."""
    problems: list[Problem] = []
    by_intent: dict[str, list[IntentBlock]] = defaultdict(list)
    for block in blocks:
        by_intent[block.intent].append(block)
    for intent, found in by_intent.items():
        count = sum(len(block.examples) for block in found)
        if count < min_examples:
            problems.append(
                warning(
                    f"intent '{intent}' has {count} example{'s' * (count != 1)}; "
                    f"at least {min_examples} are recommended (designer.min_examples)",
                    found[0].path,
                    found[0].line,
                )
            )
    problems.extend(_intents_against_domain(by_intent, domain, domain_path))
    problems.extend(_repeated_examples([e for b in blocks for e in b.examples]))
    return problems


def _intents_against_domain(
    by_intent: dict[str, list[IntentBlock]], domain: Any, domain_path: Path
) -> list[Problem]:
    """Intents the domain lists without examples, and examples of intents it does not list.

    When the two sides hold names that are alike (`gret` and `greet`), one is a typo
    of the other: that is an error, with a "did you mean".
    """
    problems: list[Problem] = []
    listed = domain.get("intents") if isinstance(domain, dict) else None
    names = domain_intents(domain)
    orphans = [intent for intent in by_intent if intent not in names]
    for index, intent in enumerate(names):
        if intent in by_intent or intent in _RASA_INTENTS:
            continue
        line = yaml_files.line_of(listed, index) if isinstance(listed, list) else None
        close = difflib.get_close_matches(intent, orphans, n=1, cutoff=0.75)
        if close:
            block = by_intent[close[0]][0]
            problems.append(
                error(
                    f"intent '{intent}' in the domain has no examples; did you mean "
                    f"'{close[0]}' ({block.path}:{block.line})?",
                    domain_path,
                    line,
                )
            )
        else:
            problems.append(warning(f"intent '{intent}' has no examples", domain_path, line))
    if not names:
        return problems
    for intent in orphans:
        block = by_intent[intent][0]
        close = difflib.get_close_matches(intent, names, n=1, cutoff=0.75)
        hint = f"; did you mean '{close[0]}'?" if close else "; add it there"
        problems.append(
            error(
                f"intent '{intent}' is not listed in the domain's intents ({domain_path}){hint}",
                block.path,
                block.line,
            )
        )
    return problems


def misfit_problems(blocks: Sequence[IntentBlock]) -> list[Problem]:
    """A warning at each example that looks like another intent's (`example_fit`)."""
    from bot.authoring.example_fit import project_misfits

    by_intent: dict[str, list[Example]] = defaultdict(list)
    for block in blocks:
        by_intent[block.intent].extend(block.examples)
    where = {(e.intent, e.plain): e for found in by_intent.values() for e in found}
    misfits = project_misfits({name: [e.plain for e in found] for name, found in by_intent.items()})
    problems = []
    for misfit in misfits:
        example = where[(misfit.intent, misfit.text)]
        problems.append(
            warning(
                misfit.message().replace(misfit.text, example.text, 1), example.path, example.line
            )
        )
    return problems


# rasa's built-in intents need no examples.
_RASA_INTENTS = frozenset({"back", "restart", "session_start", "nlu_fallback", "out_of_scope"})


def _repeated_examples(examples: Iterable[Example]) -> list[Problem]:
    problems: list[Problem] = []
    first: dict[str, Example] = {}
    alike: dict[str, Example] = {}
    for example in examples:
        earlier = first.setdefault(example.plain, example)
        if earlier is example:
            other = alike.setdefault(example.loose, example) if example.loose else example
            if other is not example and other.intent != example.intent:
                problems.append(
                    error(
                        f"'{example.text}' (an example of '{example.intent}') differs only in "
                        f"case or punctuation from '{other.text}', an example of "
                        f"'{other.intent}' ({other.path}:{other.line}); keep it under one intent",
                        example.path,
                        example.line,
                    )
                )
            continue
        where = f"{earlier.path}:{earlier.line}"
        if earlier.intent == example.intent:
            problems.append(
                warning(
                    f"'{example.text}' is already an example of '{example.intent}' ({where})",
                    example.path,
                    example.line,
                )
            )
        else:
            problems.append(
                error(
                    f"'{example.text}' is an example of both '{earlier.intent}' ({where}) "
                    f"and '{example.intent}'; keep it under one intent",
                    example.path,
                    example.line,
                )
            )
    return problems


def template_problems(
    domain: Any,
    domain_path: Path,
    data_files: Sequence[Path],
    languages: Sequence[str],
    handoff_templates: Sequence[str],
) -> list[Problem]:
    """Templates used but missing, missing a language, and handoff notices defaulted."""
    default_language = languages[0] if languages else "en"
    known = responses(domain, default_language)
    defined = set(known) | _data_responses(data_files)
    problems = [
        error(f"'{name}' is used here but the domain has no such response", path, line)
        for name, path, line in _used_templates(domain, domain_path, data_files)
        if name not in defined and not any(d.startswith(f"{name}/") for d in defined)
    ]
    section = domain.get("responses") if isinstance(domain, dict) else None
    for name, variants in known.items():
        missing = [lang for lang in languages if lang not in {v.language for v in variants}]
        if missing and variants:
            problems.append(
                error(
                    f"response '{name}' has no text in {', '.join(missing)} "
                    f"(brand.languages: {', '.join(languages)}); add a variant with "
                    f"metadata: {{language: {missing[0]}}}",
                    domain_path,
                    yaml_files.line_of(section, name),
                )
            )
    problems.extend(_text_problems(domain, domain_path, known))
    responses_line = yaml_files.line_of(domain, "responses") if isinstance(domain, dict) else None
    defaulted = [name for name in handoff_templates if name not in known]
    if defaulted:
        problems.append(
            warning(
                f"the domain lacks the handoff's notices {', '.join(defaulted)}; their "
                "built-in texts are used (copy them from handoff/default_templates.py)",
                domain_path,
                responses_line,
            )
        )
    return problems


def _text_problems(domain: Any, domain_path: Path, known: dict[str, list[Any]]) -> list[Problem]:
    """Texts rasa would send wrongly: a `{placeholder}` that is not a slot, HTML tags."""
    from bot.authoring import template_texts
    from handoff.default_templates import DEFAULT_TEXTS

    slots = template_texts.slot_names(domain)
    problems = []
    for name, variants in known.items():
        allowed = slots | template_texts.placeholders([DEFAULT_TEXTS.get(name, "")])
        for variant in variants:
            if not variant.text.strip():  # an image or buttons only
                continue
            for found in template_texts.text_problems([variant.text], allowed):
                problems.append(
                    warning(
                        f"response '{name}': {found.removeprefix('the text: ')}",
                        domain_path,
                        variant.line,
                    )
                )
    return problems


def _used_templates(
    domain: Any, domain_path: Path, data_files: Sequence[Path]
) -> list[tuple[str, Path, int | None]]:
    """Every `utter_` action named by rules, stories and the domain's `actions:`."""
    used: list[tuple[str, Path, int | None]] = []
    actions = domain.get("actions") if isinstance(domain, dict) else None
    for index, action in enumerate(actions or []):
        if isinstance(action, str) and action.startswith(UTTER_PREFIX):
            used.append((action, domain_path, yaml_files.line_of(actions, index)))
    for path in data_files:
        data = yaml_files.load(path)
        for section in ("stories", "rules"):
            blocks = data.get(section) if isinstance(data, dict) else None
            for block in blocks or []:
                steps = block.get("steps") if isinstance(block, dict) else None
                for index, step in enumerate(steps or []):
                    action = step.get("action") if isinstance(step, dict) else None
                    if isinstance(action, str) and action.startswith(UTTER_PREFIX):
                        used.append((action, path, yaml_files.line_of(steps, index)))
    return used


def _data_responses(data_files: Sequence[Path]) -> set[str]:
    """Responses defined in training data files (retrieval intents' `responses:`)."""
    names: set[str] = set()
    for path in data_files:
        data = yaml_files.load(path)
        section = data.get("responses") if isinstance(data, dict) else None
        if isinstance(section, dict):
            names.update(str(name) for name in section)
    return names


def handoff_problems(path: str) -> list[Problem]:
    """The handoff settings: loadable, every team staffed, someone to take escalations.

    An empty `path` means the built-in defaults (a project without a handoff file).
    """
    from handoff.settings import load_handoff_settings

    try:
        settings = load_handoff_settings(path)
    except ConfigError as failure:
        line = failure.line
        if line is None and failure.path == path and Path(path).is_file():
            line = line_for_key(yaml_files.load(Path(path)), failure.key)
        message = f"{failure.key}: {failure.reason}" if failure.key else failure.reason
        return [error(message, failure.path, line)]
    data = yaml_files.load(Path(path)) if path and Path(path).is_file() else None
    source = path or None
    problems = []
    people = [agent for agent in settings.agents if agent.role != "designer"]
    if not people:
        problems.append(
            warning(
                "no agents are configured: escalated threads wait with nobody to take them",
                source,
                line_for_key(data, "agents") if data is not None else None,
            )
        )
    for team in settings.teams:
        if not any(team in agent.teams for agent in people):
            problems.append(
                warning(
                    f"team '{team}' has no agents: threads routed to it wait",
                    source,
                    line_for_key(data, f"teams.{team}") if data is not None else None,
                )
            )
    return problems
