"""rasa's own data validation (`rasa data validate`), its findings collected as problems.

rasa reports through Python warnings and its logger; both are captured while its
validator runs. A check rasa fails turns its findings into errors, the others are
warnings. Findings the framework reports better (with file and line) are left out.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bot.authoring.problems import Problem, error, warning
from bot.engine.project import RasaProject

# Reported by `checks.intent_problems` with the file and line of each example or intent.
_COVERED = (
    "labeled with multiple different intents",
    "is listed in the domain file, but is not found in the NLU training data",
    "This intent is not listed in your domain",
)
_UNUSED = re.compile(r"The utterance '([^']+)' is not used in any story or rule")
_DOCS = re.compile(r"\s*\(?More info at \S+\)?\s*$")


@contextmanager
def _captured() -> Iterator[list[str]]:
    """Collect rasa's warnings and logged warnings and errors."""
    from rasa.utils.common import EXPECTED_WARNINGS

    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Collect(level=logging.WARNING)
    rasa_logger = logging.getLogger("rasa")
    rasa_logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for category, pattern in EXPECTED_WARNINGS:  # rasa's own list of noise
                warnings.filterwarnings("ignore", pattern, category)
            yield messages
        messages.extend(str(w.message) for w in caught if issubclass(w.category, UserWarning))
    finally:
        rasa_logger.removeHandler(handler)


def rasa_problems(
    project: RasaProject, files: Sequence[Path], used_elsewhere: Collection[str] = ()
) -> list[Problem]:
    """Run rasa's validator on the project; its findings as problems.

    Args:
        project: The project.
        files: Its training data files (the domain and the handoff's examples left out).
        used_elsewhere: Templates the framework or custom actions use, which rasa
            would call unused.
    """
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    with _captured() as loading:
        importer = TrainingDataImporter.load_from_config(
            str(project.config),
            str(project.domain),
            [str(p) for p in files if p != project.domain],
        )
        empty = importer.get_domain().is_empty()
        validator = None if empty else Validator.from_importer(importer)
    problems = [warning(_plain(message)) for message in dict.fromkeys(loading)]
    if validator is None:
        return [*problems, error("the domain is empty", project.domain)]
    checks: dict[str, Callable[[], bool]] = {
        "domain": validator.verify_domain_validity,
        "actions": validator.verify_actions_in_stories_rules,
        "forms": validator.verify_forms_in_stories_rules,
        "form slots": validator.verify_form_slots,
        "slot mappings": validator.verify_slot_mappings,
        "NLU data": lambda: validator.verify_nlu(ignore_warnings=True),
        "stories": lambda: validator.verify_story_structure(ignore_warnings=True),
    }
    for name, check in checks.items():
        with _captured() as found:
            ok = check()
        kind = warning if ok else error
        kept = [
            message
            for message in dict.fromkeys(found)
            if not any(c in message for c in _COVERED) and not _used(message, used_elsewhere)
        ]
        problems.extend(kind(f"rasa ({name}): {_plain(message)}") for message in kept)
        if not ok and not kept:
            problems.append(error(f"rasa ({name}): check failed"))
    return problems


def _used(message: str, used_elsewhere: Collection[str]) -> bool:
    """Whether rasa calls a template unused that is used outside stories and rules.

    A form asks for its slots with `utter_ask_<slot>`, which rasa's check misses too.
    """
    found = _UNUSED.search(message)
    if found is None:
        return False
    return found.group(1) in used_elsewhere or found.group(1).startswith("utter_ask_")


def _plain(message: str) -> str:
    """One line, without rasa's trailing documentation link."""
    return _DOCS.sub("", " ".join(message.split()))
