"""Commands that serve or prepare the bot: `run`, `train`, `shell`, `validate`."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.options import project_option
from bot.config import Settings

if TYPE_CHECKING:
    from bot.cli.options import Commands
    from handoff.detection import DetectionSettings, Detector


def add_commands(commands: Commands) -> None:
    """`run`, `train`, `shell` and `validate`, each with `--project`."""
    command = commands.add_parser("run", help="train if needed, then serve the bot")
    command.add_argument("--host", help="address to listen on")
    command.add_argument("--port", type=int, help="port to listen on")
    command.set_defaults(command=run)
    project_option(command)

    command = commands.add_parser("train", help="train the model if the data changed")
    command.add_argument("--force", action="store_true", help="train even if nothing changed")
    command.set_defaults(command=train)
    project_option(command)

    command = commands.add_parser("shell", help="chat with the bot in the terminal")
    command.add_argument(
        "--sender", metavar="ID", help="continue this customer's conversation (default: a new one)"
    )
    command.add_argument(
        "--plain", action="store_true", help="no intent and handoff line under each answer"
    )
    command.set_defaults(command=shell)
    project_option(command)

    command = commands.add_parser("validate", help="check settings, data and domain")
    command.set_defaults(command=validate)
    project_option(command)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Train if the data changed, then serve the bot."""
    from bot.engine import RasaProject, ensure_model
    from bot.web.app import create_app
    from bot.web.supervisor import serve_workers

    server = replace(
        settings.server,
        host=args.host or settings.server.host,
        port=args.port or settings.server.port,
    )
    settings = replace(settings, server=server)
    project = RasaProject.from_settings(settings.project, settings.source)
    model = ensure_model(project, Path(settings.engine.model_dir))
    build_detector(settings)  # trains the handoff detector now unless it is stored already
    print(f"Serving {settings.brand.name} on http://{server.host}:{server.port}/chat/", flush=True)
    if server.workers > 1:  # a parent that replaces any worker that dies
        return serve_workers(
            lambda: create_app(settings, model), server.host, server.port, server.workers
        )
    create_app(settings, model).run(host=server.host, port=server.port, access_log=False)
    return 0


def train(args: argparse.Namespace, settings: Settings) -> int:
    """Train the model (skipped when nothing changed, unless --force)."""
    from bot.engine import RasaProject, ensure_model
    from bot.engine import train as train_model

    project = RasaProject.from_settings(settings.project, settings.source)
    model_dir = Path(settings.engine.model_dir)
    path = train_model(project, model_dir) if args.force else ensure_model(project, model_dir)
    print(f"Model: {path}")
    build_detector(settings)  # trains the handoff detector unless it is stored already
    return 0


def shell(args: argparse.Namespace, settings: Settings) -> int:
    """Chat with the bot in the terminal."""
    from bot.shell import chat

    return asyncio.run(chat(settings, args.sender, debug=not args.plain))


def validate(args: argparse.Namespace, settings: Settings) -> int:
    """Check the settings and the rasa project; print every problem found."""
    from bot.validation import has_errors, summary, validate_project

    problems = validate_project(settings)
    for problem in problems:
        print(problem)
    print(summary(problems))
    return 1 if has_errors(problems) else 0


def load_detection_settings(settings: Settings) -> DetectionSettings:
    """The `detection:` section of the project's handoff settings."""
    from handoff.settings import load_handoff_settings

    return load_handoff_settings(settings.project.handoff).detection


def build_detector(settings: Settings, detection: DetectionSettings | None = None) -> Detector:
    """The detector as the runtime builds it; its classifier is loaded or trained and stored."""
    from bot.engine import RasaProject
    from bot.runtime import build_detector as runtime_detector

    project = RasaProject.from_settings(settings.project, settings.source)
    return runtime_detector(settings, project, detection)
