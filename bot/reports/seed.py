"""`python -m bot seed-reports`: fill a store with many plausible threads, fast.

Rows are generated in memory with a seeded random generator and written with bulk
inserts (one `executemany` per few thousand rows) through the synchronous driver;
a few minutes of the bot's life per thread: a customer's messages, the bot's answers,
and for escalated threads the wait for an agent, their replies, resolution and rating.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from tqdm import tqdm

from bot.reports import phrases
from bot.store.database import parse_database_url
from bot.store.migrate import upgrade
from bot.store.schema import agents, customers, messages, presence_log, thread_events, threads

CHUNK = 5000
CHANNELS = (("telegram", 0.5), ("webchat", 0.4), ("rest", 0.1))
# Relative arrivals per hour of the day (UTC): a lunch peak and an evening peak.
DAILY_CURVE = (
    0.15, 0.1, 0.08, 0.06, 0.06, 0.1, 0.25, 0.5, 0.8, 1.0, 1.1, 1.3,
    1.6, 1.5, 1.1, 1.0, 1.0, 1.1, 1.3, 1.6, 1.7, 1.3, 0.8, 0.4,
)  # fmt: skip
KINDS = (("routine", 0.68), ("frustrated", 0.08), ("complaint", 0.17), ("human", 0.07))
# Agents' shifts (UTC hour they start), staggered to cover the day's two peaks.
SHIFT_STARTS = (7, 9, 12, 15)
SHIFT = timedelta(hours=8)
BREAK = timedelta(minutes=30)


@dataclass
class SeedPlan:
    """How many threads over which days, answered by which agents."""

    threads: int
    end: datetime
    days: int = 90
    agent_logins: Sequence[str] = ("ana", "ben", "cleo", "dev")
    seed: int = 12
    sla_minutes: float = 5.0
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def seed_store(url: str, plan: SeedPlan) -> dict[str, int]:
    """Migrate the database at `url` and add the plan's threads; the rows written per table."""
    upgrade(url)
    engine = sa.create_engine(parse_database_url(url, asynchronous=False), future=True)
    try:
        with engine.begin() as conn:
            agent_ids = _ensure_agents(conn, plan.agent_logins, plan.end)
            conn.execute(presence_log.insert(), shifts(plan, agent_ids))
            next_ids = {
                table.name: int(conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1
                for table in (customers, threads, messages, thread_events)
            }
        written = {"customers": 0, "threads": 0, "messages": 0, "thread_events": 0}
        generator = ThreadGenerator(plan, agent_ids, next_ids)
        with tqdm(total=plan.threads, desc="seeding threads", unit="thread") as progress:
            for batch in generator.batches(CHUNK):
                with engine.begin() as conn:
                    for table in (customers, threads, messages, thread_events):
                        rows = batch[table.name]
                        if rows:
                            conn.execute(table.insert(), rows)
                            written[table.name] += len(rows)
                progress.update(len(batch["threads"]))
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                for table in (customers, threads, messages, thread_events):
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
                    )
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")  # the planner's statistics for the new rows
        return written
    finally:
        engine.dispose()


def _ensure_agents(conn: sa.Connection, logins: Sequence[str], now: datetime) -> list[int]:
    ids = []
    for login in logins:
        found = conn.execute(sa.select(agents.c.id).where(agents.c.login == login)).scalar()
        if found is None:
            found = conn.execute(
                agents.insert().values(
                    login=login, presence="offline", presence_changed_at=now, created_at=now
                )
            ).inserted_primary_key[0]
        ids.append(int(found))
    return ids


def shifts(plan: SeedPlan, agent_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The agents' presence changes over the plan's days: online for a shift, a break halfway.

    Each agent keeps one of `SHIFT_STARTS` (a few minutes early or late each day), so
    the reports' time online and the rota beside the peak hours have something to show.
    """
    rng = random.Random(plan.seed + 1)
    first_day = (plan.end - timedelta(days=plan.days)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    rows = []
    for day in range(plan.days + 1):
        for index, agent_id in enumerate(agent_ids):
            begins = first_day + timedelta(
                days=day,
                hours=SHIFT_STARTS[index % len(SHIFT_STARTS)],
                minutes=rng.uniform(-10, 15),
            )
            pause = begins + SHIFT / 2
            changes = (
                ("online", begins),
                ("away", pause),
                ("online", pause + BREAK),
                ("offline", begins + SHIFT + timedelta(minutes=rng.uniform(-5, 20))),
            )
            rows += [
                {"agent_id": agent_id, "presence": presence, "changed_at": at}
                for presence, at in changes
                if at < plan.end
            ]
    return rows


class ThreadGenerator:
    """Makes the rows of one thread after another."""

    def __init__(self, plan: SeedPlan, agent_ids: list[int], next_ids: dict[str, int]) -> None:
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.agent_ids = agent_ids
        self.ids = dict(next_ids)
        self.start = plan.end - timedelta(days=plan.days)
        total = sum(DAILY_CURVE)
        self.hour_weights = [weight / total for weight in DAILY_CURVE]

    def batches(self, size: int) -> Iterator[dict[str, list[dict[str, Any]]]]:
        """The plan's threads, `size` at a time, as rows per table."""
        made = 0
        while made < self.plan.threads:
            batch: dict[str, list[dict[str, Any]]] = {
                "customers": [], "threads": [], "messages": [], "thread_events": []
            }  # fmt: skip
            for _ in range(min(size, self.plan.threads - made)):
                self._thread(batch)
                made += 1
            yield batch

    def _id(self, table: str) -> int:
        value = self.ids[table]
        self.ids[table] += 1
        return value

    def _moment(self) -> datetime:
        day = self.rng.randrange(self.plan.days)
        hour = self.rng.choices(range(24), self.hour_weights)[0]
        base = self.start.replace(hour=0, minute=0, second=0, microsecond=0)
        return base + timedelta(days=day, hours=hour, seconds=self.rng.uniform(0, 3600))

    def _thread(self, batch: dict[str, list[dict[str, Any]]]) -> None:
        rng = self.rng
        channel = rng.choices([c for c, _ in CHANNELS], [w for _, w in CHANNELS])[0]
        kind = rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        language = rng.choices(phrases.LANGUAGES, phrases.LANGUAGE_WEIGHTS)[0]
        topic = rng.choice(phrases.TOPICS)
        public = channel == "telegram" and kind == "complaint" and rng.random() < 0.3
        opened = self._moment()
        customer_id, thread_id = self._id("customers"), self._id("threads")
        batch["customers"].append(
            {"id": customer_id, "channel": channel, "external_id": f"seed-{customer_id}",
             "display_name": f"Customer {customer_id}", "created_at": opened}
        )  # fmt: skip
        said = self._text(kind, topic, language)
        if public:
            said = rng.choice(phrases.PUBLIC_OPENERS) + said
        clock = opened
        rows = batch["messages"]
        first = self._message(rows, thread_id, "customer", said, clock)
        bot_delay = timedelta(seconds=rng.lognormvariate(math.log(0.25), 0.5))
        clock += bot_delay
        self._message(rows, thread_id, "bot", "(bot answer)", clock, reply_to=first)
        thread: dict[str, Any] = {
            "id": thread_id, "customer_id": customer_id, "channel": channel,
            "chat_id": f"seed-{thread_id}", "state": "resolved", "created_at": opened,
            "language": language, "public": public, "topic": topic if kind != "routine" else None,
            "team": phrases.TEAM_OF_TOPIC.get(topic, "care"), "agent_id": None,
            "escalated_at": None, "escalation_score": None, "escalation_reason": None,
            "first_response_at": None, "sla_breached_at": None, "resolved_at": None,
            "rating": None,
        }  # fmt: skip
        if kind == "routine":
            if rng.random() < 0.4:
                clock += timedelta(seconds=rng.uniform(10, 90))
                asked = self._message(rows, thread_id, "customer", "thanks", clock)
                clock += bot_delay
                self._message(rows, thread_id, "bot", "(bot answer)", clock, reply_to=asked)
            thread["team"] = None
        else:
            clock = self._escalated(batch, thread, kind, opened + bot_delay / 2, clock)
        thread.update(updated_at=clock, closed_at=clock)
        batch["threads"].append(thread)

    def _escalated(
        self,
        batch: dict[str, list[dict[str, Any]]],
        thread: dict[str, Any],
        kind: str,
        escalated_at: datetime,
        clock: datetime,
    ) -> datetime:
        rng, rows, thread_id = self.rng, batch["messages"], thread["id"]
        peak = self.hour_weights[escalated_at.hour] * 24
        wait = timedelta(seconds=rng.lognormvariate(math.log(70 * peak), 0.8))
        agent = rng.choice(self.agent_ids)
        reason = {
            "complaint": "complaint in public" if thread["public"] else "complaint 0.9",
            "frustrated": "upset over 3 messages, shouting",
            "human": "asked for a person",
        }[kind]
        thread.update(
            escalated_at=escalated_at, escalation_reason=reason, escalation_score=0.9,
            agent_id=agent, first_response_at=escalated_at + wait,
        )  # fmt: skip
        if wait > timedelta(minutes=self.plan.sla_minutes):
            thread["sla_breached_at"] = escalated_at + timedelta(minutes=self.plan.sla_minutes)
        clock = escalated_at + wait
        for turn in range(rng.randint(1, 3)):
            if turn:
                clock += timedelta(seconds=rng.uniform(20, 200))
                self._message(rows, thread_id, "customer", "ok, and then?", clock)
                clock += timedelta(seconds=rng.lognormvariate(math.log(45), 0.6))
            reply = rng.choice(phrases.AGENT_REPLIES)
            self._message(rows, thread_id, "agent", reply, clock, agent_id=agent)
        clock += timedelta(seconds=rng.uniform(30, 900))
        thread["resolved_at"] = clock
        if thread["public"] and rng.random() < 0.8:
            batch["thread_events"].append(
                {"id": self._id("thread_events"), "thread_id": thread_id, "event": "resolve",
                 "from_state": "with_agent", "to_state": "resolved", "actor": "system",
                 "reason": "continued privately in a private chat", "created_at": clock}
            )  # fmt: skip
        if rng.random() < 0.55:
            thread["rating"] = rng.choices([1, 2, 3, 4, 5], [0.06, 0.06, 0.13, 0.3, 0.45])[0]
        return clock

    def _text(self, kind: str, topic: str, language: str) -> str:
        rng = self.rng
        if kind == "complaint":
            return phrases.complaint(rng, topic, language)
        table = {"routine": phrases.ROUTINE, "frustrated": phrases.FRUSTRATED}.get(
            kind, phrases.HUMAN
        )
        return phrases.pick(rng, table, language)

    def _message(
        self,
        rows: list[dict[str, Any]],
        thread_id: int,
        author: str,
        text: str,
        moment: datetime,
        *,
        reply_to: int | None = None,
        agent_id: int | None = None,
    ) -> int:
        message_id = self._id("messages")
        rows.append(
            {"id": message_id, "thread_id": thread_id, "author": author, "text": text,
             "created_at": moment, "sent_at": moment, "reply_to_id": reply_to,
             "agent_id": agent_id, "payload": None, "delivery_key": None,
             "channel_message_id": None, "intent": None, "intent_confidence": None,
             "negativity": None}
        )  # fmt: skip
        return message_id


def utc_today_end() -> datetime:
    """The end of today, UTC: seeded threads end by then."""
    now = datetime.now(timezone.utc)
    return now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
