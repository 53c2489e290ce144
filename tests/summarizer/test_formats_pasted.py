"""Formats people paste (issue 20): stand-up templates with their own question wordings, quoted bot
questions, a question and its answer on one line, emoji lines with markers the table lacks,
headings that name no part; and chat threads whose facts are spread over questions and answers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ingest.text import transcript_from_text
from ingest.transcript import Segment, Transcript
from summarizer.base import ExtractionContext
from summarizer.blocks import restructure
from summarizer.chat import question
from summarizer.offline import OfflineExtractor

WHEN = datetime(2026, 4, 16, 18, 0, tzinfo=ZoneInfo("Africa/Nairobi"))  # a Thursday


def lines(text: str) -> list[str]:
    return [s.text for s in restructure(transcript_from_text(text).segments)]


def extract(text: str, author: str = "Wanjiku"):  # type: ignore[no-untyped-def]
    context = ExtractionContext(author=author, recorded_at=WHEN)
    return OfflineExtractor().extract(transcript_from_text(text), context)


def extract_chat(messages: list[tuple[str, str]], author: str):  # type: ignore[no-untyped-def]
    segments = [Segment(text=text, speaker=who) for who, text in messages]
    transcript = Transcript(text="\n".join(t for _, t in messages), segments=segments)
    return OfflineExtractor().extract(
        transcript, ExtractionContext(author=author, recorded_at=WHEN)
    )


def test_quoted_bot_questions_are_headings_not_items() -> None:
    decl = extract(
        "> What did you wrap up since yesterday?\nThe matatu fare calculator went live.\n"
        "> What's on your plate now?\nThe route heatmap: bus stops work, boda stages don't yet.\n"
        "> Is anything holding you up?\nNope, all clear.\n"
    )
    assert [s.summary for s in decl.shipped] == ["The matatu fare calculator went live"]
    assert [(i.item, i.status) for i in decl.in_flight] == [("route heatmap", "in_progress")]
    assert decl.blockers == []
    assert "blockers" in decl.stated_empty


def test_a_question_and_its_answer_on_one_line() -> None:
    got = lines(
        "What shipped today: the M-Pesa receipt parser.\n"
        "What's in the way: the sandbox keys expired.\n"
    )
    assert got == ["Shipped: the M-Pesa receipt parser.", "Blockers: the sandbox keys expired."]


def test_a_request_ending_in_a_question_mark_is_not_a_heading() -> None:
    decl = extract("Blockers: none.\nAchieng, can you check the payout job tomorrow?")
    assert [a.owner for a in decl.next_actions] == ["Achieng"]


def test_any_pictograph_starts_a_status_line_and_its_words_say_the_part() -> None:
    decl = extract(
        "✅ Fare cache warmed on all nodes 🧯 Ticket printer outage: mitigated by a spare "
        "printer, root cause not found, still open 🤝 Decided with Otieno: no fare changes "
        "before Easter, because the regulator is reviewing them 📅 back Monday 9"
    )
    assert [s.summary for s in decl.shipped] == ["Fare cache warmed on all nodes"]
    assert [(i.item, i.status) for i in decl.in_flight] == [
        ("Ticket printer outage", "in_progress")
    ]
    assert len(decl.decisions) == 1
    assert decl.returns_at_iso is not None and decl.returns_at_iso.day == 20


def test_a_heading_that_names_no_part_ends_the_previous_part() -> None:
    decl = extract(
        "## Blockers\n- Payout export is blocked; finance must approve the new format\n"
        "## Notes\nThe pilot in Kisumu went well, with 300 riders.\n"
        "The vendor's rep is travelling until the 30th.\n"
    )
    assert len(decl.blockers) == 1
    assert decl.blockers[0].needed_from == "finance"


def test_a_teammates_question_is_structure_for_the_answer() -> None:
    decl = extract_chat(
        [
            ("wanjiku", "end of day from me"),
            ("otieno", "nice. is the fare sync done?"),
            ("wanjiku", "not yet. buses sync, ferries don't, so still in progress"),
            ("otieno", "anything blocking?"),
            (
                "wanjiku",
                "the ferry operator's API needs a signed contract, and their legal team has to "
                "sign it",
            ),
            ("otieno", "and the receipts page?"),
            ("wanjiku", "in review, Otieno you have it"),
        ],
        author="wanjiku",
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [
        ("fare sync", "in_progress"),
        ("receipts page", "in_review"),
    ]
    assert decl.shipped == []
    assert [b.needed_from for b in decl.blockers] == ["legal team"]
    assert decl.next_actions == []


def test_a_hand_over_in_an_answer_gives_the_item_its_new_owner() -> None:
    decl = extract_chat(
        [
            ("wanjiku", "handover for routing"),
            ("achieng", "and the stage finder?"),
            ("wanjiku", "handed to you, Achieng. it's yours from tomorrow"),
            ("wanjiku", "blockers none"),
        ],
        author="wanjiku",
    )
    assert [(i.item, i.owner) for i in decl.in_flight] == [("stage finder", "achieng")]
    assert decl.shipped == []
    assert "blockers" in decl.stated_empty


def test_what_a_question_asks_about() -> None:
    assert question("any blockers?").part == "blockers"  # type: ignore[union-attr]
    assert question("what about the Kisumu pilot?").topic == "Kisumu pilot"  # type: ignore[union-attr]
    assert question("the pilot went well") is None


def test_mitigated_paused_or_partly_done_work_stays_in_progress() -> None:
    decl = extract(
        "The fare sync for ferries is paused while the operator changes its API, not cancelled.\n"
        "We mitigated the duplicate tickets with a nightly job, but the real bug is still open.\n"
        "The Swahili receipts are approved, the Somali ones aren't.\n"
    )
    assert decl.shipped == []
    assert {i.status for i in decl.in_flight} == {"in_progress"}


def test_approved_work_that_merges_later_is_in_review_and_a_condition_is_not() -> None:
    decl = extract("The receipts page is approved, it merges tomorrow morning.")
    assert [(i.item, i.status) for i in decl.in_flight] == [("receipts page", "in_review")]
    later = extract("Someone should deploy the receipts page once it's approved.")
    assert later.in_flight == []


def test_a_correction_takes_back_only_the_clause_it_follows() -> None:
    decl = extract(
        "The stage finder is in review, Baraka's looking at it, no wait, Baraka is away, "
        "Njeri's looking at it."
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [("stage finder", "in_review")]


def test_markdown_links_read_as_their_text_and_pointers_are_dropped() -> None:
    decl = extract(
        "## Updates\n"
        "- [@amani] is rewriting the [fare rules engine](https://example.org/pr/12)\n"
        "- [@amani] Moved the ticket cache out of the request path #4410\n"
        "[Full thread](https://example.org/thread/9)\n\n"
        "[@amani]: https://example.org/amani\n"
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [("fare rules engine", "in_progress")]
    assert len(decl.shipped) == 1 and "ticket cache" in decl.shipped[0].summary
    assert decl.next_actions == []
    assert all("http" not in s.summary for s in decl.shipped)


def test_a_person_working_on_something_is_not_the_item() -> None:
    decl = extract("Progress: @baraka has nearly finished porting the stage finder to Kotlin.")
    assert [(i.item, i.status) for i in decl.in_flight] == [
        ("stage finder to Kotlin", "in_progress")
    ]


def test_template_question_wordings_name_their_parts() -> None:
    from summarizer.labels import label_part

    assert label_part("What did you ship today") == "shipped"
    assert label_part("Today") == "next_actions"
    assert label_part("What are your priorities for the day") == "next_actions"
    assert label_part("Roadblocks") == "blockers"
    assert label_part("When are you online next") == "returns_at"
    assert label_part("How are you feeling today") is None


def test_a_condition_stays_with_its_action_and_an_unknown_resolver_with_its_blocker() -> None:
    decl = extract(
        "Next: once Baraka signs off, I deploy the fare sync.\n"
        "Blocked: the Kisumu depot count is missing; I don't know who should send it.\n"
    )
    assert [a.action for a in decl.next_actions] == [
        "once Baraka signs off, I deploy the fare sync"
    ]
    assert [b.needed_from for b in decl.blockers] == [None]


def test_spoken_amounts_after_at_are_not_clock_times() -> None:
    from summarizer.normalize import normalize

    assert "4:00" not in normalize("we cap online refunds at four hundred for now")
    assert normalize("the ferry leaves at fourteen hundred") == "the ferry leaves at 14:00"


def test_a_corrected_return_hour_keeps_its_day_and_zone() -> None:
    decl = extract("I'm back Monday at eight, no, half eight, Oslo time.")
    assert decl.returns_at_iso is not None
    assert (
        decl.returns_at_iso.weekday(),
        decl.returns_at_iso.hour,
        decl.returns_at_iso.minute,
    ) == (
        0,
        8,
        30,
    )


def test_nobody_able_to_clear_a_blocker_completes_it_rather_than_adding_one() -> None:
    decl = extract(
        "Blocker: the depot export is capped at fifty megabytes a file, so it truncates. "
        "Nobody on our side can change that cap."
    )
    assert len(decl.blockers) == 1 and decl.blockers[0].needed_from is None


def test_someone_on_an_item_is_not_an_item() -> None:
    decl = extract("👀 Fare receipts: PR is up, Baraka is reviewing ➡️ Baraka to merge it")
    assert [i.status for i in decl.in_flight] == ["in_review"]
    assert decl.in_flight[0].item.startswith("Fare receipts")


def test_parts_stated_empty_in_many_wordings_are_not_items() -> None:
    for said, part in [
        ("Blockers: nothing major.", "blockers"),
        ("Decisions — none.", "decisions"),
        ("Nothing's in my way.", "blockers"),
        ("Zero blockers.", "blockers"),
        ("Nothing new decided.", "decisions"),
        ("## Decisions\n_None_", "decisions"),
        ("## Blockers\nNone at the moment.", "blockers"),
        ("Nothing planned.", "next_actions"),
    ]:
        decl = extract(said)
        assert part in decl.stated_empty, said
        assert not getattr(decl, part), said


def test_decisions_in_other_wordings_with_their_reasons() -> None:
    cases = {
        "Decision: weekly payouts. Why: the banks batch on Fridays.": (
            "weekly payouts",
            "the banks batch on Fridays",
        ),
        "We landed on weekly payouts, given the banks batch on Fridays.": (
            "weekly payouts",
            "the banks batch on Fridays",
        ),
        "Agreed with Kofi to freeze the schema until Monday.": (
            "freeze the schema until Monday",
            None,
        ),
        "Call: no deploys on Friday.": ("no deploys on Friday", None),
    }
    for said, expected in cases.items():
        decl = extract(said)
        assert [(d.decision, d.rationale) for d in decl.decisions] == [expected], said


def test_a_name_then_a_dash_owns_the_next_action() -> None:
    decl = extract("Next steps:\n- Kojo: rerun the ledger import\n- Efua — check the refunds\n")
    assert [a.owner for a in decl.next_actions] == ["Kojo", "Efua"]


def test_tables_with_ticket_columns_and_a_free_text_status_column() -> None:
    decl = extract(
        "| Ticket | Summary | State | Assignee |\n|---|---|---|---|\n"
        "| PAY-2 | Ledger export | WIP | Kojo |\n"
        "| PAY-4 | Payout scheduler | Blocked (waiting on legal) | Ama |\n"
    )
    assert [(i.item, i.status, i.owner) for i in decl.in_flight] == [
        ("Ledger export", "in_progress", "Kojo"),
        ("Payout scheduler", "blocked", "Ama"),
    ]
    assert [b.needed_from for b in decl.blockers] == ["legal"]
    two = extract(
        "| Area | Where it stands |\n| --- | --- |\n| Refund webhooks | shipped to prod |\n"
        "| Ledger export | half done, CSV works, XLSX doesn't |\n"
        "| Payout scheduler | stuck on the bank's sandbox |\n"
    )
    assert len(two.shipped) == 1
    assert [(i.item, i.status) for i in two.in_flight] == [
        ("Ledger export", "in_progress"),
        ("Payout scheduler", "blocked"),
    ]


def test_a_blocked_emoji_line_does_not_reach_the_lines_after_it() -> None:
    decl = extract(
        "🔴 Payout scheduler: the bank sandbox rejects our certs, only Kojo can renew them\n"
        "🧾 Settlement report: 80%\n"
        "🟡 Ledger export — CSV done, XLSX still to do\n"
    )
    assert [(b.item, b.needed_from) for b in decl.blockers] == [("Payout scheduler", "Kojo")]
    assert [(i.item, i.status) for i in decl.in_flight] == [
        ("Payout scheduler", "blocked"),
        ("Settlement report", "in_progress"),
        ("Ledger export", "in_progress"),
    ]


def test_a_question_about_stuck_work_makes_the_answer_its_blocker() -> None:
    decl = extract_chat(
        [
            ("wanjiku", "handing over payments"),
            ("otieno", "what about the payout scheduler, still stuck?"),
            ("wanjiku", "yes, the sandbox certs expired. only their ops desk can reissue them"),
            ("otieno", "any blockers?"),
        ],
        author="wanjiku",
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [("payout scheduler", "blocked")]
    assert [(b.item, b.needed_from) for b in decl.blockers] == [("payout scheduler", "ops desk")]
    assert "sandbox certs expired" in decl.blockers[0].description


def test_a_template_answer_keeps_its_own_parts_and_defaults_to_the_question() -> None:
    decl = extract(
        "*What's coming up?*\n"
        "Matatu tracker: live positions work, I'll add the arrival estimates tomorrow.\n"
        "*Anything in your way?*\n"
        "Not sure who owns the county GTFS feed, and the stop list has been stale since Monday.\n"
        "*Decisions?*\n"
        "We keep polling every 30 seconds, because the county API rate-limits us.\n"
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [("Matatu tracker", "in_progress")]
    assert [a.owner for a in decl.next_actions] == ["Wanjiku"]
    assert len(decl.blockers) == 1 and decl.blockers[0].needed_from is None
    assert [d.rationale for d in decl.decisions] == ["the county API rate-limits us"]


def test_merged_this_and_fixed_that_are_two_shipped_items() -> None:
    decl = extract("Shipped: merged the fare export and fixed the rounding in receipts.")
    assert len(decl.shipped) == 2


def test_an_open_box_whose_note_waits_is_a_blocked_item() -> None:
    decl = extract(
        "Yard, Tuesday\n\n| | Job | Note |\n|---|---|---|\n| [x] | gate hinge | replaced |\n"
        "| [ ] | road closure permit | council, Ilse Berg promised to sign — still waiting |\n"
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [("road closure permit", "blocked")]
    assert [b.needed_from for b in decl.blockers] == ["Ilse Berg"]


def test_blocks_as_a_thing_are_no_blocker() -> None:
    decl = extract("Tomorrow I go to the quarry to choose the blocks.")
    assert decl.blockers == []


def test_the_resolver_said_again_after_a_table_is_not_our_action() -> None:
    decl = extract(
        "| Work | Status |\n|---|---|\n| Badge readers | waiting on the alarm contractor |\n\n"
        "The alarm contractor has to wire the readers on their side. Back Monday 9."
    )
    assert [b.needed_from for b in decl.blockers] == ["alarm contractor"]
    assert decl.next_actions == []
