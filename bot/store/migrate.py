"""Bring a database's schema up to date with the framework's alembic migrations."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

from bot.store.database import make_sqlite_folder, parse_database_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    """An alembic configuration for `url`, with no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def upgrade(url: str, revision: str = "head") -> None:
    """Apply every migration up to `revision`; existing data is kept.

    alembic's "Context impl SQLiteImpl" and "Running upgrade" lines are INFO: shown
    only when the command line's `-v` put the root logger at DEBUG.
    """
    alembic_logger = logging.getLogger("alembic")
    if alembic_logger.level == logging.NOTSET and not logging.getLogger().isEnabledFor(
        logging.DEBUG
    ):
        alembic_logger.setLevel(logging.WARNING)
    make_sqlite_folder(parse_database_url(url, asynchronous=False))
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """`upgrade` off the event loop (alembic and its drivers are blocking)."""
    await asyncio.to_thread(upgrade, url, revision)
