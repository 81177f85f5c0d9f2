"""A rasa project on disk, its fingerprint, and training it into a model."""

from __future__ import annotations

import hashlib
import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from bot.config import ProjectSettings
from bot.engine.logs import quiet_rasa, training_progress
from core.errors import ConfigError, ModelMissing

logger = logging.getLogger(__name__)

_TRAINING_SUFFIXES = {".yml", ".yaml", ".md", ".json"}


@dataclass(frozen=True)
class RasaProject:
    """The files rasa trains from: pipeline config, domain, training data."""

    config: Path
    domain: Path
    data: tuple[Path, ...]
    actions: str = "actions"
    not_training_data: tuple[Path, ...] = ()

    @classmethod
    def from_settings(
        cls, settings: ProjectSettings, source: str = "config/bot.yml"
    ) -> RasaProject:
        """The project named by the `project` section, checked to exist."""
        project = cls(
            config=Path(settings.config),
            domain=Path(settings.domain),
            data=tuple(Path(p) for p in settings.data),
            actions=settings.actions,
            not_training_data=_handoff_examples(Path(settings.handoff_examples)),
        )
        for key, path in (("project.config", project.config), ("project.domain", project.domain)):
            if not path.is_file():
                raise ConfigError(source, key, f"no such file: {path}")
        for path in project.data:
            if not path.exists():
                raise ConfigError(source, "project.data", f"no such file or folder: {path}")
        return project

    def files(self) -> list[Path]:
        """Every file that shapes the trained model, in a stable order."""
        found = {self.config, self.domain}
        for root in self.data:
            if root.is_file():
                found.add(root)
            else:
                found.update(p for p in root.rglob("*") if p.suffix in _TRAINING_SUFFIXES)
        return sorted(found - set(self.not_training_data))

    def fingerprint(self) -> str:
        """A hash of the training inputs and the rasa version; it changes when they do."""
        import rasa

        digest = hashlib.sha256(f"rasa {rasa.__version__}\n".encode())
        for path in self.files():
            digest.update(f"{path.as_posix()}\n".encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()[:16]

    def model_path(self, model_dir: Path) -> Path:
        """Where the model trained from the current files is (or will be) stored."""
        return model_dir / f"model-{self.fingerprint()}.tar.gz"


def ensure_model(project: RasaProject, model_dir: Path) -> Path:
    """Return the model for the project's current files, training it first if needed."""
    path = project.model_path(model_dir)
    if path.exists():
        logger.info("Model %s is up to date with the training data.", path.name)
        return path
    return train(project, model_dir)


def train(project: RasaProject, model_dir: Path, *, progress_bar: bool = True) -> Path:
    """Train the project with rasa and return the model's path.

    Args:
        project: The project.
        model_dir: Where the model goes.
        progress_bar: One bar for the run instead of rasa's own bars and lines
            (off for the designer's training worker, whose parent reads rasa's lines).
    """
    from rasa.api import train as rasa_train

    quiet_rasa()
    path = project.model_path(model_dir)
    print(
        f"Training {path.name} from {project.config}, {project.domain} and "
        f"{', '.join(str(p) for p in project.data)} ...",
        flush=True,
    )
    started = time.perf_counter()
    progress = training_progress(_components(project.config)) if progress_bar else nullcontext()
    with progress:
        result = rasa_train(
            domain=str(project.domain),
            config=str(project.config),
            training_files=[str(p) for p in project.data],
            output=str(model_dir),
            fixed_model_name=path.name.removesuffix(".tar.gz"),
            force_training=True,
        )
    if result.code != 0 or result.model is None:
        raise ModelMissing(f"training failed (rasa exit code {result.code}); see the log above")
    print(f"Trained {path.name} in {time.perf_counter() - started:.1f} s.", flush=True)
    return Path(result.model)


def _components(config: Path) -> int:
    """How many components the pipeline and the policies list (the progress bar's length)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        data = YAML(typ="safe").load(config.read_text(encoding="utf-8"))
    except (OSError, YAMLError):
        return 1
    if not isinstance(data, dict):
        return 1
    return sum(len(data.get(key) or []) for key in ("pipeline", "policies")) or 1


def _handoff_examples(examples: Path) -> tuple[Path, ...]:
    """The handoff detector's example files (not rasa's): the file and `examples/` beside it."""
    return (examples, *sorted((examples.parent / "examples").glob("*.yml")))
