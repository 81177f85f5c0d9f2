"""Alembic environment: runs the framework's migrations on the configured database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from bot.store.database import parse_database_url
from bot.store.schema import metadata

url = context.config.get_main_option("sqlalchemy.url")
assert url, "bot.store.migrate sets sqlalchemy.url"
engine = create_engine(parse_database_url(url, asynchronous=False), poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
