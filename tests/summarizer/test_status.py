"""Partly done or mitigated-but-open work is one item in flight, nothing shipped."""

from __future__ import annotations

import pytest

from ingest.text import transcript_from_text
from summarizer import status_words
from summarizer.base import ExtractionContext
from summarizer.offline import OfflineExtractor
from summarizer.status import one_item


def extract(text: str):  # type: ignore[no-untyped-def]
    return OfflineExtractor().extract(transcript_from_text(text), ExtractionContext(author="Ola"))


def test_one_part_done_the_other_not_is_one_item_in_progress() -> None:
    decl = extract("Ferry importer: the parser is done, the scheduler isn't.")
    assert decl.shipped == []
    assert [(i.item, i.status) for i in decl.in_flight] == [("Ferry importer", "in_progress")]


def test_mitigated_but_open_is_in_flight_not_shipped() -> None:
    decl = extract(
        "The tide feed is mitigated (we cached yesterday's data) but the fix is still open."
    )
    assert decl.shipped == []
    assert [(i.item, i.status) for i in decl.in_flight] == [("tide feed", "in_progress")]


def test_a_self_correction_is_not_a_partial_item() -> None:
    line = "the ferry importer is done, sorry, not done, it's blocked"
    assert one_item(line) == line


def test_labels_other_than_in_flight_are_left_alone() -> None:
    line = "Next: the parser is done, the scheduler isn't"
    assert one_item(line) == line


def test_a_denied_status_is_not_the_status() -> None:

    assert status_words.status_of("the tile cache isn't done") is None
    assert status_words.status_of("it's not in review yet, it's still in progress") == "in_progress"


def test_a_decision_not_taken_or_taken_back_is_no_decision() -> None:
    decl = extract("We decided, no, scratch that, we haven't decided on the cache size yet.")
    assert decl.decisions == []


def test_a_pronoun_clause_after_a_shipped_item_is_the_same_item() -> None:
    decl = extract("Finished the fjord tile importer; it's live behind the beta flag.")
    assert len(decl.shipped) == 1


def test_name_colon_detail_under_an_in_flight_heading_is_the_named_item() -> None:
    decl = extract(
        "## In progress\n- **Tile cache**: reader done, writer still slow\n"
        "- **Ferry export**: in review, PR #77\n"
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [
        ("Tile cache", "in_progress"),
        ("Ferry export", "in_review"),
    ]
    assert decl.shipped == []


def test_with_no_item_named_first_the_clause_in_progress_is_the_item() -> None:
    decl = extract(
        "The reader is migrated; the writer is not, so the tile migration is still in progress."
    )
    assert decl.shipped == []
    assert [i.status for i in decl.in_flight] == ["in_progress"]
    assert "tile migration" in decl.in_flight[0].item


def test_one_part_done_and_the_rest_still_running_is_in_flight() -> None:
    decl = extract("Pallets for bay 2 wrapped and done, the bay 3 ones still need strapping.")
    assert decl.shipped == []
    assert len(decl.in_flight) == 1 and decl.in_flight[0].status == "in_progress"


@pytest.mark.parametrize(
    "line",
    [
        "The grant report is with Dr Osei for comments.",
        "Tender pack: drafted, Chen's proofreading it.",
        "The rota change is with the works committee.",
        "The kiosk build: Amara has it for testing.",
        "Quarterly figures — Tomasz reviewing before they go out.",
    ],
)
def test_someone_checking_the_work_puts_it_in_review(line: str) -> None:
    decl = extract(line)
    assert [i.status for i in decl.in_flight] == ["in_review"]


def test_work_named_after_its_testing_is_not_in_review() -> None:
    decl = extract("Exploratory testing of the kiosk flow is in progress.")
    assert [i.status for i in decl.in_flight] == ["in_progress"]


@pytest.mark.parametrize(
    "line", ["Reel 6 splices half repaired.", "The intake forms are half entered."]
)
def test_half_done_work_is_in_progress(line: str) -> None:
    decl = extract(line)
    assert decl.shipped == [] and [i.status for i in decl.in_flight] == ["in_progress"]
