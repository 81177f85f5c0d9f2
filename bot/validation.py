"""`python -m bot validate`: the settings, channels, handoff and the rasa project.

rasa's own data validation runs first; then the framework's checks
(`bot.authoring.checks`), which name the file and line of each problem. Errors make
the command fail; warnings are printed and leave it successful.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from bot.authoring import checks, structure_checks, yaml_files
from bot.authoring.nlu_files import read_intents
from bot.authoring.problems import Problem, Severity, error
from bot.config import Settings
from bot.designer.workbench import training_files
from bot.engine.project import RasaProject
from core.errors import BotError, ConfigError

_UTTER = re.compile(r"\butter_[A-Za-z0-9_]+")


def validate_project(settings: Settings, *, with_rasa: bool = True) -> list[Problem]:
    """Every problem found, errors first; an empty list when all is well.

    The settings themselves were validated when they were loaded.

    Args:
        settings: The loaded settings.
        with_rasa: Run rasa's own validator too (a few seconds on a large project).
    """
    from bot.runtime import build_channels

    try:
        build_channels(settings)
        project = RasaProject.from_settings(settings.project, settings.source)
    except ConfigError as failure:
        return [error(failure.reason, failure.path, failure.line)]
    except BotError as failure:
        return [error(failure.message)]
    problems = checks.handoff_problems(settings.project.handoff)
    try:
        problems.extend(project_problems(project, settings))
    except ConfigError as failure:  # a file that is not valid YAML
        return [*problems, error(failure.reason, failure.path, failure.line)]
    if with_rasa:
        from bot.authoring.rasa_checks import rasa_problems
        from handoff.templates import REQUIRED

        used = {*REQUIRED, *templates_in_code(project.actions)}
        problems.extend(rasa_problems(project, training_files(project), used))
    return sorted(problems, key=lambda p: p.severity is not Severity.ERROR)


def templates_in_code(package: str) -> set[str]:
    """The `utter_...` names a custom actions package mentions (it sends them itself)."""
    if not package:
        return set()
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return set()
    if spec is None or not spec.origin:
        return set()
    names: set[str] = set()
    for path in Path(spec.origin).parent.rglob("*.py"):
        names.update(_UTTER.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


def project_problems(project: RasaProject, settings: Settings) -> list[Problem]:
    """The framework's checks of the NLU data and the domain (they only read the files)."""
    with yaml_files.parsed_once():
        return _project_problems(project, settings)


def _project_problems(project: RasaProject, settings: Settings) -> list[Problem]:
    from handoff.templates import REQUIRED

    files = training_files(project)
    blocks = read_intents(files)
    domain = yaml_files.load(project.domain)
    languages = settings.brand.languages
    # A code that is not a language is one error, not one "no text in it" per template.
    usable = [code for code in languages if structure_checks.is_language_code(code)]
    return [
        *structure_checks.language_problems(languages, settings.source),
        *structure_checks.project_section_problems(
            project.config, project.domain, [p for p in files if p != project.domain]
        ),
        *checks.intent_problems(blocks, domain, project.domain, settings.designer.min_examples),
        *checks.misfit_problems(blocks),
        *checks.template_problems(domain, project.domain, files, usable or languages, REQUIRED),
    ]


def has_errors(problems: list[Problem]) -> bool:
    """Whether any problem is an error."""
    return any(problem.severity is Severity.ERROR for problem in problems)


def summary(problems: list[Problem]) -> str:
    """`valid`, or how many errors and warnings."""
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return "valid"
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
