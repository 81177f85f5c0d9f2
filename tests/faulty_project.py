"""A rasa project whose custom actions fail: raise, block a thread, await forever.

A copy of `tests/fixtures/tiny_project` with `tests/fixtures/faulty_actions` added
(the actions, intents with English and Spanish examples, and a rule each), trained
by `python -m bot train --project`. It is written under `models/test-projects/` (not
in the repository), so its model is trained again only when its files change.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.designer_servers import FIXTURE, train_project
from tests.servers import ROOT, file_lock

ADDITIONS = ROOT / "tests" / "fixtures" / "faulty_actions"


def faulty_project() -> Path:
    """The faulty project, trained (again only if its files changed)."""
    project = ROOT / "models" / "test-projects" / "faulty"
    # One writer and trainer at a time (xdist's workers, or two runs in one checkout).
    with file_lock(project.parent / "faulty.lock"):
        _write(project)  # over the last one, keeping its models/
        train_project(project, timeout=900)
    return project


def _write(project: Path) -> None:
    shutil.copytree(FIXTURE, project, dirs_exist_ok=True)
    shutil.copy(ADDITIONS / "faults.py", project / "actions" / "faults.py")
    added: dict[str, Any] = yaml.safe_load((ADDITIONS / "additions.yml").read_text())
    domain_file = project / "domain.yml"
    domain = yaml.safe_load(domain_file.read_text())
    domain["intents"] += added["intents"]
    domain["actions"] = added["actions"]
    domain["responses"]["utter_greet"] += added["responses"]["utter_greet"]
    domain_file.write_text(yaml.safe_dump(domain, allow_unicode=True, sort_keys=False))
    nlu = [{"intent": name, "examples": examples} for name, examples in added["nlu"].items()]
    rules = [
        {"rule": f"{intent} runs {action}", "steps": [{"intent": intent}, {"action": action}]}
        for intent, action in added["rules"].items()
    ]
    data = project / "data"
    (data / "faults_nlu.yml").write_text(
        yaml.safe_dump({"version": "3.1", "nlu": nlu}, allow_unicode=True, sort_keys=False)
    )
    (data / "faults_rules.yml").write_text(
        yaml.safe_dump({"version": "3.1", "rules": rules}, sort_keys=False)
    )
