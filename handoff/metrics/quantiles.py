"""Exact medians and nearest-rank 90th percentiles of durations the database computes, per group.

Reading every duration through the driver as its own row costs more than the query that finds
it (tens of thousands of rows a year for a large team), and ranking them with window functions
costs a sort in the database; instead the database groups them and returns each group's values
as one comma-separated string, which Python splits and sorts. The figures are exactly those of
`scope.median` and `scope.p90`. Several groupings go out as one statement (a UNION ALL), so a
subquery they share is read once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Text, cast, func, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from handoff.metrics.scope import Sql, median, p90


@dataclass(frozen=True, slots=True)
class Spread:
    """One group: how many rows (`total`), how many have a value (`n`), and the median and 90th
    percentile of those values (None without any), in the input's unit."""

    total: int
    n: int
    median: float | None
    p90: float | None


def concatenated(session: Session, value: Any) -> Any:
    """The aggregate that joins a group's values with commas (NULLs left out)."""
    if Sql(session).sqlite:
        return func.group_concat(value, ",")
    return func.string_agg(cast(value, Text), ",")


def spread_of(joined: str | None, total: int) -> Spread:
    """A group's Spread from its comma-joined values and its row count."""
    xs = sorted(map(float, joined.split(","))) if joined else []
    for i, x in enumerate(xs):  # a duration below zero (clocks that disagree) counts as none
        if x >= 0:
            break
        xs[i] = 0.0
    return Spread(total, len(xs), median(xs), p90(xs))


def spreads(session: Session, *groupings: Subquery) -> list[dict[str, Spread]]:
    """For each subquery with columns `k` (the group) and `v` (a value, or NULL for a row
    counted without one): {group key: Spread}."""
    parts = [
        select(
            literal(tag).label("tag"), values.c.k, concatenated(session, values.c.v), func.count()
        ).group_by(values.c.k)
        for tag, values in enumerate(groupings)
    ]
    out: list[dict[str, Spread]] = [{} for _ in groupings]
    statement: Any = parts[0] if len(parts) == 1 else union_all(*parts)
    for tag, key, joined, total in session.execute(statement):
        out[int(tag)][str(key)] = spread_of(joined, int(total))
    return out


def spread_values(spread: Spread | None, scale: float, digits: int = 2) -> dict[str, Any]:
    """A group's median and 90th percentile divided by `scale` (3600: seconds to hours)."""
    if spread is None or spread.median is None or spread.p90 is None:
        return {"median": None, "p90": None, "n": 0}
    return {
        "median": round(spread.median / scale, digits),
        "p90": round(spread.p90 / scale, digits),
        "n": spread.n,
    }
