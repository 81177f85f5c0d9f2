"""The designers' command line on a copy of the tiny rasa project: validate, test, shell.

Every command runs as a designer runs it (`python -m bot ... --project DIR`), on real
files; each test breaks one thing and reads what the command says about it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.authoring import structure_checks
from bot.config import Settings
from bot.engine.project import RasaProject
from bot.project_directory import use_project_directory
from bot.validation import project_problems
from tests.designer_servers import model_path_for, tiny_project_copy
from tests.servers import ROOT, handoff_config


def bot(
    *args: str, stdin: str = "", cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, cwd=cwd,
        capture_output=True, text=True, timeout=600, env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.fixture
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_project_copy(tmp_path_factory, "designer-cli")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# validate (issue 14, item 10)


def test_validate_finds_look_alike_examples_misspelled_intents_and_sections(
    project: Path,
) -> None:
    nlu, domain = project / "data" / "nlu.yml", project / "domain.yml"
    edit(nlu, "    - bye bye\n", "    - bye bye\n    - Hello!\n")  # greet has "hello"
    edit(domain, "  - watering\n", "  - waterng\n")
    edit(domain, '- text: "Did that help?"', '- text: "Did that <b>help</b>, {name}?"')
    result = bot("validate", "--project", str(project))
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    hello = line_of(nlu, "- Hello!")
    assert f"{nlu}:{hello}: error: 'Hello!' (an example of 'goodbye') differs only in case" in out
    assert f"{domain}:{line_of(domain, '- waterng')}: error: intent 'waterng' in the domain" in out
    assert "did you mean 'watering'" in out
    assert f"{nlu}:{line_of(nlu, '- intent: watering')}: error: intent 'watering' is not" in out
    assert "This intent is not listed in your domain" not in out  # rasa's, without a line
    assert "DeprecationWarning" not in result.stderr and "alembic" not in result.stderr
    help_line = line_of(domain, "Did that <b>help</b>")
    assert f"{domain}:{help_line}: warning: response 'utter_did_that_help': {{name}} is not" in out
    assert "<b> is HTML" in out

    edit(domain, "responses:", "respones:")
    out = bot("validate", "--project", str(project)).stdout
    respones = line_of(domain, "respones:")
    assert f"{domain}:{respones}: error: 'respones' is not a section of a domain" in out
    assert "did you mean 'responses'?" in out


def test_a_wrong_language_code_is_one_error_with_a_suggestion(tmp_path: Path) -> None:
    config = tmp_path / "bot.yml"
    config.write_text("brand:\n  name: Shop\n  languages: [en, fre]\n")
    (found,) = structure_checks.language_problems(["en", "fre"], str(config))
    assert str(found) == (
        f"{config}:3: error: brand.languages: 'fre' is not a language code; did you mean 'fr'?"
    )
    assert structure_checks.is_language_code("pt-BR")
    assert structure_checks.suggest_language("German") == "de"

    settings = use_project_directory(Settings(), ROOT / "tests/fixtures/tiny_project", environ={})
    settings = type(settings)(**{**settings.__dict__, "source": str(config)})
    settings.brand.languages[:] = ["en", "fre"]
    project = RasaProject.from_settings(settings.project)
    about_fre = [p for p in project_problems(project, settings) if "fre" in p.message]
    assert len(about_fre) == 1 and "not a language code" in about_fre[0].message


# test (item 11)


def test_bot_test_leaves_the_served_model_untouched(project: Path) -> None:
    served = model_path_for(project)
    models = served.parent
    before = {p.name: p.stat().st_mtime_ns for p in models.iterdir()}
    edit(project / "data" / "nlu.yml", "    - hey\n", "    - hey\n    - hiya\n")  # new data
    result = bot("--project", str(project), "test", "--stories", str(project / "none.yml"),
                 "--output", str(project.parent / "reports"))  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "temporary folder" in result.stdout
    assert {p.name: p.stat().st_mtime_ns for p in models.iterdir()} == before
    assert not model_path_for(project).exists()  # the new data's model was not put there


# shell (item 12)


def test_each_shell_run_is_a_new_customer_with_intent_and_handoff_shown(project: Path) -> None:
    first = bot("shell", "--project", str(project), stdin="hello\n")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "bot> Hello! How are your plants today?" in first.stdout
    assert "intent greet" in first.stdout and "handoff: none" in first.stdout
    for noise in ("alembic", "Context impl", "DeprecationWarning", "Registered function"):
        assert noise not in first.stdout + first.stderr, noise  # item 13
    second = bot("shell", "--project", str(project), stdin="hello\n")
    sender = first.stdout.split("as customer ")[1].split(" ")[0]
    assert sender not in second.stdout  # a new customer
    assert "bot> Hello! How are your plants today?" in second.stdout

    # The team on shift whatever the hour, so that what follows does not depend on it.
    on_shift = {"BOT_PROJECT_HANDOFF": str(handoff_config(project.parent, hours="always"))}
    asked = bot("shell", "--project", str(project), "--sender", sender,
                stdin="I want to talk to a real person please\n", env=on_shift)  # fmt: skip
    assert "handoff: escalated" in asked.stdout and "asked for a person" in asked.stdout
    later = bot("shell", "--project", str(project), "--sender", sender, stdin="hello?\n",
                env=on_shift)  # fmt: skip
    assert "bot>" not in later.stdout
    assert "your messages go to them" in later.stdout, later.stdout


# noise (item 13)


def test_training_shows_one_bar_and_no_deprecation_warnings_unless_verbose(
    project: Path,
) -> None:
    quiet = bot("train", "--force", "--project", str(project))
    assert quiet.returncode == 0, quiet.stderr[-3000:]
    output = quiet.stdout + quiet.stderr
    assert "DeprecationWarning" not in output and "INFO" not in output
    assert "Processed story blocks" not in output and "Processed trackers" not in output
    assert "trained: 100%" in quiet.stderr
    assert len(quiet.stderr.replace("\r", "\n").splitlines()) < 60
    loud = bot("-v", "train", "--force", "--project", str(project))
    assert loud.returncode == 0
    assert "Processed trackers" in loud.stderr or "Starting to train component" in loud.stderr
    verbose_shell = bot("-v", "shell", "--project", str(project), stdin="hi\n")
    assert "alembic" in verbose_shell.stderr  # -v shows the rest
