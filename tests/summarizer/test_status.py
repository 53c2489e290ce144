"""Partly done or mitigated-but-open work is one item in flight, nothing shipped."""

from __future__ import annotations

from ingest.text import transcript_from_text
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
