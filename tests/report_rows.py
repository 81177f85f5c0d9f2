"""A store filled with a handful of known threads, for the reports' tests.

Monday 2 November 2026 (UTC): two threads the bot answered alone, a private complaint
Ana answered in 2 minutes, a public complaint Ben answered in 8 (an SLA breach), and a
request for a person nobody has answered yet; one more thread a month earlier.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.schema import agents, customers, messages, thread_events, threads

DAY = datetime(2026, 11, 2, tzinfo=timezone.utc)


def at(hour: int, minute: int = 0, second: float = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute, seconds=second)


async def fill(engine: AsyncEngine) -> dict[str, int]:
    """Insert the known rows; the agents' ids by login."""
    rows: dict[str, list[dict[str, Any]]] = {"threads": [], "messages": [], "customers": []}
    message_ids = iter(range(1, 100))

    def message(thread: int, author: str, text: str, when: datetime, **more: Any) -> int:
        message_id = next(message_ids)
        rows["messages"].append(
            {"id": message_id, "thread_id": thread, "author": author, "text": text,
             "created_at": when, "reply_to_id": more.get("reply_to"),
             "agent_id": more.get("agent_id"), "payload": more.get("payload")}
        )  # fmt: skip
        return message_id

    def thread(number: int, channel: str, opened: datetime, **columns: Any) -> None:
        rows["customers"].append(
            {"id": number, "channel": channel, "external_id": f"c{number}",
             "display_name": f"Customer {number}", "created_at": opened}
        )  # fmt: skip
        rows["threads"].append(
            {"id": number, "customer_id": number, "channel": channel, "chat_id": f"chat{number}",
             "state": "resolved", "created_at": opened, "updated_at": opened,
             "closed_at": opened, "language": "en", "public": False, "agent_id": None,
             "escalated_at": None, "first_response_at": None, "resolved_at": None,
             "sla_breached_at": None, "rating": None, "escalation_reason": None, "team": None,
             **columns}
        )  # fmt: skip

    async with engine.begin() as conn:
        ids = {}
        for login in ("ana", "ben"):
            result = await conn.execute(
                agents.insert().values(
                    login=login, presence="online", presence_changed_at=DAY, created_at=DAY
                )
            )
            ids[login] = int(result.inserted_primary_key[0])
    ana, ben = ids["ana"], ids["ben"]

    thread(1, "webchat", at(10))
    asked = message(1, "customer", "What are your opening hours?", at(10))
    message(1, "bot", "We are open 9 to 5.", at(10, 0, 0.5), reply_to=asked)

    thread(2, "telegram", at(10, 30), language="de")
    asked = message(2, "customer", "Wie lange dauert der Versand?", at(10, 30))
    message(2, "bot", "Drei Tage.", at(10, 30, 1.5), reply_to=asked)

    thread(3, "webchat", at(12), agent_id=ana, team="care", escalated_at=at(12, 0, 1),
           first_response_at=at(12, 2, 1), resolved_at=at(12, 10, 1), rating=5,
           escalation_reason="complaint 0.91, shouting")  # fmt: skip
    asked = message(3, "customer", "My parcel is a week late and nobody answers", at(12))
    message(3, "bot", "I'm passing you to a colleague.", at(12, 0, 0.5), reply_to=asked)
    message(3, "agent", "Sorry! Let me check.", at(12, 2, 1), agent_id=ana,
            payload={"agent_name": "Ana"})  # fmt: skip
    message(3, "customer", "thanks", at(12, 3))
    message(3, "agent", "It arrives tomorrow.", at(12, 4), agent_id=ana,
            payload={"agent_name": "Ana"})  # fmt: skip

    thread(4, "telegram", at(13), agent_id=ben, team="care", public=True,
           escalated_at=at(13, 0, 1), first_response_at=at(13, 8, 1),
           sla_breached_at=at(13, 5, 1), resolved_at=at(13, 20, 1), rating=2,
           escalation_reason="complaint in public")  # fmt: skip
    asked = message(4, "customer", "@fernhill my refund never came", at(13))
    message(4, "bot", "So sorry, let's talk in private.", at(13, 0, 2), reply_to=asked)
    message(4, "agent", "I'm on it.", at(13, 8, 1), agent_id=ben)

    thread(5, "webchat", at(14), state="queued", closed_at=None, escalated_at=at(14, 0, 1),
           escalation_reason="asked for a person", team="care")  # fmt: skip
    message(5, "customer", "I want to talk to a real person", at(14))

    earlier = DAY - timedelta(days=32)
    thread(6, "webchat", earlier, escalated_at=earlier, escalation_reason="asked for a person")
    message(6, "customer", "hello?", earlier)

    async with engine.begin() as conn:
        for table in (customers, threads, messages):
            await conn.execute(table.insert(), rows[table.name])
        await conn.execute(
            thread_events.insert().values(
                thread_id=4,
                event="resolve",
                from_state="with_agent",
                to_state="resolved",
                actor="system",
                reason="continued privately in thread 9",
                created_at=at(13, 20, 1),
            )
        )
        if engine.dialect.name == "postgresql":
            for table in ("customers", "threads", "messages"):
                await conn.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
    return ids


async def add_moved_on_public_complaint(engine: AsyncEngine) -> None:
    """Thread 7, a public complaint at 15:00 that went on in private thread 8 before
    anyone answered it in public; an agent answered in thread 8 a minute later."""
    escalated = at(15, 0, 1)
    common = {"channel": "telegram", "state": "resolved", "language": "en", "team": "care",
              "escalated_at": escalated, "escalation_reason": "complaint in public",
              "created_at": at(15), "updated_at": at(15, 5), "closed_at": at(15, 5)}  # fmt: skip
    async with engine.begin() as conn:
        await conn.execute(
            customers.insert().values(
                id=7, channel="telegram", external_id="c7", display_name="Customer 7",
                created_at=at(15),
            )
        )  # fmt: skip
        await conn.execute(
            threads.insert(),
            [
                {**common, "id": 7, "customer_id": 7, "chat_id": "posts", "public": True,
                 "first_response_at": None, "resolved_at": at(15, 0, 40)},
                {**common, "id": 8, "customer_id": 7, "chat_id": "chat7", "public": False,
                 "first_response_at": at(15, 1, 1), "resolved_at": at(15, 5)},
            ],
        )  # fmt: skip
        await conn.execute(
            thread_events.insert().values(
                thread_id=7, event="resolve", from_state="with_agent", to_state="resolved",
                actor="system", reason="continued privately in thread 8", created_at=at(15, 0, 40),
            )
        )  # fmt: skip
