"""Return times: "back tomorrow 9am SGT" -> the phrase as said, and an aware datetime.

The phrase is found after a return cue ("back", "online again", "in at", "returning"), its time
zone is read from an abbreviation, a city ("Sydney time": any IANA zone's city), or a region
("Pacific", "UK time"); without one, the zone of the recording (or the team's default) is used. The
calendar part goes through dateparser, relative to when the wrap was recorded; a day without a time
means the start of that working day (09:00), and parts of the day map to a time (morning 09:00,
afternoon 14:00, evening 18:00). Spoken numbers are already digits (`summarizer.normalize`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import dateparser

from handoff.text import WEEKDAYS
from summarizer.moments import drop_corrected_days, read_moment

#: Abbreviations and regions people say, mapped to IANA zones (dateparser knows few of them).
ZONE_ABBREVIATIONS: dict[str, str] = {
    "SGT": "Asia/Singapore", "IST": "Asia/Kolkata", "INDIA": "Asia/Kolkata",
    "BANGALORE": "Asia/Kolkata", "BENGALURU": "Asia/Kolkata", "MUMBAI": "Asia/Kolkata",
    "DELHI": "Asia/Kolkata", "PUNE": "Asia/Kolkata", "HYDERABAD": "Asia/Kolkata",
    "JST": "Asia/Tokyo", "KST": "Asia/Seoul", "HKT": "Asia/Hong_Kong", "CST-CHINA": "Asia/Shanghai",
    "BEIJING": "Asia/Shanghai", "AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
    "AWST": "Australia/Perth", "NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland",
    "CET": "Europe/Berlin", "CEST": "Europe/Berlin",
    "EET": "Europe/Athens", "EEST": "Europe/Athens",
    "WET": "Europe/Lisbon", "BST": "Europe/London", "UK": "Europe/London", "GMT": "Etc/GMT",
    "UTC": "UTC", "Z": "UTC", "MSK": "Europe/Moscow", "GST": "Asia/Dubai", "WAT": "Africa/Lagos",
    "EAT": "Africa/Nairobi", "SAST": "Africa/Johannesburg", "BRT": "America/Sao_Paulo",
    "ART": "America/Argentina/Buenos_Aires",
    "EST": "America/New_York", "EDT": "America/New_York", "ET": "America/New_York",
    "EASTERN": "America/New_York", "CST": "America/Chicago", "CDT": "America/Chicago",
    "CT": "America/Chicago", "CENTRAL": "America/Chicago", "MST": "America/Denver",
    "MDT": "America/Denver", "MT": "America/Denver", "MOUNTAIN": "America/Denver",
    "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles", "PT": "America/Los_Angeles",
    "PACIFIC": "America/Los_Angeles", "HST": "Pacific/Honolulu",
    "BAY AREA": "America/Los_Angeles", "SAN FRANCISCO": "America/Los_Angeles",
    "SEATTLE": "America/Los_Angeles", "NEW YORK": "America/New_York", "BOSTON": "America/New_York",
    "AUSTIN": "America/Chicago", "WASHINGTON": "America/New_York",
    "ICT": "Asia/Bangkok", "WIB": "Asia/Jakarta", "PHT": "Asia/Manila", "PKT": "Asia/Karachi",
    "CAT": "Africa/Maputo", "AET": "Australia/Sydney", "ACST": "Australia/Adelaide",
    "NZT": "Pacific/Auckland", "CLT": "America/Santiago", "COT": "America/Bogota",
    "PET": "America/Lima", "IDT": "Asia/Jerusalem",
    # Cities people name that are not the city of an IANA zone.
    "MILAN": "Europe/Rome", "BARCELONA": "Europe/Madrid", "MUNICH": "Europe/Berlin",
    "FRANKFURT": "Europe/Berlin", "HAMBURG": "Europe/Berlin", "LYON": "Europe/Paris",
    "MANCHESTER": "Europe/London", "EDINBURGH": "Europe/London", "GENEVA": "Europe/Zurich",
    "OSAKA": "Asia/Tokyo", "CAPE TOWN": "Africa/Johannesburg", "TEL AVIV": "Asia/Jerusalem",
    "RIO": "America/Sao_Paulo", "KRAKOW": "Europe/Warsaw", "PORTO": "Europe/Lisbon",
    "NZ": "Pacific/Auckland", "HK": "Asia/Hong_Kong", "SG": "Asia/Singapore",
    "UAE": "Asia/Dubai", "KSA": "Asia/Riyadh", "QUITO": "America/Guayaquil",
    "WELLINGTON": "Pacific/Auckland", "DOHA": "Asia/Qatar",
    "CHENNAI": "Asia/Kolkata", "KOCHI": "Asia/Kolkata", "HANOI": "Asia/Ho_Chi_Minh",
    "SAIGON": "Asia/Ho_Chi_Minh", "ISLAMABAD": "Asia/Karachi", "LAHORE": "Asia/Karachi",
    "SUVA": "Pacific/Fiji", "NUKU'ALOFA": "Pacific/Tongatapu", "ATLANTA": "America/New_York",
    "MIAMI": "America/New_York", "PHILADELPHIA": "America/New_York",
    "HOUSTON": "America/Chicago", "DALLAS": "America/Chicago", "KINGSTON": "America/Jamaica",
    "LOS ANGELES": "America/Los_Angeles", "LA": "America/Los_Angeles",
    "SAN DIEGO": "America/Los_Angeles", "PORTLAND": "America/Los_Angeles",
    "ABUJA": "Africa/Lagos", "MOMBASA": "Africa/Nairobi", "DAR ES SALAAM": "Africa/Dar_es_Salaam",
    "ZANZIBAR": "Africa/Dar_es_Salaam", "DURBAN": "Africa/Johannesburg",
    "PRETORIA": "Africa/Johannesburg", "ALEXANDRIA": "Africa/Cairo", "RABAT": "Africa/Casablanca",
    "JEDDAH": "Asia/Riyadh", "ABU DHABI": "Asia/Dubai", "SHARJAH": "Asia/Dubai",
    "ANKARA": "Europe/Istanbul", "ST PETERSBURG": "Europe/Moscow", "KYOTO": "Asia/Tokyo",
    "BUSAN": "Asia/Seoul", "SHENZHEN": "Asia/Shanghai", "GUANGZHOU": "Asia/Shanghai",
    "CANBERRA": "Australia/Sydney", "GOLD COAST": "Australia/Brisbane",
    "CHRISTCHURCH": "Pacific/Auckland", "MONTREAL": "America/Toronto",
    "OTTAWA": "America/Toronto", "CALGARY": "America/Edmonton", "MEDELLIN": "America/Bogota",
    "MEDELLÍN": "America/Bogota", "CUSCO": "America/Lima", "VALPARAISO": "America/Santiago",
    "GUADALAJARA": "America/Mexico_City", "MONTERREY": "America/Monterrey",
    "BRASILIA": "America/Sao_Paulo", "BRASÍLIA": "America/Sao_Paulo", "HAWAII": "Pacific/Honolulu",
}  # fmt: skip
# Words that end in a zone's city name but are not places people say for a time zone.
_NOT_CITIES = frozenset({"CENTRAL", "EASTERN", "PACIFIC", "MOUNTAIN", "ZULU", "UNIVERSAL"})


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every IANA zone's city ('SYDNEY' -> 'Australia/Sydney', 'SAO PAULO' -> ...) plus the
    abbreviations above."""
    names: dict[str, str] = {}
    for zone in sorted(available_timezones()):
        if "/" not in zone or zone.startswith(("Etc/", "SystemV/", "posix/", "right/")):
            continue
        city = zone.rsplit("/", 1)[1].replace("_", " ").upper()
        if city not in _NOT_CITIES:
            names.setdefault(city, zone)
    names.update(_country_zones())
    names.update(ZONE_ABBREVIATIONS)
    return names


def _country_zones() -> dict[str, str]:
    """Countries whose zones all keep one offset ('ARGENTINA time', 'IRELAND time'), from the
    system's tz tables when they are there (a country spanning offsets says nothing exact)."""
    root = Path("/usr/share/zoneinfo")
    try:
        countries = _tab(root / "iso3166.tab")
        zones: dict[str, list[str]] = {}
        for code, _coords, zone, *_ in (
            line.split("\t")
            for line in (root / "zone.tab").read_text().splitlines()
            if line and not line.startswith("#")
        ):
            zones.setdefault(code, []).append(zone)
    except (OSError, ValueError):
        return {}
    out: dict[str, str] = {}
    now = datetime.now(UTC)
    for code, country in countries.items():
        listed = zones.get(code, [])
        try:
            offsets = {now.astimezone(ZoneInfo(z)).utcoffset() for z in listed}
        except (ZoneInfoNotFoundError, ValueError):
            continue
        if len(offsets) == 1:  # said with "time": "Jordan" alone may be a person
            out[f"{country.upper()} TIME"] = listed[0]
    return out


def _tab(path: Path) -> dict[str, str]:
    rows = (line.split("\t") for line in path.read_text().splitlines())
    return {r[0]: r[1].split(" (")[0] for r in rows if len(r) >= 2 and not r[0].startswith("#")}


@lru_cache(maxsize=1)
def _zone_re() -> re.Pattern[str]:
    keys = sorted(_zone_names(), key=len, reverse=True)
    alternatives = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in keys)
    return re.compile(rf"\b(?:in\s+)?({alternatives})\b(?:\s+time)?", re.IGNORECASE)


def _fold(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


_DAY = (
    r"(?:today|tonight|tomorrow|tmrw|"
    + "|".join(WEEKDAYS)
    + r"|mon|tue|tues|wed|thu|thurs|fri|sat|sun|next\s+week|"
    r"in\s+(?:\d|two|three|four|five|six)\s+days|(?:the\s+)?day\s+after\s+tomorrow|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?|"
    r"\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*|"
    r"\d{4}-\d{2}-\d{2})"
)
_CLOCK = (
    r"\b(?:\d{1,2}(?::\d{2})?\s*(?:am|pm)|\d{1,2}:\d{2}|\d{1,2}h\d{2}|noon|midday|midnight|"
    r"\d{1,2}\s*o'?clock)"
)
_DAYPART = r"(?:morning|afternoon|evening|night|first\s+thing|end\s+of\s+day|lunchtime)"
_WHEN = rf"(?:{_DAY}|{_CLOCK}|(?:this|tomorrow|in\s+the)\s+{_DAYPART}|{_DAYPART}|at\s+\d{{1,2}}\b)"
_NOT_RETURN_BEFORE = re.compile(
    r"(?:roll(?:ed|ing)?|fail(?:ed|ing)?|scal(?:ed|ing)|push(?:ed)?|get|got|came|come|call(?:ed)?|"
    r"report|write|wrote|hear|heard|fall(?:ing)?|fell|go(?:ing)?|went|put|bring|brought|trace[sd]?|"
    r"dat(?:es|ed)|ping|circle|get|fight|fought|step(?:ped)?|cut|set|send|sent|dial(?:led)?)\s*$",
    re.IGNORECASE,
)
# Strong cues say "return" on their own; weak ones ("in at 10", "on tomorrow") only with "I'm".
_CUE_RE = re.compile(
    rf"(?:\b(?:back|online(?:\s+again)?|returning|return|"
    rf"(?:off|out|away|ooo|out\s+of\s+(?:the\s+)?office|on\s+leave|on\s+PTO)\s+(?:until|till|til)|"
    rf"next\s+shift(?:\s+starts)?|see\s+you|signing\s+(?:back\s+)?on|"
    # "I'm next in Saturday 11am", "in again Wednesday at 7"
    rf"(?:next|again)\s+in|in\s+again)"
    rf"|(?:^|\bI'?m|\bI\s+am|\bI'?ll\s+be|\bI\s+will\s+be|\bbe|,)\s*(?:in|on|around|available|on\s+shift))\b"
    rf"(?:\s*[:：])?(?:\s+(?:online|in|on|at|by|from|around|again|the|next|this|coming|until|till))*"
    rf"\s+"
    # a dot inside a clock ("9.30") or "a.m." does not end the phrase
    rf"(?P<when>{_WHEN}(?:[^.;!?]|\.(?=\d)|(?<=\b[ap])\.(?=m)|(?<=\b[ap]\.m)\.)*)",
    re.IGNORECASE,
)
_DAYPART_TIMES = {
    "morning": "9:00", "first thing": "9:00", "afternoon": "14:00", "lunchtime": "12:00",
    "evening": "18:00", "night": "20:00", "tonight": "20:00", "end of day": "17:00",
    "noon": "12:00", "midday": "12:00", "midnight": "0:00",
}  # fmt: skip


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def phrase_zone(phrase: str) -> tuple[str | None, str]:
    """(IANA zone named in the phrase, the phrase without it)."""
    m = _zone_re().search(_fold(phrase))
    if not m:
        return None, phrase
    key = " ".join(m.group(1).upper().split())
    return _zone_names()[key], (phrase[: m.start()] + " " + phrase[m.end() :]).strip()


def _default_zone(recorded_at: datetime | None, default_tz: str | None) -> ZoneInfo | datetime:
    if recorded_at is not None and recorded_at.tzinfo is not None:
        offset = recorded_at.utcoffset()
        if (offset and offset != timedelta(0)) or not default_tz or default_tz == "UTC":
            return recorded_at
    return _zone(default_tz)


_DAYS_AHEAD = re.compile(
    r"\b(?:(?P<n>\d|two|three|four|five|six)\s+days(?:'|\s+time)?|"
    r"(?P<after>day\s+after\s+tomorrow))\b"
)
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBER_WORDS[word]


def resolve_time(
    phrase: str, *, recorded_at: datetime | None, default_tz: str | None = None
) -> datetime | None:
    """The phrase as an aware datetime, relative to `recorded_at`, in the phrase's zone (else the
    recording's, else `default_tz`)."""
    zone_name, cleaned = phrase_zone(phrase)
    base_aware = recorded_at or datetime.now(UTC)
    if zone_name:
        tz: object = _zone(zone_name)
    else:
        chosen = _default_zone(recorded_at, default_tz)
        tz = chosen.tzinfo if isinstance(chosen, datetime) else chosen
    base = base_aware.astimezone(tz).replace(tzinfo=None)  # type: ignore[arg-type]
    cleaned = cleaned.lower()
    cleaned = re.sub(
        r"\b(?:at|by|around|from)\s+(\d{1,2})\b(?![:h.]|\s*(?:am|pm))", r"\1:00", cleaned
    )
    cleaned = re.sub(
        r"\b(?:at|on|by|around|from|again|the|in|online|this|time|ish|-ish|as|usual|usually)\b",
        " ",
        cleaned,
    )
    cleaned = re.sub(r"(\d{1,2})[h.](\d{2})\b", r"\1:\2", cleaned)  # "9h30", "9.30"
    # "tomorrow 9h", "lundi 14h": an hour said the continental way (not "in 48h", a duration)
    cleaned = re.sub(r"(?<!\bin )(?<!\bfor )(?<!\bwithin )\b([01]?\d|2[0-3])h\b", r"\1:00", cleaned)
    # "fri 0700": a four-digit clock after a day (never a year there)
    cleaned = re.sub(r"(?<=[a-z.] )([01]\d|2[0-3])([0-5]\d)\b(?!\s*(?:am|pm))", r"\1:\2", cleaned)
    # "in two days", "day after tomorrow": the date itself, so the clock is read on that day
    ahead = _DAYS_AHEAD.search(cleaned)
    if ahead:
        n = 2 if ahead.group("after") else _number(ahead.group("n"))
        day = (base + timedelta(days=n)).strftime("%Y-%m-%d")
        cleaned = cleaned[: ahead.start()] + f" {day} " + cleaned[ahead.end() :]
    cleaned = re.sub(r"\b(\d{1,2})\s*o'?clock\b", r"\1:00", cleaned)
    for word, clock in (("noon", "12:00"), ("midday", "12:00"), ("midnight", "0:00")):
        cleaned = re.sub(rf"\b{word}\b", clock, cleaned)
    simple = read_moment(re.sub(r"[(),;]", " ", cleaned), base)
    if simple is not None:
        return simple.replace(tzinfo=tz)  # type: ignore[arg-type]
    undated = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", " ", cleaned)
    has_clock = re.search(rf"{_CLOCK}|\b\d{{1,2}}\b", undated) is not None
    for part, clock in _DAYPART_TIMES.items():
        if re.search(rf"\b{part}\b", cleaned):
            if not has_clock:
                cleaned = re.sub(rf"\b{part}\b", f" {clock} ", cleaned)
                has_clock = True
            elif part != "tonight":
                cleaned = re.sub(rf"\b{part}\b", " ", cleaned)
    if re.search(r"\btonight\b", cleaned):
        cleaned = re.sub(r"\btonight\b", " today ", cleaned)
    bare = re.fullmatch(r"\s*(\d{1,2})\s*", cleaned)
    if bare:
        cleaned = f"{bare.group(1)}:00"
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        return None
    parsed = dateparser.parse(
        cleaned,
        languages=["en"],
        settings={
            "RELATIVE_BASE": base,
            "PREFER_DATES_FROM": "future",
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if parsed is None:
        return None
    if not has_clock:
        parsed = parsed.replace(hour=9, minute=0, second=0, microsecond=0)
    parsed = parsed.replace(second=0, microsecond=0)
    day_named = re.search(_DAY, cleaned) is not None
    weekday = re.search(r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b", cleaned)
    if weekday and parsed - timedelta(days=7) > base:
        parsed -= timedelta(days=7)  # "back Saturday 14:00" said early on Saturday is today
    if not day_named and parsed <= base:
        parsed += timedelta(days=1)  # "back at 9" said at 18:00 means tomorrow
    return parsed.replace(tzinfo=tz)  # type: ignore[arg-type]


def find_return_time(
    text: str, *, recorded_at: datetime | None, default_tz: str | None = None
) -> tuple[str, datetime | None] | None:
    """(phrase as said, resolved time) when the sentence says when the author is back."""
    text = re.sub(r"\.{3}|…", " ", text)  # "I'm back... Monday": a pause, not a sentence end
    text = _SPOKEN_NOISE.sub("", text)  # "back um wednesday": a filler is not a word said
    text = re.sub(r"\b([ap])\s+m\b", r"\1m", text, flags=re.I)  # "five a m"
    text = drop_corrected_days(text)  # "back saturday no sorry sunday": the day taken back
    if re.search(r"\btomorrow\b.*\bday\s+after\b(?!\s+tomorrow)", text, re.I):
        # "off tomorrow, back the day after"
        text = re.sub(r"\bday\s+after\b", "day after tomorrow", text, flags=re.I)
    for m in _CUE_RE.finditer(text):
        if _NOT_RETURN_BEFORE.search(text[: m.start()]):
            continue
        when = m.group("when").strip(" .,")
        # Stop at the next clause that is about something else ("..., then I'll ...").
        when = re.split(r",\s+(?:and|then|but|so)\b|\s+(?:and|but)\s+(?:I|we)\b|\s+but\s", when)[
            0
        ].strip(" ,")
        when = _with_later_zone(when, text[m.start("when") + len(when) :])
        for phrase in _candidates(when):
            resolved = resolve_time(phrase, recorded_at=recorded_at, default_tz=default_tz)
            if resolved is not None:
                return phrase, resolved
    return None


_SPOKEN_NOISE = re.compile(r"\b(?:um+|uh+|uhm|erm)\b[,\s]*", re.I)
# "Tuesday 9:15 but working from Vancouver that week, so Pacific time": the zone said later
_LATER_ZONE = re.compile(r"\b((?:[\w'-]+\s+){1,2}time)\b", re.I)


def _with_later_zone(when: str, rest: str) -> str:
    """The return phrase with the zone a later clause of the sentence names, when it names none."""
    if phrase_zone(when)[0] is not None:
        return when
    for m in _LATER_ZONE.finditer(rest):
        for words in (" ".join(m.group(1).split()[-2:]), m.group(1)):
            if phrase_zone(words)[0] is not None:
                return f"{when} {words}"
    return when


# "Monday, no, Tuesday ten"; spoken, "six no sorry seven in the morning"
_CORRECTION = re.compile(
    r"^.*\b(?:no|sorry|I\s+mean|actually|rather)\s*,\s*|"
    r"^.*\b(?:no\s+sorry|no\s+wait|sorry|I\s+mean)\s+(?=(?:\d|one|two|three|four|five|six|seven|"
    r"eight|nine|ten|eleven|twelve|half|quarter)\b)",
    re.I,
)
# "Sunday 20:00 for the night shift": what the time is for, not part of it
_AFTER_TIME = re.compile(
    r"\s+(?:for|because|since|so|as|when|after|before|to|if|unless)\s+(?:the|a|an|my|our|I|we)\b.*$",
    re.I,
)


_UP_TO_CLOCK = re.compile(
    r"^(.{0,40}?\b\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|h)?)(?=\s+[a-z])", re.I
)
_TRAILING_WORDS = re.compile(
    r"[,\s]+(?:instead|then|again|as\s+planned|as\s+usual|hopefully|probably|I\s+think|"
    r"at\s+the\s+latest|latest)\s*$",
    re.I,
)


def _candidates(when: str) -> list[str]:
    """The words after a return cue, then shorter readings of them: after a self-correction
    ("Monday, no, Tuesday ten" -> "Tuesday ten"), without an aside in parentheses, and cut at
    each comma from the right ("Tuesday ten, Milan time, Monday's a holiday")."""
    corrected = _CORRECTION.sub("", when)
    said_day = re.match(rf"\s*({_DAY})", when, re.I)
    if corrected != when and said_day and not re.search(_DAY, corrected, re.I):
        # "Monday at eight, no, half eight": the correction changes the hour, not the day
        corrected = f"{said_day.group(1)} {corrected}"
    corrected = _TRAILING_WORDS.sub("", corrected)  # "Tuesday 08:00 Brasília time instead"
    zoned = re.match(r"^(.{3,60}?\btime)\s+\S", corrected)
    if zoned:  # spoken, unpunctuated: "wednesday at ten santiago time anything urgent goes ..."
        corrected = zoned.group(1)
    bases = (corrected, when) if corrected != when else (when,)
    out = list(bases)
    out.extend(_AFTER_TIME.sub("", b) for b in bases)
    # "Tomorrow, 6am early shift": what follows the clock says what the time is for
    out.extend(m.group(1) for b in bases if (m := _UP_TO_CLOCK.match(b)))
    for base in bases:
        plain = " ".join(re.sub(r"\([^)]*\)", " ", base).split())
        out.append(plain)
        pieces = plain.split(",")
        out.extend(",".join(pieces[:n]).strip() for n in range(len(pieces) - 1, 0, -1))
    # a zone word the tables lack ("Tue 8:30 Kiwi time"): the time in the recording's zone beats
    # no time at all
    said = list(out)
    out.extend(re.sub(r"[,\s]+[\w'-]+\s+time\s*$", "", p) for p in said)
    out.extend(re.sub(r"[,\s]+[\w'-]+\s+[\w'-]+\s+time\s*$", "", p) for p in said)
    return list(dict.fromkeys(p for p in out if p))
