"""Bring a database's schema up to date with the framework's alembic migrations."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from bot.store.database import make_sqlite_folder, parse_database_url

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x466572_6E68_696C  # any fixed 64-bit key: "Fernhil"
CONNECT_ARGS = {"connect_timeout": 10}


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
    parsed = parse_database_url(url, asynchronous=False)
    make_sqlite_folder(parsed)
    with _one_migration_at_a_time(parsed):
        command.upgrade(alembic_config(url), revision)


@contextmanager
def _one_migration_at_a_time(url: URL) -> Iterator[None]:
    """Hold PostgreSQL's advisory lock while migrating (a no-op on SQLite).

    Workers and machines that start together on a fresh database would otherwise
    race to create the same tables, and all but one would die; with the lock the
    first migrates and the others then find the schema up to date.
    """
    if url.get_backend_name() != "postgresql":
        yield
        return
    engine = sa.create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args=CONNECT_ARGS
    )
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            try:
                yield
            finally:
                connection.execute(
                    sa.text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK}
                )
    finally:
        engine.dispose()


async def upgrade_async(url: str, revision: str = "head") -> None:
    """`upgrade` off the event loop (alembic and its drivers are blocking)."""
    await asyncio.to_thread(upgrade, url, revision)
