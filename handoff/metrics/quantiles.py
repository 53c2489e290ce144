"""Exact medians and nearest-rank 90th percentiles computed in the database, per group.

Reading every duration into Python to sort it costs more than the query that finds it (tens of
thousands of rows through the driver); the database ranks them instead and returns the two or
three rows per group that the figures need. The definitions are those of `scope.median` and
`scope.p90`: the median of an even count is the mean of the two middle values; the 90th
percentile is the value at rank ceil(0.9 n).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery


@dataclass(frozen=True, slots=True)
class Spread:
    """One group's durations: how many, their median and 90th percentile (in the input's unit)."""

    n: int
    median: float
    p90: float


def spreads(session: Session, values: Subquery) -> dict[str, Spread]:
    """{group key: Spread} of `values`, a subquery with columns `k` (the group) and `v` (the
    value; rows whose value is NULL are left out)."""
    ranked = (
        select(
            values.c.k,
            values.c.v,
            func.row_number().over(partition_by=values.c.k, order_by=values.c.v).label("rn"),
            func.count().over(partition_by=values.c.k).label("n"),
        )
        .where(values.c.v.is_not(None))
        .subquery()
    )
    n, rn = ranked.c.n, ranked.c.rn
    low, high, tenth = (n + 1) // 2, n // 2 + 1, (9 * n + 9) // 10  # integer ranks
    q = select(ranked.c.k, n, rn, ranked.c.v, low, high, tenth).where(
        or_(rn == low, rn == high, rn == tenth)
    )
    middle: dict[str, list[float]] = defaultdict(list)
    at_p90: dict[str, float] = {}
    counts: dict[str, int] = {}
    for key, count, rank, value, lo, hi, p in session.execute(q):
        k, v = str(key), float(value)
        counts[k] = int(count)
        if rank in (lo, hi):
            middle[k].append(v)
            if lo == hi:  # an odd count: the middle is one value
                middle[k].append(v)
        if rank == p:
            at_p90[k] = v
    return {k: Spread(n, sum(middle[k]) / len(middle[k]), at_p90[k]) for k, n in counts.items()}


def spread_values(spread: Spread | None, scale: float, digits: int = 2) -> dict[str, Any]:
    """The median and 90th percentile of a group divided by `scale` (3600: seconds to hours)."""
    if spread is None:
        return {"median": None, "p90": None, "n": 0}
    return {
        "median": round(spread.median / scale, digits),
        "p90": round(spread.p90 / scale, digits),
        "n": spread.n,
    }
