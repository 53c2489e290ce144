"""Template answers after an arrow, Slack shortcodes, a continental hour, faults and outside
deliveries as blockers, and the one who comes to fix it. Each example is worded for this test,
not copied from an evaluation set."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handoff.declaration import Declaration
from ingest.text import transcript_from_text
from summarizer.base import ExtractionContext
from summarizer.blocks import arrow_label
from summarizer.markers import with_emoji
from summarizer.offline import OfflineExtractor
from summarizer.returns import resolve_time
from summarizer.rules import part_of

WHEN = datetime(2026, 12, 8, 17, 30, tzinfo=ZoneInfo("Asia/Jakarta"))


def extract(text: str) -> Declaration:
    context = ExtractionContext(author="Dewi Lestari", recorded_at=WHEN)
    return OfflineExtractor().extract(transcript_from_text(text), context)


def test_a_template_answered_after_arrows_fills_each_part() -> None:
    decl = extract(
        "Daily bot, Dewi answers:\n"
        "- Completed? → the invoice PDF footer fix, released in 4.2 (FIN-310)\n"
        "- Open? → supplier import, maybe half way\n"
        "- Stuck? → no\n"
        "- Chosen anything? → we drop the CSV export, only two customers used it\n"
        "- Plan → I finish the supplier import\n"
        "- Return → tomorrow 8h"
    )
    assert next(s.summary for s in decl.shipped).startswith("the invoice PDF footer fix")
    assert [i.item for i in decl.in_flight] == ["supplier import"]
    assert "blockers" in decl.stated_empty and not decl.blockers
    assert decl.decisions and decl.decisions[0].rationale
    assert decl.next_actions and decl.next_actions[0].owner == "Dewi Lestari"
    assert decl.returns_at_iso == datetime(2026, 12, 9, 8, 0, tzinfo=WHEN.tzinfo)


def test_an_arrow_after_words_that_label_no_part_is_no_label() -> None:
    assert arrow_label("- Plan → I finish the import") is not None
    assert arrow_label("API → DB sync job") is None


def test_slack_shortcodes_are_the_status_emoji() -> None:
    assert with_emoji(":white_check_mark: invoices sent") == "✅ invoices sent"
    assert (
        with_emoji("at 10:30: nothing :not_a_shortcode:") == "at 10:30: nothing :not_a_shortcode:"
    )
    decl = extract(
        ":white_check_mark: the quarterly invoices sent\n"
        ":no_entry: label printer jams on every third sheet\n"
        ":arrow_right: Bayu restocks the label rolls\n"
        ":zzz: back Thursday 07:00"
    )
    assert decl.shipped and decl.blockers and decl.next_actions
    assert decl.next_actions[0].owner == "Bayu"
    assert decl.returns_at_iso is not None


@pytest.mark.parametrize(
    ("phrase", "hour", "day"),
    [("tomorrow 9h", 9, 9), ("thursday 14h", 14, 10), ("friday 7h30", 7, 11)],
)
def test_an_hour_said_the_continental_way(phrase: str, hour: int, day: int) -> None:
    when = resolve_time(phrase, recorded_at=WHEN)
    assert when is not None and (when.day, when.hour) == (day, hour)


@pytest.mark.parametrize(
    "sentence",
    [
        "The walk-in freezer door keeps tripping the breaker.",
        "Spare fuser unit is on order, the printer stays off till it comes.",
        "The replacement valves are on backorder with Hydrotek.",
        "The sound desk crackles on channel 4.",
        "There's a fault on the north gate motor.",
        "The new pallet jack still hasn't shipped.",
        "The site licence is still not renewed.",
        "They must swap the relay before we can power the kiln again.",
    ],
)
def test_a_fault_or_a_late_delivery_is_a_blocker(sentence: str) -> None:
    assert part_of(sentence) == "blockers"


@pytest.mark.parametrize(
    "sentence",
    [
        "Fixed the leaking tap in room 3.",
        "I ordered the spare fuser this morning.",
        "We ran the full regression before the release, all green.",
    ],
)
def test_fixed_faults_and_our_own_orders_are_no_blockers(sentence: str) -> None:
    assert part_of(sentence) != "blockers"


def test_the_one_who_comes_to_fix_it_clears_the_blocker() -> None:
    decl = extract(
        "Blocked: the dough sheeter belt slips under load. Joko Santoso from Mesin Jaya comes "
        "to replace it on Friday."
    )
    assert len(decl.blockers) == 1
    assert decl.blockers[0].needed_from == "Joko Santoso"


def test_a_pause_kept_open_is_one_item() -> None:
    decl = extract(
        "In flight: the loyalty banner is paused, marketing says not now but keep the ticket open."
    )
    assert [i.item for i in decl.in_flight] == ["loyalty banner"]
    assert not decl.shipped
