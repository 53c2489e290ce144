"""Decisions said as a course set for a while, a sentence that takes back the one before it,
less common list markers, and the present said for tomorrow. Each example is worded for this
test, not copied from an evaluation set."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handoff.declaration import Declaration
from ingest.text import split_sentences, transcript_from_text
from summarizer.base import ExtractionContext
from summarizer.labels import label_part
from summarizer.offline import OfflineExtractor
from summarizer.rationale import split_rationale
from summarizer.rules import part_of
from summarizer.status_words import status_of

WHEN = datetime(2026, 12, 8, 17, 0, tzinfo=ZoneInfo("Europe/Oslo"))


def extract(text: str) -> Declaration:
    context = ExtractionContext(author="Ines Moe", recorded_at=WHEN)
    return OfflineExtractor().extract(transcript_from_text(text), context)


@pytest.mark.parametrize(
    "line",
    [
        "We'll stop taking walk-in repairs for now, since the bench is full.",
        "Skip the north hedge this season, there are nests in it.",
        "We're dropping paper sign-in sheets from January on, the tablets are faster.",
        "We are staying with the old courier because the new one lost two parcels.",
        "We switched the triage card back to the short version, nurses preferred it.",
    ],
)
def test_a_course_set_for_a_while_is_a_decision(line: str) -> None:
    decl = extract(line)
    assert len(decl.decisions) == 1 and decl.decisions[0].rationale


@pytest.mark.parametrize(
    "line",
    ["We stopped the pump at three.", "I'll skip lunch.", "The crane stays with us for now."],
)
def test_stopping_something_once_or_keeping_work_is_no_decision(line: str) -> None:
    assert part_of(line) != "decisions"


def test_a_spaced_hyphen_gives_the_reason() -> None:
    assert split_rationale("we stop taking pigeons for now - no space") == (
        "we stop taking pigeons for now",
        "no space",
    )


@pytest.mark.parametrize("heading", ["Calls you made today?", "Any calls you took?"])
def test_calls_made_headings_introduce_decisions(heading: str) -> None:
    assert label_part(heading) == "decisions"


def test_a_sentence_that_takes_back_the_one_before_replaces_it() -> None:
    decl = extract(
        "We're switching to the cheaper resin since the old one yellowed. "
        "Actually no, scrap that, we stay with the old resin because the cheap one cracks in frost."
    )
    assert [d.decision for d in decl.decisions] == ["we stay with the old resin"]
    assert decl.decisions[0].rationale == "the cheap one cracks in frost"


def test_a_retraction_keeps_the_part_of_what_it_corrects() -> None:
    decl = extract("Shipped the tide tables. Wait, no, the tide tables are still in review.")
    assert decl.shipped == []
    assert [(i.item, i.status) for i in decl.in_flight] == [("tide tables", "in_review")]


def test_less_common_list_markers_start_lines() -> None:
    text = (
        "+ kiln 2 relined\n~ glaze tests, half done\n= skip the raku firing this round, too windy"
    )
    assert split_sentences(text) == [
        "+ kiln 2 relined",
        "~ glaze tests, half done",
        "= skip the raku firing this round, too windy",
    ]
    decl = extract(text)
    assert [s.summary for s in decl.shipped] == ["kiln 2 relined"]
    assert [i.item for i in decl.in_flight] == ["glaze tests"]
    assert [d.decision for d in decl.decisions] == ["skip the raku firing this round"]


@pytest.mark.parametrize(
    ("line", "part"),
    [
        ("Sanna does the morning feeds tomorrow", "next_actions"),
        ("I fly out tomorrow", None),
        ("Mira took the van out tomorrow", None),
    ],
)
def test_the_present_said_for_tomorrow_is_a_plan(line: str, part: str | None) -> None:
    assert part_of(line) == part


def test_a_symbol_then_a_label_of_its_own_reads_as_that_label() -> None:
    decl = extract(
        "🎉 Out the door: 40 crates of seedlings\n🙅 Stuck: nada\n🔸 Next week rota: drafted"
    )
    assert [s.summary for s in decl.shipped] == ["40 crates of seedlings"]
    assert "blockers" in decl.stated_empty
    assert all("rota" not in a.action for a in decl.next_actions)


@pytest.mark.parametrize(
    "line", ["no slots for the big trucks till January", "No stock of the 6 mm rods until Friday"]
)
def test_nothing_to_be_had_until_a_date_is_a_blocker(line: str) -> None:
    assert part_of(line) == "blockers"


def test_a_clause_saying_who_needs_it_is_the_reason() -> None:
    assert split_rationale("Public skating cut to two sessions, the tournament needs the ice") == (
        "Public skating cut to two sessions",
        "the tournament needs the ice",
    )


def test_the_sentence_after_a_decision_saying_who_wanted_it_is_its_reason() -> None:
    decl = extract("Decision: we keep the original tint. The archive board wants it untouched.")
    assert [(d.decision, d.rationale) for d in decl.decisions] == [
        ("we keep the original tint", "The archive board wants it untouched")
    ]


def test_a_title_with_its_byline_names_no_item() -> None:
    decl = extract("*Daily Standup* — Asha Verma — 20/11\n*Done* kiln 2 relined.")
    assert decl.in_flight == []
    assert [s.summary for s in decl.shipped] == ["kiln 2 relined"]


@pytest.mark.parametrize(
    ("line", "status"),
    [("The pressure test passed on the second try", "done"), ("the rota passed to Kai", None)],
)
def test_a_test_that_passed_is_done(line: str, status: str | None) -> None:
    assert status_of(line) == status


def test_did_labels_done_work() -> None:
    assert label_part("did") == "shipped"
