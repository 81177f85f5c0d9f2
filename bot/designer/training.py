"""Training from the web page: one run at a time, in a child process, with progress.

The run's output is read as it comes: the run's progress bar ("training X: 40%|")
gives the phase and the percentage (rasa's own lines and bars do, with `-v`), and
the last lines are kept for the page. When the model is ready, `on_model` (the
runtime's hot reload) loads it; the run counts as done only once the new model answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sys
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.engine.project import RasaProject
from bot.errors import Conflict
from bot.store.repository import utcnow
from core.clock import Clock

logger = logging.getLogger(__name__)

LOG_LINES = 12
_COMPONENT = re.compile(r"Starting to train component '([^']+)'")
_DONE = re.compile(r"(Finished training|Restored) component '([^']+)'")
_PERCENT = re.compile(r"(\d{1,3})%\|")
_BAR = re.compile(r"^(training [A-Za-z0-9_]+|trained):\s+(\d{1,3})%\|[^|]*\|\s*(\d+)/")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

OnModel = Callable[[Path], Awaitable[None]]


@dataclass
class TrainingStatus:
    """Where the current (or last) run is."""

    state: str = "idle"  # idle, running, succeeded, failed
    phase: str = ""
    percent: int | None = None
    components_done: int = 0
    model: str | None = None
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    log: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_LINES))

    def as_json(self) -> dict[str, Any]:
        """The status for the designer's API."""
        return {
            "state": self.state,
            "phase": self.phase,
            "percent": self.percent,
            "components_done": self.components_done,
            "model": self.model,
            "error": self.error,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "log": list(self.log),
        }


class TrainingJob:
    """Runs `bot.designer.train_worker` for a project and follows its output."""

    def __init__(
        self, project: RasaProject, model_dir: Path, on_model: OnModel, clock: Clock = utcnow
    ) -> None:
        self.clock = clock
        self.project = project
        self.model_dir = model_dir
        self.on_model = on_model
        self.status = TrainingStatus()
        self._task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Whether a run is under way."""
        return self.status.state == "running"

    def start(self) -> TrainingStatus:
        """Start a run in the background.

        Raises:
            Conflict: A run is already under way.
        """
        if self.running:
            raise Conflict("a training run is already under way; wait for it to finish")
        self.status = TrainingStatus(state="running", phase="starting", started_at=self.clock())
        self._task = asyncio.create_task(self._run(), name="designer-training")
        return self.status

    async def wait(self) -> TrainingStatus:
        """Wait for the current run (tests and the command line)."""
        if self._task is not None:
            await asyncio.shield(self._task)
        return self.status

    async def cancel(self) -> None:
        """Stop a run (the server is shutting down)."""
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        status = self.status
        try:
            model = await self._train()
            status.phase = "loading the new model"
            status.percent = None
            await self.on_model(model)
            status.model = model.name
            status.state = "succeeded"
            status.phase = "done: the new model answers"
        except asyncio.CancelledError:
            status.state, status.error = "failed", "cancelled"
            raise
        except Exception as error:
            logger.exception("Training from the designer's page failed.")
            status.state = "failed"
            status.error = str(getattr(error, "message", None) or error)
        finally:
            status.finished_at = self.clock()

    async def _train(self) -> Path:
        """Run the worker; the trained model's path."""
        spec = {
            "config": str(self.project.config),
            "domain": str(self.project.domain),
            "data": [str(p) for p in self.project.data],
            "actions": self.project.actions,
            "not_training_data": [str(p) for p in self.project.not_training_data],
            "model_dir": str(self.model_dir),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.designer.train_worker",
            json.dumps(spec),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        model: Path | None = None
        failure: str | None = None
        try:
            assert process.stdout is not None
            async for line in _lines(process.stdout):
                if line.startswith("MODEL "):
                    model = Path(line.removeprefix("MODEL ").strip())
                elif line.startswith("ERROR "):
                    failure = line.removeprefix("ERROR ").strip()
                else:
                    self._follow(line)
            code = await process.wait()
        except asyncio.CancelledError:
            process.kill()
            await process.wait()
            raise
        if code != 0 or model is None:
            raise RuntimeError(failure or f"training stopped (exit code {code}); see the log")
        return model

    def _follow(self, line: str) -> None:
        """Update the status from one line of the worker's output."""
        status = self.status
        if line.startswith("PHASE "):
            status.phase = line.removeprefix("PHASE ")
            return
        if match := _BAR.match(line):  # the run's one bar (bot.engine.logs.training_progress)
            status.phase, status.percent = match.group(1), min(100, int(match.group(2)))
            status.components_done = int(match.group(3))
            return
        if match := _COMPONENT.search(line):
            status.phase = f"training {match.group(1)}"
            status.percent = None
        elif _DONE.search(line):
            status.components_done += 1
        elif match := _PERCENT.search(line):
            status.percent = min(100, int(match.group(1)))
            return  # progress bars redraw many times a second: keep them out of the log
        status.log.append(line[:300])


async def _lines(stream: asyncio.StreamReader) -> AsyncIterator[str]:
    """The stream's lines, split at newlines and at progress bars' carriage returns."""
    buffer = ""
    while chunk := await stream.read(4096):
        buffer += _ANSI.sub("", chunk.decode("utf-8", errors="replace"))
        *complete, buffer = re.split(r"[\r\n]", buffer)
        for line in complete:
            if line.strip():
                yield line.rstrip()
    if buffer.strip():
        yield buffer.rstrip()
