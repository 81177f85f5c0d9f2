"""`--project DIR`: train and serve any rasa 3.x project as it is.

A project made by `rasa init` (or by hand, in its layout) is used unchanged:

    DIR/config.yml      the pipeline and policies
    DIR/domain.yml      intents, slots, responses
    DIR/data/           NLU data, rules, stories
    DIR/actions/        custom actions (optional; run in-process)
    DIR/endpoints.yml   tracker and lock stores (optional; in memory without it)
    DIR/handoff.yml     the framework's handoff settings (optional; defaults without it)

Models go to DIR/models. The handoff's notices fall back to built-in texts when the
domain lacks them (`handoff.default_templates`), and the frustration classifier
keeps the framework's own examples. A `BOT_PROJECT_*` or `BOT_ENGINE_*` variable in
the environment still wins over what the directory suggests. The brand's languages
are the project's own (`language:` in its config.yml, English without one), not the
demo brand's, unless `BOT_BRAND_LANGUAGES` says otherwise.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from bot.config import ENV_PREFIX, Settings
from core.errors import ConfigError

FRAMEWORK_ROOT = Path(__file__).resolve().parent.parent
FRUSTRATION_EXAMPLES = FRAMEWORK_ROOT / "data" / "handoff" / "frustration.yml"


def use_project_directory(
    settings: Settings, directory: Path, environ: Mapping[str, str] | None = None
) -> Settings:
    """The settings with the project, models and handoff taken from `directory`.

    Raises:
        ConfigError: The directory lacks `config.yml`, `domain.yml` or `data/`.
    """
    environ = os.environ if environ is None else environ
    for name in ("config.yml", "domain.yml", "data"):
        if not (directory / name).exists():
            raise ConfigError(str(directory), "--project", f"no {name} in this rasa project")
    handoff = directory / "handoff.yml"
    endpoints = directory / "endpoints.yml"
    suggested_project = {
        "config": str(directory / "config.yml"),
        "domain": str(directory / "domain.yml"),
        "data": [str(directory / "data")],
        "actions": "actions" if has_actions(directory) else "",
        "handoff": str(handoff) if handoff.is_file() else "",
        "handoff_examples": str(FRUSTRATION_EXAMPLES),
    }
    suggested_engine = {
        "model_dir": str(directory / "models"),
        "endpoints": str(endpoints) if endpoints.is_file() else None,
    }
    project = replace(settings.project, **_unless_set(suggested_project, "project", environ))
    engine = replace(settings.engine, **_unless_set(suggested_engine, "engine", environ))
    suggested_brand = {"languages": [_rasa_language(directory / "config.yml")]}
    brand = replace(settings.brand, **_unless_set(suggested_brand, "brand", environ))
    return replace(settings, project=project, engine=engine, brand=brand)


def _rasa_language(config: Path) -> str:
    """The `language:` of a rasa config.yml ("en" when it has none or cannot be read)."""
    try:
        loaded = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return "en"
    language = loaded.get("language") if isinstance(loaded, dict) else None
    return str(language) if language else "en"


def has_actions(directory: Path) -> bool:
    """Whether the project has a custom actions package."""
    return (directory / "actions" / "__init__.py").is_file()


def make_actions_importable(directory: Path) -> None:
    """Put the project's `actions` package first on the import path (not the framework's)."""
    if has_actions(directory):
        sys.path.insert(0, str(directory.resolve()))
        sys.modules.pop("actions", None)


def _unless_set(values: dict[str, Any], section: str, environ: Mapping[str, str]) -> dict[str, Any]:
    """The values whose `BOT_<SECTION>_<KEY>` variable is not set."""
    return {
        key: value
        for key, value in values.items()
        if f"{ENV_PREFIX}{section}_{key}".upper() not in environ
    }
