"""A tiny rasa 3.x project for the designers' tests: trained once, copied per server.

`tests/fixtures/tiny_project` is written in `rasa init`'s layout with a fast
pipeline. The first caller in a test session trains it with `python -m bot train
--project`; every later copy gets that model under the name its own path gives it
(the model depends on the files' contents only, its name on their paths too), so
only one training runs per session. Each server works on its own copy, since the
designers' tests write into the project's files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.engine.project import RasaProject
from bot.project_directory import use_project_directory
from tests.servers import (
    ROOT,
    LiveServer,
    file_lock,
    handoff_config,
    live_server_with_passwords,
    shared_temp,
)

FIXTURE = ROOT / "tests" / "fixtures" / "tiny_project"
DESIGNER = "dana"
PASSWORD = "dana-secret-1"


def model_path_for(directory: Path) -> Path:
    """Where `python -m bot run --project DIR` looks for the model of DIR's files."""
    settings = use_project_directory(Settings(), directory, environ={})
    project = RasaProject.from_settings(settings.project)
    return project.model_path(Path(settings.engine.model_dir))


def train_project(project: Path, timeout: float = 600) -> Path:
    """The model of `project`, trained by the command line unless it is there already."""
    model = model_path_for(project)
    if not model.exists():
        result = subprocess.run(
            [sys.executable, "-m", "bot", "train", "--project", str(project)],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert model.exists(), result.stdout[-2000:]
    return model


def trained_tiny_model(factory: pytest.TempPathFactory) -> Path:
    """The tiny project's model, trained by the command line once per session (the
    first xdist worker to ask trains it, the others wait for it)."""
    shared = shared_temp(factory)
    with file_lock(shared / "tiny-trained.lock"):
        trained = shared / "tiny-trained"
        if not trained.exists():
            shutil.copytree(FIXTURE, trained)
        return train_project(trained)


def tiny_project_copy(factory: pytest.TempPathFactory, name: str) -> Path:
    """A fresh copy of the tiny project with its trained model in place."""
    model = trained_tiny_model(factory)
    directory = factory.mktemp(name) / "project"
    shutil.copytree(FIXTURE, directory)
    target = model_path_for(directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(model, target)
    return directory


@contextmanager
def tiny_server(factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[LiveServer, Path]]:
    """The bot serving a copy of the tiny project, with the test agents and a designer."""
    project = tiny_project_copy(factory, name)
    workdir = project.parent
    config = handoff_config(workdir)
    database = f"sqlite:///{workdir / 'bot.db'}"
    with live_server_with_passwords(
        workdir, database, {DESIGNER: PASSWORD}, handoff=config, project=project
    ) as server:
        yield server, project


class Designer:
    """The designers' API as a designer calls it, with a bearer token."""

    def __init__(self, server: LiveServer, login: str = DESIGNER) -> None:
        self.server = server
        self.http = httpx.Client(
            base_url=f"{server.url}/designer/api",
            headers={"Authorization": f"Bearer {server.token(login)}"},
            timeout=60,
        )

    def call(self, method: str, path: str, body: object = None, status: int = 200) -> object:
        reply = self.http.request(method, path, json=body)
        assert reply.status_code == status, (reply.status_code, reply.text)
        return reply.json()


def say(server: LiveServer, sender: str, text: str) -> list[str]:
    """Send a message over the REST channel; the bot's texts."""
    reply = httpx.post(
        f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60
    )
    assert reply.status_code == 200, reply.text
    return [answer.get("text", "") for answer in reply.json()]
