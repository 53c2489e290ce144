"""The one reader for said and typed moments: "Tuesday ten", "tomorrow 9", "tomorrow night at ten",
"half eight", "Monday 09:00".

dateparser reads a bare number after a weekday as a day of the month ("Wednesday 10" -> the next
Wednesday the 10th, months away) and keeps the clock of the recording for "tomorrow 9". People
mean neither: a return time is always the *next* moment after the wrap that matches the words. So
the common shapes (an optional day word, an optional part of the day, an optional clock) are read
here by a small grammar and resolved against the recording's local time; anything else (a month
name, an ISO date) is left to dateparser by the caller.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOUR_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip
_MINUTE_WORDS = {"fifteen": 15, "thirty": 30, "forty five": 45, "forty-five": 45, "oh five": 5}
# Parts of the day: the clock they stand for alone, and whether an hour said with them is p.m.
_DAYPARTS: dict[str, tuple[int, bool]] = {
    "morning": (9, False), "first thing": (9, False), "lunchtime": (12, True),
    "afternoon": (14, True), "evening": (18, True), "night": (20, True), "tonight": (20, True),
    "end of day": (17, True), "eod": (17, True),
}  # fmt: skip
_HOUR = r"(?:\d{1,2}|" + "|".join(sorted(_HOUR_WORDS, key=len, reverse=True)) + ")"
_MIN = r"(?:\d{2}|" + "|".join(sorted(_MINUTE_WORDS, key=len, reverse=True)) + ")"
_DAYPART = "|".join(sorted(map(re.escape, _DAYPARTS), key=len, reverse=True))
_GRAMMAR = re.compile(
    r"^(?P<day>today|tonight|tomorrow|tmrw|(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*)?"
    rf"\s*(?P<part1>{_DAYPART})?"
    rf"\s*(?:(?P<half>half)\s+)?(?P<hour>{_HOUR})?(?:\s*[:.h]\s*(?P<min>\d{{2}})|\s+(?P<minw>{_MIN}))?"
    r"\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?"
    rf"\s*(?P<part2>{_DAYPART})?\s*$",
    re.IGNORECASE,
)


def _hour_value(word: str) -> int | None:
    value = int(word) if word.isdigit() else _HOUR_WORDS.get(word.lower())
    return value if value is not None and 0 <= value <= 24 else None


def _clock(m: re.Match[str]) -> tuple[int, int] | None:
    """(hour, minute) said, with a.m./p.m. or a part of the day applied; None when no time was
    said (only a day or a part of the day)."""
    part = (m.group("part1") or m.group("part2") or "").lower()
    if not part and (m.group("day") or "").lower() == "tonight":
        part = "tonight"
    if m.group("hour") is None:
        if part:
            return _DAYPARTS[part][0], 0
        return None
    hour = _hour_value(m.group("hour"))
    if hour is None:
        return None
    minute = 0
    if m.group("min"):
        minute = int(m.group("min"))
    elif m.group("minw"):
        minute = _MINUTE_WORDS[" ".join(m.group("minw").lower().replace("-", " ").split())]
    if m.group("half"):
        minute = 30  # "half eight" is 8:30 in British speech
    ampm = (m.group("ampm") or "").lower().replace(".", "")
    afternoon = ampm == "pm" or (not ampm and bool(part) and _DAYPARTS[part][1])
    if afternoon and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour == 24:
        hour = 0
    if minute >= 60:
        return None
    return hour, minute


def read_moment(cleaned: str, base: datetime) -> datetime | None:
    """The next moment after `base` (a naive local time in the named zone) that the words match,
    or None when they are not in the small grammar (the caller then asks dateparser)."""
    m = _GRAMMAR.match(" ".join(cleaned.split()))
    if m is None or not any(m.group(g) for g in ("day", "part1", "part2", "hour")):
        return None
    day = (m.group("day") or "").lower()
    clock = _clock(m)
    if m.group("hour") is not None and clock is None:
        return None
    hour, minute = clock if clock is not None else (9, 0)
    return next_moment(day, hour, minute, base)


def next_moment(day: str, hour: int, minute: int, base: datetime) -> datetime:
    """The first time after `base` at hour:minute on the day named ("" for whichever day comes
    first, "today"/"tonight", "tomorrow", or a weekday word)."""
    start = base.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if day in ("tomorrow", "tmrw"):
        return start + timedelta(days=1)
    if day[:3] in _WEEKDAYS:
        ahead = (_WEEKDAYS.index(day[:3]) - base.weekday()) % 7
        moment = start + timedelta(days=ahead)
        return moment if moment > base else moment + timedelta(days=7)
    if day in ("today", "tonight"):
        return start
    return start if start > base else start + timedelta(days=1)


_DAY_WORD = (
    r"(?:today|tonight|tomorrow|(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?)"
)
_CORRECTED_DAY = re.compile(
    # with commas, or said without them ("saturday no sorry sunday at ten")
    rf"\b{_DAY_WORD}(?:\s+\w+)?\s*,?\s*(?:(?:no|sorry|I\s+mean|actually|wait)\s*,?\s*)+"
    rf"(?={_DAY_WORD}\b)",
    re.IGNORECASE,
)


def drop_corrected_days(text: str) -> str:
    """'back Monday, no, Tuesday ten' -> 'back Tuesday ten': the day taken back is not said."""
    return _CORRECTED_DAY.sub("", text)
