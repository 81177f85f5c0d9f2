"""What several commands share: the `--project` option and the argument types."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TypeAlias

    Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def project_option(command: argparse.ArgumentParser) -> None:
    """`--project DIR`, after the command's name (it may also come before it)."""
    command.add_argument(
        "--project",
        metavar="DIR",
        help="a rasa 3.x project (config.yml, domain.yml, data/) to use as it is",
    )


def positive_int(text: str) -> int:
    """An argument type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def probability(text: str) -> float:
    """An argument type: a number in (0, 1]."""
    value = float(text)
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError("must be in (0, 1]")
    return value
