"""The command line's logging and warnings: only what matters, unless `-v`."""

from __future__ import annotations

import logging
import os
import warnings
from typing import TextIO


def quiet_noisy_loggers(verbose: bool) -> None:
    """Only the warnings that matter, unless `-v`: then rasa's INFO log and every warning."""
    # httpx logs every request's URL at INFO, and Telegram's URLs hold the bot token.
    for name in ("urllib3", "httpx"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if verbose:
        logging.getLogger("rasa").setLevel(logging.INFO)
        return
    for name in ("tensorflow", "absl", "matplotlib", "rasa", "rasa_sdk", "sanic.access", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)
    logging.getLogger("sanic.root").propagate = False  # sanic prints its own lines once
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # turns rasa's own progress bars off
    quiet_warnings()


# Warnings about the libraries' own code, or rasa's about things a designer cannot change.
_IGNORED_WARNINGS = (
    r"Slot auto-fill has been removed",
    r"duplicated responses have been found across multiple domain files",
)


def quiet_warnings() -> None:
    """Hide deprecation warnings and rasa's known noise, here and in child processes."""
    for category in (DeprecationWarning, PendingDeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)
    for pattern in _IGNORED_WARNINGS:
        warnings.filterwarnings("ignore", f".*{pattern}")
    warnings.filterwarnings("ignore", module="sqlalchemy")  # rasa's "MovedIn20Warning"
    # Some libraries reset the filters while they import; this holds whatever they do.
    shown = warnings.showwarning

    def show_unless_deprecation(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if not issubclass(category, (DeprecationWarning, PendingDeprecationWarning)):
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show_unless_deprecation
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    children = "ignore::DeprecationWarning,ignore::PendingDeprecationWarning,ignore::FutureWarning"
    os.environ.setdefault("PYTHONWARNINGS", children)
