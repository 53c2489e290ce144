"""What the shape tests of the unseen sets share: the next moment a return names, recomputed with
`zoneinfo`, and the question plan and generic answer alternatives of the multi-week scenarios.
Not a test module (pytest collects only `test_*.py`)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def next_moment(after: datetime, day: str, clock: str, zone: str) -> datetime:
    """The first moment after `after` on the named day at `clock` in `zone`. `day` is a weekday,
    "tomorrow", "+N" days after the recording day, or an ISO date."""
    tz = ZoneInfo(zone)
    hour, minute = map(int, clock.split(":"))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        dates = [date.fromisoformat(day)]
    elif day == "tomorrow":
        dates = [after.date() + timedelta(days=1)]
    elif day.startswith("+"):
        dates = [after.date() + timedelta(days=int(day[1:]))]
    else:
        local = after.astimezone(tz)
        dates = [
            (local + timedelta(days=ahead)).date()
            for ahead in range(8)
            if (local + timedelta(days=ahead)).weekday() == WEEKDAYS.index(day)
        ]
    for day_date in dates:
        moment = datetime(day_date.year, day_date.month, day_date.day, hour, minute, tzinfo=tz)
        if moment > after:
            return moment
    raise AssertionError((after, day, clock, zone))


#: Questions per kind in each scenario from unseen4 on, in file order: 26 in all.
QA_KINDS = {
    "current_blocker": 4,
    "who_can_clear": 4,
    "who_owns": 2,
    "latest_decision": 2,
    "why_dropped": 2,
    "as_of": 4,
    "unknown_item": 2,
    "next_actions": 2,
    "return_time": 2,
    "cross_team": 2,
}

#: The generic alternatives for "nobody is named" and "it is cleared", as in the unseen4 sets.
NOBODY = [
    "no one",
    "nobody",
    "not named",
    "unknown",
    "no idea",
    "not known",
    "unassigned",
    "doesn't say",
    "does not say",
]
CLEARED = [
    "not blocked",
    "no open blocker",
    "nothing is blocking",
    "cleared",
    "unblocked",
    "no blocker",
    "no longer blocked",
]
