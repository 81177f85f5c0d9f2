"""Keeping rasa's log at the levels the framework sets."""

from __future__ import annotations

import logging


def quiet_rasa() -> None:
    """Route rasa's structured log through the standard loggers, so their levels hold.

    Without it, rasa's structlog events (a debug line per parsed message and per
    policy step) go to stdout whatever the `rasa` logger's level.
    """
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.getLogger("rasa").getEffectiveLevel())
