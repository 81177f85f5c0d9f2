"""A new intent's answer: its template in every brand language and the rule that says it.

    responses:                        rules:
      utter_gift_wrapping:            - rule: Answer gift_wrapping
      - text: "We wrap gifts."          steps:
      - text: "Nous emballons."         - intent: gift_wrapping
        metadata: {language: fr}        - action: utter_gift_wrapping

The template goes into the domain, the rule at the end of the first data file with
a `rules:` section (or a new `<data>/rules.yml`); both keep their comments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from bot.authoring import domain_file, template_texts, yaml_files
from bot.errors import BadRequest, Conflict


def template_name(intent: str) -> str:
    """The answer template of an intent: `utter_<intent>`."""
    return f"utter_{intent}"


def check_answer(
    answer: Any,
    intent: str,
    domain_path: Path,
    data_files: Sequence[Path],
    languages: Sequence[str],
) -> dict[str, str]:
    """The answer's text per brand language, if every one is there and usable.

    Raises:
        BadRequest: Not an object of texts, a language missing or unknown, a text
            that would be sent wrongly.
        Conflict: The template or a rule for the intent exists already.
    """
    if not isinstance(answer, Mapping) or not all(isinstance(t, str) for t in answer.values()):
        raise BadRequest('\'answer\' must be an object of texts by language, e.g. {"en": "..."}')
    unknown = sorted(set(answer) - set(languages))
    if unknown:
        raise BadRequest(
            f"{', '.join(unknown)}: not the brand's languages ({', '.join(languages)})"
        )
    missing = [language for language in languages if not str(answer.get(language, "")).strip()]
    if missing:
        raise BadRequest(f"give the answer in every brand language; missing: {', '.join(missing)}")
    domain = yaml_files.load(domain_path)
    allowed = template_texts.slot_names(domain)
    for language in languages:
        problems = template_texts.text_problems([answer[language]], allowed)
        if problems:
            raise BadRequest(f"the answer in {language}: {'; '.join(problems)}")
    name = template_name(intent)
    if name in domain_file.responses(domain, languages[0]):
        raise Conflict(f"the domain has a response {name!r} already")
    if _rule_file(data_files, intent)[1]:
        raise Conflict(f"a rule already answers intent {intent!r}")
    return {language: answer[language].strip() for language in languages}


def write_answer(
    intent: str,
    texts: Mapping[str, str],
    domain_path: Path,
    data_files: Sequence[Path],
    new_rules_file: Path,
    languages: Sequence[str],
) -> tuple[str, Path]:
    """Write the template and the rule; the template's name and the rules file."""
    name = template_name(intent)
    for language in languages:
        domain_file.set_texts(domain_path, name, language, [texts[language]], languages[0])
    path, _ = _rule_file(data_files, intent)
    rule = CommentedMap()
    rule["rule"] = f"Answer {intent}"
    steps = CommentedSeq()
    for key, value in (("intent", intent), ("action", name)):
        step = CommentedMap()
        step[key] = value
        steps.append(step)
    rule["steps"] = steps
    if path is None:
        path = new_rules_file
        yaml_files.write_text(path, 'version: "3.1"\n\nrules:\n')
    data = yaml_files.load(path)
    if not isinstance(data.get("rules"), list):
        data["rules"] = CommentedSeq()
    rules = data["rules"]
    with yaml_files.trailing_comment_kept(rules):
        rules.append(rule)
        if len(rules) > 1:  # a blank line between rules, as rasa's own files have
            rules.yaml_set_comment_before_after_key(len(rules) - 1, before="\n")
    yaml_files.save(path, data)
    return name, path


def _rule_file(data_files: Sequence[Path], intent: str) -> tuple[Path | None, bool]:
    """The first file with a `rules:` section, and whether any rule starts with `intent`."""
    first: Path | None = None
    for path in data_files:
        data = yaml_files.load(path)
        rules = data.get("rules") if isinstance(data, Mapping) else None
        if not isinstance(rules, list):
            continue
        first = first or path
        for rule in rules:
            steps = rule.get("steps") if isinstance(rule, Mapping) else None
            if steps and isinstance(steps[0], Mapping) and steps[0].get("intent") == intent:
                return first, True
    return first, False
