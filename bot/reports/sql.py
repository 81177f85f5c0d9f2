"""Expressions that SQLite and PostgreSQL spell differently, and percentiles on both.

Durations are seconds between two timestamps; calendar parts are read in UTC.
Percentiles are `percentile_disc` on PostgreSQL; on SQLite (which has none) they come
from a histogram grouped in SQL, so Python only ever sees a bounded number of rows:
durations rounded to 10 ms under 10 s, 1 s under 10 minutes, 1 minute under a day,
then hours.
Both are nearest-rank percentiles, so the two databases agree to a bucket's width.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, Select

QUANTILES = (0.5, 0.9)


class seconds_between(FunctionElement):  # type: ignore[misc]
    """`later - earlier` in seconds, as a float."""

    type = sa.Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between, "sqlite")  # type: ignore[untyped-decorator]
def _seconds_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")  # type: ignore[untyped-decorator]
def _seconds_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


class calendar_part(FunctionElement):  # type: ignore[misc]
    """A timestamp's `hour` (0-23), `dow` (0 = Sunday), `day` or `hourstamp` text, in UTC.

    One subclass per part (see `part`), so that SQLAlchemy's statement cache, which
    keys on the class, never mixes two parts up.
    """

    type = sa.String()
    name = "calendar_part"
    inherit_cache = True
    part = ""


_SQLITE_PARTS = {"hour": "%H", "dow": "%w", "day": "%Y-%m-%d", "hourstamp": "%Y-%m-%d %H"}
_POSTGRES_PARTS = {"hour": "HH24", "dow": "D", "day": "YYYY-MM-DD", "hourstamp": "YYYY-MM-DD HH24"}
_PART_CLASSES = {
    name: type(f"calendar_{name}", (calendar_part,), {"part": name, "inherit_cache": True})
    for name in _SQLITE_PARTS
}


@compiles(calendar_part, "sqlite")  # type: ignore[untyped-decorator]
def _part_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    moment = compiler.process(next(iter(element.clauses)), **kw)
    return f"strftime('{_SQLITE_PARTS[element.part]}', {moment})"


@compiles(calendar_part, "postgresql")  # type: ignore[untyped-decorator]
def _part_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    moment = compiler.process(next(iter(element.clauses)), **kw)
    text = f"to_char({moment} AT TIME ZONE 'UTC', '{_POSTGRES_PARTS[element.part]}')"
    # PostgreSQL's D counts Sunday as 1; SQLite's %w as 0.
    return f"(CAST({text} AS INTEGER) - 1)" if element.part == "dow" else text


def part(moment: ColumnElement[Any], name: str) -> ColumnElement[Any]:
    """The calendar part `name` (hour, dow, day or hourstamp) of `moment`."""
    return _PART_CLASSES[name](moment)


@dataclass(frozen=True)
class Spread:
    """How long something took: count, mean and nearest-rank percentiles, in seconds."""

    count: int
    mean: float | None
    p50: float | None
    p90: float | None

    def as_dict(self) -> dict[str, Any]:
        """Rounded for people."""
        return {
            "count": self.count,
            "mean": _round(self.mean),
            "p50": _round(self.p50),
            "p90": _round(self.p90),
        }


EMPTY = Spread(0, None, None, None)


def bucket(seconds: ColumnElement[Any]) -> ColumnElement[Any]:
    """The histogram bucket a duration falls in, as its rounded value in seconds."""

    def nearest(width: float) -> ColumnElement[Any]:
        return sa.func.round(seconds / width) * width

    return sa.case(
        (seconds < 10, nearest(0.01)),
        (seconds < 600, nearest(1.0)),
        (seconds < 86400, nearest(60.0)),
        else_=nearest(3600.0),
    )


async def spreads(
    conn: AsyncConnection,
    seconds: ColumnElement[Any],
    query: Select,
    group_by: Sequence[ColumnElement[Any]] = (),
) -> dict[tuple[Any, ...], Spread]:
    """The spread of `seconds` over `query`'s rows, per value of `group_by`.

    Args:
        conn: An open connection.
        seconds: The duration of one row (NULL rows are left out).
        query: A select whose FROM and WHERE pick the rows (its columns are replaced).
        group_by: Columns to group by; the key of the result is their values.
    """
    query = query.where(seconds.is_not(None))
    keys = list(group_by)
    if conn.dialect.name == "postgresql":
        rows = await conn.execute(
            query.with_only_columns(
                *keys,
                sa.func.count(),
                sa.func.avg(seconds),
                *(sa.func.percentile_disc(q).within_group(seconds) for q in QUANTILES),
            ).group_by(*keys)
        )
        return {
            tuple(row[: len(keys)]): Spread(int(row[len(keys)]), *map(_float, row[len(keys) + 1 :]))
            for row in rows
        }
    # Each row's duration computed once (a materialised CTE is not flattened back into
    # the bucket's CASE, which would work it out again for every branch).
    durations = (
        query.with_only_columns(
            *(key.label(f"key_{n}") for n, key in enumerate(keys)), seconds.label("seconds")
        )
        .cte("durations")
        .prefix_with("MATERIALIZED")
    )
    grouped = [durations.c[f"key_{n}"] for n in range(len(keys))]
    edge = bucket(durations.c.seconds).label("bucket")
    rows = await conn.execute(
        sa.select(*grouped, edge, sa.func.count(), sa.func.sum(durations.c.seconds))
        .group_by(*grouped, edge)
        .order_by(*grouped, edge)
    )
    histograms: dict[tuple[Any, ...], list[tuple[float, int, float]]] = defaultdict(list)
    for row in rows:
        histograms[tuple(row[: len(keys)])].append((float(row[-3]), int(row[-2]), float(row[-1])))
    return {key: from_histogram(histogram) for key, histogram in histograms.items()}


async def spread(conn: AsyncConnection, seconds: ColumnElement[Any], query: Select) -> Spread:
    """`spreads` without groups."""
    return (await spreads(conn, seconds, query)).get((), EMPTY)


def from_histogram(histogram: Sequence[tuple[float, int, float]]) -> Spread:
    """Nearest-rank percentiles from sorted (lower bound, count, sum) buckets."""
    total = sum(count for _, count, _ in histogram)
    if total == 0:
        return EMPTY
    mean = sum(amount for _, _, amount in histogram) / total
    found: list[float] = []
    for q in QUANTILES:
        rank, seen = max(1, math.ceil(q * total)), 0
        for edge, count, _ in histogram:
            seen += count
            if seen >= rank:
                found.append(edge)
                break
    return Spread(total, mean, found[0], found[1])


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _round(value: float | None) -> float | None:
    return round(value, 2) if value is not None else None
