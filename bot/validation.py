"""`python -m bot validate`: the settings, channels, handoff and the rasa project."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Settings
from bot.errors import BotError

if TYPE_CHECKING:
    from bot.engine import RasaProject


def validate_project(settings: Settings) -> list[str]:
    """Every problem found, one line each; an empty list when all is well.

    The settings themselves were validated when they were loaded.
    """
    from bot.engine import RasaProject
    from bot.runtime import build_channels
    from handoff.settings import load_handoff_settings
    from handoff.templates import Templates

    problems: list[str] = []
    try:
        build_channels(settings)
        project = RasaProject.from_settings(settings.project, settings.source)
        load_handoff_settings(settings.project.handoff)
        Templates.from_domain(project.domain)
    except BotError as error:
        return [error.message]
    problems.extend(_rasa_problems(project))
    return problems


def _rasa_problems(project: RasaProject) -> list[str]:
    """Run rasa's own data validation (it logs each finding) and summarise it."""
    from rasa.shared.importers.importer import TrainingDataImporter
    from rasa.validator import Validator

    importer = TrainingDataImporter.load_from_config(
        str(project.config), str(project.domain), [str(p) for p in project.data]
    )
    if importer.get_domain().is_empty():
        return [f"{project.domain}: the domain is empty"]
    validator = Validator.from_importer(importer)
    checks = {
        "domain": validator.verify_domain_validity(),
        "actions in stories and rules": validator.verify_actions_in_stories_rules(),
        "forms in stories and rules": validator.verify_forms_in_stories_rules(),
        "form slots": validator.verify_form_slots(),
        "slot mappings": validator.verify_slot_mappings(),
        "NLU data": validator.verify_nlu(ignore_warnings=True),
        "story structure": validator.verify_story_structure(ignore_warnings=True),
    }
    return [
        f"rasa: {name}: check failed (see the messages above)"
        for name, ok in checks.items()
        if not ok
    ]
