"""Fill stores fast with old conversations, to measure a message's cost in a full store.

Rows go in with the standard library's sqlite3, one transaction and one
`executemany` per table, generated lazily: about a million rows in seconds. The
framework's columns come from its schema (`bot.store.schema`), so the rows are
what its store would have written; rasa's tracker stores get one event per
message, in rasa's `events` table, for senders nobody writes to again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from bot.store.schema import customers, messages, threads

PER_THREAD = 100  # messages per old conversation
_TEXTS = ("where is my parcel?", "It's on its way and should arrive tomorrow.")
_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime in SQLite

Tick = Callable[[int], object]


def insert_sql(table: sa.Table, columns: Sequence[str]) -> str:
    """`INSERT INTO table (columns) VALUES (?, ...)`, checked against the schema."""
    unknown = [name for name in columns if name not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {', '.join(unknown)}")
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"


def prefill_framework_store(
    database: Path, count: int, *, tick: Tick = lambda n: None, prefix: str = "prefill"
) -> int:
    """Add `count` messages to the framework's SQLite store, in closed old threads.

    The store must exist and be migrated (the framework's server does that at start).
    Returns the number of messages added.
    """
    threads_needed = -(-count // PER_THREAD)
    start = _time_origin(count)
    with closing(_connect(database)) as db:
        first_customer = _next_id(db, customers.name)
        first_thread = _next_id(db, threads.name)
        db.execute("BEGIN")
        db.executemany(
            insert_sql(customers, ["id", "channel", "external_id", "created_at"]),
            (
                (first_customer + i, "rest", f"{prefix}-{first_customer + i}", _at(start, i))
                for i in range(threads_needed)
            ),
        )
        thread_columns = ["id", "customer_id", "channel", "chat_id", "state"]
        thread_columns += ["created_at", "updated_at", "closed_at", "public"]
        db.executemany(
            insert_sql(threads, thread_columns),
            (
                (
                    first_thread + i,
                    first_customer + i,
                    "rest",
                    f"{prefix}-{first_customer + i}",
                    "resolved",
                    _at(start, i * PER_THREAD),
                    _at(start, i * PER_THREAD + PER_THREAD),
                    _at(start, i * PER_THREAD + PER_THREAD),
                    0,
                )
                for i in range(threads_needed)
            ),
        )
        message_columns = ["thread_id", "author", "text", "created_at", "sent_at"]
        db.executemany(
            insert_sql(messages, message_columns),
            _message_rows(count, first_thread, start, tick),
        )
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return count


def _message_rows(
    count: int, first_thread: int, start: datetime, tick: Tick
) -> Iterator[tuple[object, ...]]:
    for n in range(count):
        at = _at(start, n)
        customer = n % 2 == 0
        yield (
            first_thread + n // PER_THREAD,
            "customer" if customer else "bot",
            _TEXTS[n % 2],
            at,
            None if customer else at,
        )
        if n % 10_000 == 9_999:
            tick(10_000)
    tick(count % 10_000)


def prefill_tracker_store(
    database: Path, count: int, *, tick: Tick = lambda n: None, prefix: str = "prefill"
) -> int:
    """Add `count` events to a rasa SQL tracker store (its `events` table must exist)."""
    start = _time_origin(count).timestamp()
    with closing(_connect(database)) as db:
        db.execute("BEGIN")
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            _event_rows(count, start, prefix, tick),
        )
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return count


def _event_rows(count: int, start: float, prefix: str, tick: Tick) -> Iterator[tuple[object, ...]]:
    # The JSON is built by formatting, not json.dumps: a third of the time for a million.
    parse_data = json.dumps({"intent": {"name": "order_status", "confidence": 0.9}})
    user = '{"event": "user", "timestamp": %r, "text": %s, "parse_data": %s}'
    bot = '{"event": "bot", "timestamp": %r, "text": %s}'
    texts = [json.dumps(text) for text in _TEXTS]
    for n in range(count):
        at = start + n
        sender = f"{prefix}-{n // PER_THREAD}"
        if n % 2 == 0:
            yield sender, "user", at, "order_status", None, user % (at, texts[0], parse_data)
        else:
            yield sender, "bot", at, None, None, bot % (at, texts[1])
        if n % 10_000 == 9_999:
            tick(10_000)
    tick(count % 10_000)


def _connect(database: Path) -> sqlite3.Connection:
    if not database.is_file():
        raise FileNotFoundError(f"no SQLite database at {database}")
    db = sqlite3.connect(database, isolation_level=None, timeout=60)
    db.execute("PRAGMA synchronous=OFF")
    return db


def _next_id(db: sqlite3.Connection, table: str) -> int:
    return int(db.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0])


def _time_origin(count: int) -> datetime:
    """Old enough that the rows, a second apart, all lie in the past."""
    return datetime.now(timezone.utc) - timedelta(seconds=count + 86_400)


def _at(start: datetime, seconds: int) -> str:
    return (start + timedelta(seconds=seconds)).strftime(_SQLITE_TIME)
