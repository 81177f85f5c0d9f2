"""Keeping rasa's log at the levels the framework sets, and training to one progress bar."""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_STARTED = re.compile(r"Starting to train component '([^']+)'")
_FINISHED = re.compile(r"(Finished training|Restored) component '([^']+)'")


def quiet_rasa() -> None:
    """Route rasa's structured log through the standard loggers, so their levels hold.

    Without it, rasa's structlog events (a debug line per parsed message and per
    policy step) go to stdout whatever the `rasa` logger's level.
    """
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.getLogger("rasa").getEffectiveLevel())


def verbose() -> bool:
    """Whether the command line asked for everything (`-v`): rasa's logger at INFO or below."""
    return logging.getLogger("rasa").getEffectiveLevel() <= logging.INFO


@contextmanager
def training_progress(components: int) -> Iterator[None]:
    """One progress bar for a training run instead of rasa's many (all of them with `-v`).

    rasa draws a bar per featurizer and policy, redrawn thousands of times into a
    log; they are off while rasa's `LOG_LEVEL` is WARNING. rasa's "Starting to
    train component X" lines move one bar instead, named after the component.

    Args:
        components: How many components the pipeline and the policies have (the
            bar's length; it grows if rasa trains more).
    """
    if verbose():
        yield
        return
    from tqdm import tqdm

    hooks = logging.getLogger("rasa.engine.training.hooks")
    saved = os.environ.get("LOG_LEVEL"), hooks.level, hooks.propagate
    bar = tqdm(total=max(components, 1), desc="training", unit="component", file=sys.stderr)

    class Advance(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = record.getMessage()
            if match := _STARTED.search(message):
                bar.set_description_str(f"training {match.group(1)}")
            elif _FINISHED.search(message):
                if bar.n >= (bar.total or 0):
                    bar.total = bar.n + 1
                bar.update(1)

    handler = Advance(level=logging.INFO)
    os.environ["LOG_LEVEL"] = "WARNING"  # rasa.shared.utils.io.is_logging_disabled
    hooks.setLevel(logging.INFO)
    hooks.propagate = False
    hooks.addHandler(handler)
    try:
        yield
        bar.set_description_str("trained")
        bar.total = bar.n
        bar.refresh()
    finally:
        bar.close()
        hooks.removeHandler(handler)
        level, hooks.propagate = saved[1], saved[2]
        hooks.setLevel(level)
        if saved[0] is None:
            os.environ.pop("LOG_LEVEL", None)
        else:
            os.environ["LOG_LEVEL"] = saved[0]
