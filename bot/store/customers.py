"""The customers repository: who a customer is, as agents see them (`CustomerProfile`).

A profile is the channel's name and handle for the customer (kept up to date by
`MessageRepository.record_inbound`), what they left to be reached again (an e-mail
address or a Telegram username), the order numbers they mentioned, and how many
threads they have had.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.repository import as_utc, utcnow
from bot.store.schema import customer_orders, customers, threads
from core.clock import Clock
from core.customers import Contact, CustomerProfile

ORDERS_SHOWN = 5


class CustomerRepository:
    """Reads customers' profiles; keeps the orders they mention and the contact they leave."""

    def __init__(self, engine: AsyncEngine, clock: Clock = utcnow) -> None:
        self.engine = engine
        self.clock = clock
        dialect = engine.dialect.name
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert

    async def profiles(self, customer_ids: Iterable[int]) -> dict[int, CustomerProfile]:
        """The profiles of several customers (a queue's), by id, in three queries."""
        wanted = sorted(set(customer_ids))
        if not wanted:
            return {}
        thread_counts = (
            sa.select(threads.c.customer_id, sa.func.count().label("threads"))
            .where(threads.c.customer_id.in_(wanted))
            .group_by(threads.c.customer_id)
        )
        orders = (
            sa.select(customer_orders.c.customer_id, customer_orders.c.order_number)
            .where(customer_orders.c.customer_id.in_(wanted))
            .order_by(customer_orders.c.mentioned_at.desc(), customer_orders.c.id.desc())
        )
        async with self.engine.connect() as conn:
            rows = (
                (await conn.execute(sa.select(customers).where(customers.c.id.in_(wanted))))
                .mappings()
                .all()
            )
            counts = {row.customer_id: row.threads for row in await conn.execute(thread_counts)}
            mentioned: dict[int, list[str]] = {}
            for row in await conn.execute(orders):
                mentioned.setdefault(row.customer_id, []).append(row.order_number)
        return {
            row["id"]: _profile(row, counts.get(row["id"], 0), mentioned.get(row["id"], []))
            for row in rows
        }

    async def profile(self, customer_id: int) -> CustomerProfile | None:
        """One customer's profile."""
        return (await self.profiles([customer_id])).get(customer_id)

    async def note_orders(self, customer_id: int, thread_id: int, numbers: Sequence[str]) -> None:
        """Remember order numbers a customer mentioned in a thread (again: now the latest)."""
        if not numbers:
            return
        now = self.clock()
        rows = [
            {
                "customer_id": customer_id,
                "order_number": number,
                "thread_id": thread_id,
                "mentioned_at": now,
            }
            for number in numbers
        ]
        statement = self._insert(customer_orders).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=[customer_orders.c.customer_id, customer_orders.c.order_number],
            set_={
                "thread_id": statement.excluded.thread_id,
                "mentioned_at": statement.excluded.mentioned_at,
            },
        )
        async with self.engine.begin() as conn:
            await conn.execute(statement)

    async def leave_contact(
        self, customer_id: int, *, contact: Contact | None = None, name: str | None = None
    ) -> CustomerProfile | None:
        """Keep what a customer left to be reached again, and the name they typed.

        Returns:
            The updated profile, or None for an unknown customer.
        """
        values: dict[str, Any] = {}
        if name:
            values["display_name"] = name
        if contact is not None:
            values[contact.kind] = contact.value
            values["contact_left_at"] = self.clock()
        if values:
            async with self.engine.begin() as conn:
                await conn.execute(
                    sa.update(customers).where(customers.c.id == customer_id).values(**values)
                )
        return await self.profile(customer_id)


def _profile(row: Any, thread_count: int, orders: list[str]) -> CustomerProfile:
    return CustomerProfile(
        id=row["id"],
        channel=row["channel"],
        external_id=row["external_id"],
        name=row["display_name"],
        username=row["username"],
        email=row["email"],
        telegram=row["telegram"],
        contact_left_at=as_utc(row["contact_left_at"]),
        orders=tuple(orders[:ORDERS_SHOWN]),
        threads=thread_count,
    )
