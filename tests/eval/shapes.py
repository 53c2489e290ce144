"""What the shape tests of the unseen sets share: the next moment a return names, recomputed with
`zoneinfo`, and the question plan and generic answer alternatives of the multi-week scenarios.
Not a test module (pytest collects only `test_*.py`)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from eval.extraction_data import Example
from handoff.declaration import LIST_PARTS, STATUSES

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


#: The field that names each list part's entry; it is never empty.
_TEXT_FIELD = {
    "shipped": "summary",
    "in_flight": "item",
    "decisions": "decision",
    "blockers": "description",
    "next_actions": "action",
}


def check_gold_schema(ex: Example) -> None:
    """The gold has the declaration's parts, each entry exactly the fields the scorer reads, a
    known status, and a non-empty name."""
    gold = ex.gold
    assert set(gold) == {*LIST_PARTS, "returns_at_iso", "missing"}, ex.id
    assert all(set(s) == {"summary", "refs"} for s in gold["shipped"]), ex.id
    for item in gold["in_flight"]:
        assert {"item", "status", "refs"} <= set(item) <= {"item", "status", "refs", "owner"}
        assert item["status"] in STATUSES, ex.id
    assert all(set(d) == {"decision", "rationale"} for d in gold["decisions"]), ex.id
    assert all(set(b) == {"description", "needed_from", "item"} for b in gold["blockers"])
    assert all(set(n) == {"action", "owner"} for n in gold["next_actions"]), ex.id
    for part, text in _TEXT_FIELD.items():
        assert all(entry[text].strip() for entry in gold[part]), (ex.id, part)


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
