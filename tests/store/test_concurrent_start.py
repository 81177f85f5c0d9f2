"""Workers starting together on a fresh database: migrations and agents' rows, once."""

from __future__ import annotations

import asyncio

from bot.store import Database
from bot.store.migrate import upgrade_async
from tests.conftest import require_postgres
from tests.servers import fresh_postgres_database


async def test_two_workers_migrate_and_add_the_agents_at_once() -> None:
    require_postgres()  # several workers need PostgreSQL: SQLite is refused
    with fresh_postgres_database() as database_url:
        await both_start(database_url)


async def both_start(database_url: str) -> None:
    await asyncio.gather(upgrade_async(database_url), upgrade_async(database_url))
    first, second = Database.connect(database_url), Database.connect(database_url)
    try:
        logins = [f"agent{number}" for number in range(20)]
        ids_first, ids_second = await asyncio.gather(
            first.agents.sync_agents(logins), second.agents.sync_agents(logins)
        )
        assert ids_first == ids_second and len(set(ids_first.values())) == 20
    finally:
        await first.close()
        await second.close()
