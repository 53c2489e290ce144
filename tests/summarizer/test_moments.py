"""The moment reader: a return time is the next matching moment after the wrap, in its zone.

The sweep is property-style: for every weekday named, several ways of saying the hour, several
zones (including ones far from the recording's) and every day of a recording week at two times of
day, the resolved moment must be after the recording, within seven days, on the named weekday, at
the named hour, in the named zone.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from summarizer.moments import read_moment
from summarizer.normalize import normalize
from summarizer.returns import find_return_time, resolve_time

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# (how the hour is said, the 24-hour clock it means)
PHRASINGS = (
    ("{day} 9", (9, 0)),
    ("{day} nine", (9, 0)),
    ("{day} at ten", (10, 0)),
    ("{day} 10am", (10, 0)),
    ("{day} 2pm", (14, 0)),
    ("{day} 09:30", (9, 30)),
    ("{day} half eight", (8, 30)),
    ("{day} morning", (9, 0)),
    ("{day} evening", (18, 0)),
    ("{day}", (9, 0)),
)
ZONES = (
    ("Berlin time", "Europe/Berlin"),
    ("Auckland time", "Pacific/Auckland"),
    ("HST", "Pacific/Honolulu"),
    ("", None),  # no zone named: the recording's
)
# A recording week that crosses no daylight-saving change in these zones, early and late each day.
RECORDINGS = [
    datetime(2026, 11, 23, hour, 15, tzinfo=ZoneInfo("Asia/Singapore")) + timedelta(days=d)
    for d in range(7)
    for hour in (8, 19)
]


@pytest.mark.parametrize(
    ("day", "phrasing", "zone"),
    list(itertools.product(DAYS, PHRASINGS, ZONES)),
)
def test_weekday_and_hour_resolve_to_the_next_matching_moment(
    day: str, phrasing: tuple[str, tuple[int, int]], zone: tuple[str, str | None]
) -> None:
    said, (hour, minute) = phrasing
    zone_words, zone_name = zone
    phrase = f"{said.format(day=day)} {zone_words}".strip()
    for recorded_at in RECORDINGS:
        got = resolve_time(phrase, recorded_at=recorded_at)
        assert got is not None, phrase
        local = got.astimezone(ZoneInfo(zone_name)) if zone_name else got
        assert got > recorded_at, (phrase, recorded_at)
        assert got - recorded_at <= timedelta(days=7), (phrase, recorded_at, got)
        assert local.strftime("%A") == day, (phrase, recorded_at, got)
        assert (local.hour, local.minute) == (hour, minute), (phrase, recorded_at, got)


@pytest.mark.parametrize(
    ("phrase", "clock", "days_ahead"),
    [
        ("tomorrow 9", (9, 0), 1),
        ("tomorrow night at ten", (22, 0), 1),
        ("tomorrow afternoon", (14, 0), 1),
        ("tomorrow at 7:45", (7, 45), 1),
        ("tonight at nine", (21, 0), 0),
    ],
)
def test_tomorrow_and_parts_of_the_day(
    phrase: str, clock: tuple[int, int], days_ahead: int
) -> None:
    for recorded_at in RECORDINGS:
        got = resolve_time(phrase, recorded_at=recorded_at)
        assert got is not None
        assert (got.hour, got.minute) == clock
        assert (got.date() - recorded_at.date()).days == days_ahead


def test_a_bare_clock_is_the_next_one() -> None:
    late = datetime(2026, 11, 27, 18, 0)
    assert read_moment("9:00", late) == datetime(2026, 11, 28, 9, 0)
    early = datetime(2026, 11, 27, 7, 0)
    assert read_moment("9:00", early) == datetime(2026, 11, 27, 9, 0)


def test_words_outside_the_grammar_are_left_to_the_caller() -> None:
    assert read_moment("december 3", datetime(2026, 11, 27, 18, 0)) is None


def test_a_spoken_return_time_in_a_sentence() -> None:
    friday_night = datetime(2026, 11, 27, 18, 0, tzinfo=ZoneInfo("Europe/London"))
    found = find_return_time("I'm off now, back Tuesday ten, Milan time.", recorded_at=friday_night)
    assert found is not None
    assert found[1] == datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Rome"))


def test_a_corrected_day_an_aside_and_a_trailing_clause_are_read_past() -> None:
    thursday = datetime(2026, 3, 12, 18, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    found = find_return_time(
        "back Friday, no, Saturday nine, Lisbon time, Friday is a holiday", recorded_at=thursday
    )
    assert found is not None
    assert found[1] == datetime(2026, 3, 14, 9, 0, tzinfo=ZoneInfo("Europe/Lisbon"))
    aside = find_return_time(
        "back Monday 9:00 Oslo time (at the dentist first)", recorded_at=thursday
    )
    assert aside is not None
    assert aside[1] == datetime(2026, 3, 16, 9, 0, tzinfo=ZoneInfo("Europe/Oslo"))


def test_a_pause_after_back_keeps_the_time_with_its_cue() -> None:
    from ingest.text import transcript_from_text
    from summarizer.base import ExtractionContext
    from summarizer.offline import OfflineExtractor

    thursday = datetime(2026, 3, 12, 18, 0, tzinfo=ZoneInfo("Europe/Oslo"))
    decl = OfflineExtractor().extract(
        transcript_from_text("Parser merged. I'm back... Monday, no, Tuesday ten, Oslo time."),
        ExtractionContext(author="Ola", recorded_at=thursday),
    )
    assert decl.returns_at_iso == datetime(2026, 3, 17, 10, 0, tzinfo=ZoneInfo("Europe/Oslo"))


@pytest.mark.parametrize(
    ("said", "expected"),
    [
        # a dotted clock, "next <weekday>" and "this <weekday>", a.m. with dots
        ("I'm back Monday 9.30", datetime(2026, 12, 7, 9, 30)),
        ("back next Tuesday at 10", datetime(2026, 12, 8, 10, 0)),
        ("back this Sunday at 8", datetime(2026, 12, 6, 8, 0)),
        ("back Monday 9 a.m.", datetime(2026, 12, 7, 9, 0)),
    ],
)
def test_clock_and_day_spellings_resolve_to_the_next_moment(said: str, expected: datetime) -> None:
    rec = datetime(2026, 12, 4, 17, 30, tzinfo=ZoneInfo("Europe/Madrid"))  # a Friday
    found = find_return_time(normalize(said), recorded_at=rec)
    assert found is not None and found[1] is not None
    assert found[1].replace(tzinfo=None) == expected


@pytest.mark.parametrize(
    ("city", "zone"),
    [("Quito", "America/Guayaquil"), ("Doha", "Asia/Qatar"), ("Wellington", "Pacific/Auckland"),
     ("Lahore", "Asia/Karachi"), ("Houston", "America/Chicago")],
)  # fmt: skip
def test_cities_that_are_not_zone_names_still_name_their_zone(city: str, zone: str) -> None:
    rec = datetime(2026, 12, 4, 17, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    found = find_return_time(normalize(f"back Monday eight, {city} time"), recorded_at=rec)
    assert found is not None and found[1] is not None
    assert found[1].tzinfo == ZoneInfo(zone)
    assert found[1].replace(tzinfo=None) == datetime(2026, 12, 7, 8, 0)


def test_a_dotted_clock_in_another_sentence_is_not_a_return() -> None:
    rec = datetime(2026, 12, 4, 17, 30, tzinfo=ZoneInfo("Europe/Madrid"))
    assert find_return_time("the queue drained by 9.30 and then I left", recorded_at=rec) is None


def test_a_zone_word_nobody_knows_still_leaves_the_time() -> None:
    rec = datetime(2026, 12, 5, 18, 40, tzinfo=ZoneInfo("Pacific/Auckland"))  # a Saturday
    found = find_return_time("back Tue 8:30 Kiwi time", recorded_at=rec)
    assert found is not None and found[1] is not None
    assert found[1].replace(tzinfo=None) == datetime(2026, 12, 8, 8, 30)
    nz = find_return_time("back Tue 8:30 NZ time", recorded_at=rec)
    assert nz is not None and nz[1] is not None and nz[1].tzinfo == ZoneInfo("Pacific/Auckland")


def test_a_day_taken_back_without_commas_is_dropped() -> None:
    from summarizer.moments import drop_corrected_days

    assert drop_corrected_days("i'm back saturday no sorry sunday at ten") == (
        "i'm back sunday at ten"
    )
    assert drop_corrected_days("back Monday, no, Tuesday ten") == "back Tuesday ten"


def test_words_after_a_clock_say_what_it_is_for() -> None:
    at = datetime(2026, 12, 2, 18, 15, tzinfo=ZoneInfo("Europe/London"))
    found = find_return_time("back tomorrow, 6am early shift", recorded_at=at)
    assert found is not None and found[1] == datetime(
        2026, 12, 3, 6, 0, tzinfo=ZoneInfo("Europe/London")
    )


@pytest.mark.parametrize("said", ["I'm next in Saturday 11am.", "In again Saturday at 11am."])
def test_next_in_and_in_again_say_when_the_author_is_back(said: str) -> None:
    at = datetime(2026, 11, 19, 22, 40, tzinfo=ZoneInfo("Australia/Sydney"))
    found = find_return_time(said, recorded_at=at)
    assert found is not None and found[1] == datetime(
        2026, 11, 21, 11, 0, tzinfo=ZoneInfo("Australia/Sydney")
    )
