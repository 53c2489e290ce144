"""Template answers after an arrow, Slack shortcodes, a continental hour, faults and outside
deliveries as blockers, and the one who comes to fix it. Each example is worded for this test,
not copied from an evaluation set."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from handoff.declaration import Declaration
from ingest.text import transcript_from_text
from summarizer import owners
from summarizer.base import ExtractionContext
from summarizer.blocks import arrow_label
from summarizer.clauses import clauses
from summarizer.labels import label_part
from summarizer.markers import with_emoji
from summarizer.normalize import expand_shorthand
from summarizer.offline import OfflineExtractor
from summarizer.people import PeopleIndex
from summarizer.returns import resolve_time
from summarizer.rules import part_of, stated_empty
from summarizer.status_words import status_of
from summarizer.tables import row_width

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


def test_table_rows_run_together_without_a_rule_line_are_cut_by_their_width() -> None:
    assert row_width(["Area", "State", "", "Dock", "done", "", "Gate", "open"]) == 2
    assert row_width(["a", "b", "c"]) == 3  # no empty cell between rows: one row
    decl = extract(
        "| Task | Status |\n| Dock lights | done |\n| Gate sensor | in progress |\n"
        "| Fence repair | blocked |"
    )
    assert [s.summary for s in decl.shipped] == ["Dock lights"]
    assert {i.item for i in decl.in_flight} >= {"Gate sensor"}


def test_lettered_items_are_lines_of_their_own() -> None:
    decl = extract(
        "a) finished: the rota export\nb) in progress: shift swap form\nc) blocked: not really"
    )
    assert [s.summary for s in decl.shipped] == ["the rota export"]
    assert [i.item for i in decl.in_flight] == ["shift swap form"]


def test_where_the_author_will_be_is_no_action() -> None:
    decl = extract("Back Mon 9:30 — I'll be working from Halifax so that's Atlantic time.")
    assert not decl.next_actions and decl.returns_at_iso is not None


def test_who_holds_the_item_just_named_is_part_of_it() -> None:
    decl = extract("In review: the tariff loader PR, Ruth Okafor has it.")
    assert [i.item for i in decl.in_flight] == ["tariff loader PR"]


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("The gaskets are on backorder with PumpWorks, their rep says next week.", "PumpWorks"),
        ("The spare drum is on order from Cortex Supply.", "Cortex Supply"),
        (
            "the new hoist we ordered from harbour rigging still hasn't come in so we wait",
            "harbour rigging",
        ),
        ("Lift 2 is dead, the service team knows, they must fit a new motor.", "service team"),
    ],
)
def test_a_supplier_or_the_team_meant_by_they_clears_it(text: str, who: str) -> None:
    assert owners.resolver(text, people=PeopleIndex(), exclude=set()) == who


@pytest.mark.parametrize(
    ("run", "expected"),
    [
        # a subject after a noun phrase, with a verb in the past, says which thing
        (
            "the rack is half up and the new crate we ordered from uh delta freight still hasn't "
            "arrived",
            ["the rack is half up", "and the new crate we ordered from uh delta freight still "
             "hasn't arrived"],
        ),
        # "also" after its subject is no marker
        (
            "so the audit went out we also finished moving the archive boxes to the basement",
            ["so the audit went out", "we also finished moving the archive boxes to the basement"],
        ),
    ],
)  # fmt: skip
def test_spoken_runs_cut_where_a_new_clause_starts(run: str, expected: list[str]) -> None:
    assert [c.raw for c in clauses(run)] == expected


def test_a_closure_with_its_reason_is_a_decision() -> None:
    assert part_of("we're closing the east lift tomorrow because the wind is too strong") == (
        "decisions"
    )
    assert part_of("we're closing the ticket tomorrow") != "decisions"


def test_a_delivery_not_shipped_is_no_empty_part() -> None:
    assert "shipped" not in stated_empty("the new pallet jack still hasn't shipped")
    assert "shipped" in stated_empty("I haven't shipped anything today")
    assert "shipped" in stated_empty("didn't ship anything, meetings all day")


def test_a_spoken_duty_after_other_news_is_not_the_blockers_resolver() -> None:
    decl = extract(
        "uh so the replacement pump we ordered from aqua parts still hasn't shipped so we're "
        "waiting on them we're closing pool two tomorrow because the water is cloudy and the "
        "night crew should drain the filter"
    )
    assert decl.blockers and decl.blockers[0].needed_from == "aqua parts"
    assert any(a.owner == "night crew" for a in decl.next_actions)


@pytest.mark.parametrize(
    "sentence",
    ["It goes into the API gateway instead.", "We'll use the spare cluster instead."],
)
def test_the_course_taken_in_place_of_another_is_a_decision(sentence: str) -> None:
    assert part_of(sentence) == "decisions"


def test_a_decided_table_row_whose_note_is_the_call() -> None:
    decl = extract(
        "| item | state | note |\n|---|---|---|\n"
        "| status page | decided | we'll host it ourselves on the spare cluster |\n"
        "| backups | decided | nightly, because the vendor charges per snapshot |"
    )
    said = {d.decision: d.rationale for d in decl.decisions}
    assert said["we'll host it ourselves on the spare cluster (status page)"] is None
    assert "vendor charges per snapshot" in (said.get("backups") or "")


@pytest.mark.parametrize(
    ("heading", "part"),
    [
        ("On the rails", "in_flight"),
        ("Turned down", "decisions"),
        ("Snags", "blockers"),
        ("Gotchas", "blockers"),
        ("Online again", "returns_at"),
    ],
)
def test_more_heading_words(heading: str, part: str) -> None:
    assert label_part(heading) == part


def test_a_shrug_under_a_heading_states_the_part_empty() -> None:
    decl = extract("Snags:\n- none really\nNext:\n- Ana restocks the bar")
    assert "blockers" in decl.stated_empty and not decl.blockers and not decl.in_flight


def test_a_reviewer_with_an_accented_name_puts_work_in_review() -> None:
    assert status_of("Changelog for the freeze — Jiří Kratochvíl is reviewing") == "in_review"


@pytest.mark.parametrize("said", ["will review tmr morning", "back tmrw 9", "2moro I start"])
def test_chat_shorthand_for_tomorrow(said: str) -> None:
    assert "tomorrow" in expand_shorthand(said)


def test_leaving_after_a_decision_does_not_continue_it() -> None:
    decl = extract(
        "We decided to ship the synonyms without the Polish list. Off now, see you Monday 10:00."
    )
    assert decl.decisions[0].decision == "ship the synonyms without the Polish list"
    assert decl.returns_at_iso is not None and decl.returns_at_iso.weekday() == 0


def test_work_still_going_on_is_in_flight() -> None:
    assert status_of("prod-c still draining, half the nodes moved") == "in_progress"
    assert status_of("still waiting on the vendor") != "in_progress"
    assert "in_flight" in stated_empty("nothing left open on my side")


def test_a_bold_label_then_a_dash_reads_as_the_label() -> None:
    decl = extract(
        "**shipped** — the SAML login for payroll (IAM-212)\n**back** — in two days, 08:00"
    )
    assert decl.shipped[0].summary.startswith("the SAML login")
    assert decl.returns_at_iso is not None


def test_table_states_for_stopped_machines_and_work_not_begun() -> None:
    decl = extract(
        "| Job | State | Note |\n|---|---|---|\n| Crane QC-3 | stopped | hoist brake fault |\n"
        "| Yard re-stack | not begun | |\n| Panel K-88 | waiting for discs | |"
    )
    status = {i.item: i.status for i in decl.in_flight}
    assert status["Crane QC-3"] == "blocked" and status["Yard re-stack"] == "not_started"
    assert any("hoist brake fault" in b.description for b in decl.blockers)
    assert any("waiting for discs" in b.description for b in decl.blockers)
