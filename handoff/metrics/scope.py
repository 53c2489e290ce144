"""What a metric is computed over, and the few SQL expressions that differ between databases.

Metrics aggregate in the database: days, durations and counts are computed by SQL, so a quarter
of a large team's handoffs is read from index pages as a few thousand small rows, never as
handoff documents. Days and weeks are UTC days and ISO weeks (Monday to Sunday), named by their
first day.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Float, case, func, literal
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from handoff.errors import InvalidInput

#: Decisions replaced within this many days count as re-litigated unless a caller says otherwise.
RELITIGATED_DAYS = 14


@dataclass(frozen=True, slots=True)
class Scope:
    """One team, a half-open period [since, until), and optionally one person (by name, as the
    team's handoffs and accounts spell it; compared without case)."""

    team: str
    since: datetime
    until: datetime
    person: str | None = None
    relitigated_days: int = RELITIGATED_DAYS

    def __post_init__(self) -> None:
        if self.since.tzinfo is None or self.until.tzinfo is None:
            raise InvalidInput("'since' and 'until' need a time zone.")
        if self.since >= self.until:
            raise InvalidInput("'since' must be before 'until'.")
        if self.relitigated_days < 1:
            raise InvalidInput("'within_days' must be at least 1.")

    @property
    def who(self) -> str | None:
        return self.person.strip().lower() if self.person and self.person.strip() else None


class Sql:
    """Day names, epoch seconds and durations in the session's SQL dialect."""

    def __init__(self, session: Session | Connection) -> None:
        bind = session.get_bind() if isinstance(session, Session) else session
        self.sqlite = bind.dialect.name == "sqlite"

    def day(self, col: Any) -> ColumnElement[Any]:
        """'YYYY-MM-DD' of a stored moment, in UTC."""
        if self.sqlite:
            return func.strftime("%Y-%m-%d", col)
        return func.to_char(func.timezone("UTC", col), "YYYY-MM-DD")

    def week(self, col: Any) -> ColumnElement[Any]:
        """'YYYY-MM-DD' of the Monday (ISO week start, UTC) of a stored moment."""
        if self.sqlite:  # the next Sunday (or the day itself), less six days
            return func.date(col, "weekday 0", "-6 days")
        return func.to_char(func.date_trunc("week", func.timezone("UTC", col)), "YYYY-MM-DD")

    def epoch(self, col: Any) -> ColumnElement[Any]:
        """Seconds since 1970 of a stored moment (None stays None)."""
        if self.sqlite:
            return (func.julianday(col) - literal(2440587.5)) * literal(86400.0)
        return func.extract("epoch", col).cast(Float)

    def seconds(self, start: Any, end: Any) -> ColumnElement[Any]:
        """Seconds from `start` to `end`."""
        if self.sqlite:
            return (func.julianday(end) - func.julianday(start)) * literal(86400.0)
        return func.extract("epoch", end - start).cast(Float)

    def minus_hours(self, col: Any, hours: int) -> ColumnElement[Any]:
        """The moment `hours` before a stored one, comparable with stored moments."""
        if self.sqlite:  # 'YYYY-MM-DD HH:MM:SS' sorts with the stored text
            return func.datetime(col, f"-{int(hours)} hours")
        return col - func.make_interval(0, 0, 0, 0, int(hours))

    def unindexed_field(self, col: Any) -> ColumnElement[Any]:
        """A flag's field with its item index dropped: 'blockers[2].needed_from' ->
        'blockers[].needed_from', so every blocker's missing owner counts as one field."""
        if self.sqlite:
            at = func.instr(col, "[")
            rest = func.substr(col, func.instr(col, "]") + 1)
            dropped = func.substr(col, 1, at - 1).op("||")(literal("[]")).op("||")(rest)
            return case((at > 0, dropped), else_=col)
        return func.regexp_replace(col, r"\[\d+\]", "[]")


@lru_cache(maxsize=4096)
def week_of(day: str) -> str:
    """The Monday (ISO week start) of a 'YYYY-MM-DD' day, as 'YYYY-MM-DD'."""
    d = date.fromisoformat(day)
    return (d - timedelta(days=d.weekday())).isoformat()


def days_in(scope: Scope) -> list[str]:
    """Every UTC day the period touches, in order (so quiet days show as zero, not a gap)."""
    first = scope.since.astimezone(UTC).date()
    last = (scope.until.astimezone(UTC) - timedelta(microseconds=1)).date()
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def weeks_in(scope: Scope) -> list[str]:
    return list(dict.fromkeys(week_of(d) for d in days_in(scope)))


def median(values: Iterable[float]) -> float | None:
    xs = sorted(values)
    if not xs:
        return None
    mid = len(xs) // 2
    return xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2


def p90(values: Iterable[float]) -> float | None:
    """The nearest-rank 90th percentile: the smallest value at least 90% of values do not exceed."""
    xs = sorted(values)
    if not xs:
        return None
    return xs[max(0, math.ceil(0.9 * len(xs)) - 1)]


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)
