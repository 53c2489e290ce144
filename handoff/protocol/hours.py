"""Working time in a person's own time zone: their shifts, their days off, and how many working
hours passed between two moments (what escalation counts: four working hours of someone in London
are not four hours of the clock overnight).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handoff.errors import InvalidInput

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def is_hhmm(text: str) -> bool:
    """Whether `text` is a clock time as stored, "HH:MM" on the 24-hour clock."""
    return bool(_HHMM.match(text))


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; an unknown one is bad input that says what a valid one looks like."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"Unknown time zone {name!r}; use an IANA name such as Europe/London."
        ) from None


def check_hours(hours: Mapping[str, Any]) -> dict[str, list[str]]:
    """Working hours as stored: {"0": ["09:00", "17:00"], ...} ("0" = Monday). Weekday keys may
    also be names ("mon"); a day whose end is not after its start is refused (night shifts are
    two days: "22:00"-"23:59" and "00:00"-"06:00")."""
    out: dict[str, list[str]] = {}
    for key, span in hours.items():
        day = str(WEEKDAYS.index(key.lower()[:3])) if str(key).lower()[:3] in WEEKDAYS else key
        if day not in {str(i) for i in range(7)}:
            raise InvalidInput(f"Unknown weekday {key!r}; use mon..sun or 0..6 (0 = Monday).")
        if span is None:
            continue
        if not isinstance(span, list | tuple) or len(span) != 2:
            raise InvalidInput(f"Hours for {key!r} must be [start, end], e.g. ['09:00', '17:00'].")
        start, end = (str(v) for v in span)
        if not (_HHMM.match(start) and _HHMM.match(end)) or end <= start:
            raise InvalidInput(f"Hours for {key!r} must be HH:MM with the end after the start.")
        out[day] = [start, end]
    return out


def check_days_off(days: Sequence[Any]) -> list[str]:
    try:
        return sorted({date.fromisoformat(str(d)).isoformat() for d in days})
    except ValueError:
        raise InvalidInput("Days off must be dates such as 2026-12-24.") from None


@dataclass(frozen=True, slots=True)
class Schedule:
    """One person's week: time zone, hours per weekday, days off."""

    tz: ZoneInfo
    hours: Mapping[str, Sequence[str]]
    days_off: frozenset[date]

    @classmethod
    def of(cls, timezone: str, hours: Mapping[str, Any], days_off: Sequence[Any]) -> Schedule:
        return cls(
            zone(timezone),
            hours,
            frozenset(date.fromisoformat(str(d)) for d in days_off),
        )

    def local_day(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def shift(self, day: date) -> tuple[datetime, datetime] | None:
        """The working span of a local day as aware moments; None on a day off or not worked."""
        if day in self.days_off:
            return None
        span = self.hours.get(str(day.weekday()))
        if not span:
            return None
        start, end = (time.fromisoformat(str(v)) for v in span)
        return (
            datetime.combine(day, start, tzinfo=self.tz),
            datetime.combine(day, end, tzinfo=self.tz),
        )

    def shifts(self, since: datetime, until: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = self.local_day(since) - timedelta(days=1)
        last = self.local_day(until)
        while day <= last:
            span = self.shift(day)
            if span is not None:
                yield span
            day += timedelta(days=1)

    def working_hours_between(self, since: datetime, until: datetime) -> float:
        """Hours of this person's shifts between two moments (days off count nothing)."""
        total = 0.0
        for start, end in self.shifts(since, until):
            a, b = max(start, since), min(end, until)
            if b > a:
                total += (b - a).total_seconds() / 3600
        return total

    def previous_shift_end(self, before: datetime) -> datetime | None:
        """The end of the last shift that ended before `before` (up to two weeks back)."""
        ends = [end for _, end in self.shifts(before - timedelta(days=14), before) if end <= before]
        return ends[-1] if ends else None


def days_between(leaving: date, back: date) -> list[str]:
    """The days a person is away when they leave after `leaving` and are back on `back`
    ("back Monday" on a Thursday: Friday, Saturday, Sunday)."""
    out: list[str] = []
    day = leaving + timedelta(days=1)
    while day < back:
        out.append(day.isoformat())
        day += timedelta(days=1)
    return out
