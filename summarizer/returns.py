"""Return times: "back tomorrow 9am SGT" -> the phrase as said, and an aware datetime.

The phrase is resolved against when the wrap was recorded and the time zone it names (or the
team's default). dateparser does the calendar work; we only find the phrase and the zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser

_CUE_RE = re.compile(
    r"\b(?:(?:I'?m|I am|I'll be)\s+)?(?:back|online(?:\s+again)?|returning|available|in)\b\s+"
    r"(?P<when>(?:on\s+|at\s+|from\s+)?(?:tomorrow|today|tonight|monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday|next\s+\w+|\d{1,2}(?::\d{2})?\s*(?:am|pm)?|in\s+\d+\s+\w+|at\s+\d)"
    r"[^.;!?]*)",
    re.IGNORECASE,
)

#: Abbreviations people say, mapped to IANA zones (dateparser does not know most of them).
ZONE_ABBREVIATIONS: dict[str, str] = {
    "SGT": "Asia/Singapore",
    "SINGAPORE": "Asia/Singapore",
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "SYDNEY": "Australia/Sydney",
    "CET": "Europe/Berlin",
    "CEST": "Europe/Berlin",
    "BST": "Europe/London",
    "GMT": "Europe/London",
    "LONDON": "Europe/London",
    "UTC": "UTC",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "ET": "America/New_York",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "PT": "America/Los_Angeles",
    "CST": "America/Chicago",
    "CT": "America/Chicago",
}
_ZONE_RE = re.compile(
    r"\b(" + "|".join(sorted(ZONE_ABBREVIATIONS, key=len, reverse=True)) + r")\b(?:\s+time)?",
    re.IGNORECASE,
)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def resolve_time(
    phrase: str, *, recorded_at: datetime | None, default_tz: str | None = None
) -> datetime | None:
    """The phrase as an aware datetime, relative to `recorded_at` in the phrase's zone."""
    zone_match = _ZONE_RE.search(phrase)
    tz = _zone(ZONE_ABBREVIATIONS[zone_match.group(1).upper()] if zone_match else default_tz)
    cleaned = _ZONE_RE.sub("", phrase).strip(" ,")
    base = (recorded_at or datetime.now(UTC)).astimezone(tz).replace(tzinfo=None)
    parsed = dateparser.parse(
        cleaned,
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "future",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if parsed is None:
        return None
    return parsed.replace(tzinfo=tz)


def find_return_time(
    text: str, *, recorded_at: datetime | None, default_tz: str | None = None
) -> tuple[str, datetime | None] | None:
    """(phrase as said, resolved time) when the sentence says when the author is back."""
    m = _CUE_RE.search(text)
    if not m:
        return None
    when = m.group("when").strip(" .")
    return when, resolve_time(when, recorded_at=recorded_at, default_tz=default_tz)
