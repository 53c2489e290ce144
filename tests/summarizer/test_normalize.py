"""Spoken wraps into readable text: numbers, corrections, fillers, times."""

from __future__ import annotations

import pytest

from summarizer.base import Person, Vocabulary
from summarizer.normalize import normalize, spoken_number
from summarizer.people import PeopleIndex


@pytest.mark.parametrize(
    ("words", "digits"),
    [("sixty six oh one", "6601"), ("three hundred and four", "304"), ("seven seventy", "770"),
     ("forty four seventeen", "4417"), ("twenty one oh nine", "2109"),
     ("fourteen hundred", "1400")],
)  # fmt: skip
def test_spoken_numbers(words: str, digits: str) -> None:
    assert spoken_number(words) == digits


@pytest.mark.parametrize(
    ("said", "read"),
    [
        ("Uh, PR sixty six oh one is open.", "PR #6601 is open."),
        ("OPS seven seventy one is done", "OPS-771 is done"),
        ("back at half past eight", "back at 8:30"),
        ("online at fourteen hundred UTC", "online at 14:00 UTC"),
        ("in at ten a.m. eastern", "in at 10am eastern"),
        ("about forty percent done", "about 40% done"),
        ("the, the dark mode toggle shipped", "the dark mode toggle shipped"),
        ("Deployed the PDF service — actually no, that's still in review.",
         "the PDF service is still in review."),
    ],
)  # fmt: skip
def test_normalize(said: str, read: str) -> None:
    assert normalize(said) == read


def test_people_resolve_spellings_and_handles() -> None:
    people = PeopleIndex(
        vocabulary=Vocabulary(people=(Person("Siobhan"), Person("Li Wei", handle="li")))
    )
    assert people.canonical("Shivon") == "Siobhan"
    assert people.canonical("@li") == "Li Wei"
    assert people.canonical("Marco") == "Marco"


def test_spoken_amounts_with_units_are_never_clock_times() -> None:
    from summarizer.normalize import normalize

    assert (
        normalize("the tiles are three hundred megabytes now") == "the tiles are 300 megabytes now"
    )
    assert normalize("we cut it to twenty five megabytes") == "we cut it to 25 megabytes"
    assert normalize("we had two hundred and fifty users") == "we had 250 users"
    assert normalize("it peaks at ten thousand events a minute") == (
        "it peaks at 10000 events a minute"
    )
    assert normalize("deployed at fourteen hundred") == "deployed at 14:00"
    assert normalize("back at nine thirty") == "back at 9:30"
