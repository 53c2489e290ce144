"""Categories of wraps written outside the project: numbered and dashed stand-up templates, more
status markers, resolvers placed in a team or reached through one, spoken labels in unpunctuated
speech, and chat questions about decisions. Each example is worded for this test, not copied
from an evaluation set."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from handoff.declaration import Declaration
from ingest.text import split_sentences, transcript_from_text
from ingest.transcript import Segment, Transcript
from summarizer import owners
from summarizer.base import ExtractionContext, Vocabulary
from summarizer.chat import question
from summarizer.clauses import clauses
from summarizer.labels import label_part
from summarizer.offline import OfflineExtractor
from summarizer.people import PeopleIndex
from summarizer.resolvers import role_actor, strong_person
from summarizer.returns import find_return_time
from summarizer.rules import item_name, part_of, stated_empty

WHEN = datetime(2026, 12, 4, 17, 30, tzinfo=ZoneInfo("Europe/Lisbon"))  # a Friday


def extract(text: str, author: str = "Rui") -> Declaration:
    context = ExtractionContext(author=author, recorded_at=WHEN)
    return OfflineExtractor().extract(transcript_from_text(text), context)


def people() -> PeopleIndex:
    return PeopleIndex(vocabulary=Vocabulary(), speakers=set())


def test_a_numbered_bot_template_with_dashed_answers() -> None:
    decl = extract(
        "@standupbot report for Rui\n1. What did you ship?\n— The tide table importer (TT-4).\n"
        "2. What are you still on?\n— Harbour camera feed: paused while ops swaps cables, "
        "not dropped.\n3. Blockers?\n— The port authority's VPN; only their network officer, "
        "Joana Reis, can add our keys.\n4. Decisions?\n— None today.\n5. Away?\n— Back Monday 9."
    )
    assert [s.refs for s in decl.shipped] == [["TT-4"]]
    assert [(i.item, i.status) for i in decl.in_flight] == [("Harbour camera feed", "in_progress")]
    assert len(decl.blockers) == 1 and decl.blockers[0].needed_from == "Joana Reis"
    assert "decisions" in decl.stated_empty
    assert decl.returns_at_iso is not None and decl.returns_at_iso.isoformat().startswith(
        "2026-12-07T09:00"
    )


def test_numbered_markers_stay_with_their_line() -> None:
    assert split_sentences("Done it.\n2. What next?") == ["Done it.", "2. What next?"]


def test_when_will_you_be_back_is_a_template_question() -> None:
    decl = extract(
        "What did you accomplish?\nNothing finished.\nWhat are you working on?\n"
        "Kiln sensor dashboard, in review with Bea.\nWhen will you be back?\nTuesday 8:30."
    )
    assert "shipped" in decl.stated_empty and decl.shipped == []
    assert decl.returns_at == "Tuesday 8:30"
    assert decl.blockers == []


def test_a_decisions_question_keeps_a_past_tense_answer_as_a_decision() -> None:
    decl = extract(
        "*What did you get done?*\nThe kiln log export.\n*Decisions made?*\n"
        "We dropped glaze tracking from v1, since nobody used it."
    )
    assert [d.decision for d in decl.decisions] == ["We dropped glaze tracking from v1"]
    assert decl.decisions[0].rationale == "nobody used it"
    assert len(decl.shipped) == 1


def test_arrow_and_cross_markers_split_an_emoji_list() -> None:
    decl = extract(
        "✔ rota export\n✖ payroll sync, blocked; Ana at the bank's API desk has to renew our "
        "certificate\n→ Tiago will test the rota export\n→ I will write the release note"
    )
    assert [b.needed_from for b in decl.blockers] == ["Ana"]
    assert [(a.owner, a.action) for a in decl.next_actions] == [
        ("Tiago", "Tiago will test the rota export"),
        ("Rui", "I will write the release note"),
    ]


def test_a_blocked_line_naming_another_partys_system_makes_no_item() -> None:
    decl = extract("- Blocked: the insurer's claims portal, Marta's team has to reset our login")
    assert decl.in_flight == []
    assert decl.blockers[0].needed_from == "Marta"


def test_a_possessive_stays_in_an_item_name_and_a_contraction_ends_it() -> None:
    assert item_name("the insurer's claims portal") == "insurer's claims portal"
    assert item_name("the payroll export's done") == "payroll export"


def test_roles_reached_through_or_waited_on() -> None:
    assert role_actor("access requests go through the security desk") is not None
    got = role_actor("blocked until the shipping agent's dispatcher sends the manifest")
    assert got is not None and got[0] == "shipping agent's dispatcher"


def test_a_person_blocked_on_who_holds_the_key() -> None:
    got = strong_person(
        "Firmware rollout is blocked on Bruno, he has the signing key",
        people=people(),
        exclude=set(),
    )
    assert got == "Bruno"


def test_a_reporter_is_not_the_resolver() -> None:
    text = "Lea at the agency says their legal team must approve it"
    assert strong_person(text, people=people(), exclude=set()) is None


def test_an_unknown_zone_word_keeps_the_clock_time() -> None:
    found = find_return_time("back tomorrow 7am Azores-side time", recorded_at=WHEN)
    assert found is not None and found[1] is not None
    assert (found[1].hour, found[1].day) == (7, 5)


def test_out_of_office_until_is_a_return() -> None:
    found = find_return_time("OOO until Wednesday 10 Lisbon time", recorded_at=WHEN)
    assert found is not None and found[1] is not None
    assert found[1].isoformat() == "2026-12-09T10:00:00+00:00"


def test_an_item_in_review_beats_a_generic_wip_label() -> None:
    decl = extract("- **WIP:** berth booking page, in review with Nuno")
    assert [(i.item, i.status) for i in decl.in_flight] == [("berth booking page", "in_review")]


def test_details_of_an_items_parts_are_not_items() -> None:
    decl = extract("• Doing: the supplier catalogue import; some of them load, the CSV ones fail")
    assert [i.item for i in decl.in_flight] == ["supplier catalogue import"]


def test_a_name_with_accents_then_a_present_tense_act_is_a_next_action() -> None:
    assert part_of("Tomás merges PAY-12 after review.") == "next_actions"
    decl = extract("Decision: we bill per berth, not per boat. Tomás merges PAY-12 after review.")
    assert [d.decision for d in decl.decisions] == ["we bill per berth"]
    assert [(a.owner, a.item) for a in decl.next_actions] == [("Tomás", None)]


def test_nothing_finished_states_shipped_empty() -> None:
    assert "shipped" in stated_empty("Nothing finished.")


def spoken(text: str) -> list[str]:
    return [c.text for s in split_sentences(text) for c in clauses(s)]


def test_spoken_part_words_after_a_finished_clause_start_a_new_one() -> None:
    got = spoken(
        "this is rui for the harbour team shipped the tide table importer um the camera feed "
        "is still going the buffer fills up at night decided we keep ten days of video "
        "because the disk is small and yeah blocked on the port vpn joana in networking is "
        "the one who can add our keys"
    )
    assert "shipped: the tide table importer" in got
    assert any(c.startswith("decided we keep ten days of video") for c in got)
    assert "blocked on the port vpn" in got
    assert "Joana in networking is the one who can add our keys" in got
    decl = extract(" ".join(got[-2:]))
    assert [b.needed_from for b in decl.blockers] == ["Joana"]


def test_spoken_decisions_none_and_nothing_blocking() -> None:
    got = spoken("the feed is paused but still open decisions none today nothing's blocking me")
    assert got[-2:] == ["decisions: none today", "nothing's blocking me"]


def test_a_noun_phrase_subject_across_a_preposition() -> None:
    got = spoken("the alerts are in review with nuno the load balancing across the pumps is paused")
    assert got[-1] == "the load balancing across the pumps is paused"


def test_chat_decision_question_makes_the_answer_a_decision_about_it() -> None:
    asked = question("did we decide on the map provider?")
    assert asked is not None and (asked.part, asked.topic) == ("decisions", "map provider")


def test_a_reply_to_an_offer_is_not_an_action() -> None:
    decl = extract("Please do. Also we decided to keep nightly builds, the runners are idle then.")
    assert decl.next_actions == []
    assert len(decl.decisions) == 1


def test_an_answer_typed_without_a_full_stop_keeps_the_questions_part() -> None:
    decl = extract("What will you do today?\nWire the renderer into the billing run")
    assert [a.action for a in decl.next_actions] == ["Wire the renderer into the billing run"]


def test_question_and_answer_on_one_numbered_line() -> None:
    decl = extract(
        "1) What did you finish? Nothing this time.\n2) Is anything in your way? No.\n"
        "3) Any decisions? We moved the cache to Redis since the DB was the bottleneck."
    )
    assert decl.blockers == [] and "blockers" in decl.stated_empty
    assert [d.rationale for d in decl.decisions] == ["the DB was the bottleneck"]


def test_q_and_a_markers_and_a_trailing_emoji() -> None:
    decl = extract(
        "Q: Yesterday?\nA: Merged the tariff importer.\nQ: Blockers?\nA: None 🙌\n"
        "Q: Today?\nA: Start on the diff view."
    )
    assert [s.summary for s in decl.shipped] == ["Merged the tariff importer"]
    assert "blockers" in decl.stated_empty
    assert [a.action for a in decl.next_actions] == ["Start on the diff view"]


def test_chevron_sections_of_a_status_tool() -> None:
    decl = extract("» Completed\n- Route optimizer v2 (ROUTE-12)\n» Planned\n- Depot report")
    assert [s.refs for s in decl.shipped] == [["ROUTE-12"]]
    assert [a.action for a in decl.next_actions] == ["Depot report"]


def test_spoken_returns_decisions_and_absences_after_and_start_new_clauses() -> None:
    got = spoken(
        "the feed is blocked and honestly i don't know who there handles that we decided to "
        "batch orders daily because trucks come once next up milan will test the tablets and "
        "i'm back thursday at half eight lisbon time"
    )
    assert "we decided to batch orders daily because trucks come once" in got
    assert got[-1] == "I'm back thursday at half eight lisbon time"
    assert spoken("someone has to update the depot list and i'm off tomorrow")[-1] == (
        "I'm off tomorrow"
    )


def test_a_spoken_name_after_a_role_is_the_resolver() -> None:
    got = spoken(
        "the tracker went out today blocked on the vendor only their support lead kofi can reset it"
    )
    decl = extract(". ".join(got))
    assert [b.needed_from for b in decl.blockers] == ["Kofi"]


def chat(messages: list[tuple[str, str]]) -> Declaration:
    segments = [Segment(text=text, speaker=who) for who, text in messages]
    transcript = Transcript(text="\n".join(t for _, t in messages), segments=segments)
    return OfflineExtractor().extract(transcript, ExtractionContext(author="ana", recorded_at=WHEN))


def test_chat_reviewer_holding_the_work_and_a_picked_courier() -> None:
    decl = chat(
        [
            ("bo", "and the expiry alerts?"),
            ("ana", "in review, Carla has them"),
            ("bo", "did we pick a courier for the samples?"),
            ("ana", "we did, DPD, since they deliver before 9"),
            ("bo", "I can dig through old emails"),
            ("ana", "thanks, please do"),
        ]
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [("expiry alerts", "in_review")]
    assert [(d.decision, d.rationale) for d in decl.decisions] == [
        ("courier for the samples: DPD", "they deliver before 9")
    ]
    assert [(a.owner, a.action) for a in decl.next_actions] == [("bo", "dig through old emails")]


def test_chat_whats_left_on_names_the_item() -> None:
    decl = chat(
        [
            ("kim", "what's left on the dosage calculator?"),
            ("ana", "the adult doses work, the pediatric ones don't yet"),
        ]
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [("dosage calculator", "in_progress")]


def test_a_markdown_wrap_with_italics_remainders_trades_and_a_blocked_heading() -> None:
    decl = extract(
        "### In progress\n- Grow-light sync — 70%, the sunrise ramp is left\n"
        "- Harvest forecast *(paused for the audit, not dropped)*\n\n### Blocked\n"
        "- Greenhouse 3 sensors: the electrician has to rewire the hub\n"
    )
    assert [(i.item, i.status) for i in decl.in_flight] == [
        ("Grow-light sync", "in_progress"),
        ("Harvest forecast", "in_progress"),
        ("Greenhouse 3 sensors", "blocked"),
    ]
    assert [b.needed_from for b in decl.blockers] == ["electrician"]


def test_a_reason_said_as_who_asked_for_it() -> None:
    decl = extract("Decided to keep the manual override switch, growers asked for it.")
    assert [(d.decision, d.rationale) for d in decl.decisions] == [
        ("keep the manual override switch", "growers asked for it")
    ]


def test_a_blocked_line_that_names_its_item_before_saying_nobody_knows() -> None:
    decl = extract("🔴 Rate table update: no idea who at the ministry publishes the new rates")
    assert [(i.item, i.status) for i in decl.in_flight] == [("Rate table update", "blocked")]
    assert [b.needed_from for b in decl.blockers] == [None]


def test_a_plan_with_its_reason_answers_a_decisions_question() -> None:
    decl = extract(
        "Anything decided?\n"
        "— Vans will take the crates for the last mile, because the bridge is shut."
    )
    assert [d.rationale for d in decl.decisions] == ["the bridge is shut"]
    assert decl.next_actions == []


def test_details_after_an_in_flight_item_are_not_items() -> None:
    decl = extract(
        "- Doing: dome interlock, rain sensor wired, wind sensor not yet\n"
        "- In review: the slab advisory template, with Joel\n"
    )
    assert [i.item for i in decl.in_flight] == ["dome interlock", "slab advisory template"]


def test_a_purpose_after_so_is_the_reason_and_a_bulb_marks_a_decision() -> None:
    decl = extract(
        "💡 the bulletin goes out at 7 instead of 8, so drivers see it before they leave"
    )
    assert [(d.decision, d.rationale) for d in decl.decisions] == [
        ("the bulletin goes out at 7 instead of 8", "drivers see it before they leave")
    ]


def test_the_sentence_after_a_decision_that_says_what_holds_now() -> None:
    decl = extract(
        "Decided: the weekend surcharge is off. We now charge only sailings under half full, "
        "because regulars started waiting for the discount."
    )
    [decision] = decl.decisions
    assert decision.decision.startswith("the weekend surcharge is off; We now charge only")
    assert decision.rationale == "regulars started waiting for the discount"


def test_change_of_plan_about_where_the_author_is_is_no_decision() -> None:
    assert part_of("change of plan I'm at the bank's workshop on Monday") != "decisions"
    assert part_of("we're reverting to a single bank file, because checks doubled") == "decisions"


def test_a_resolver_whose_name_has_extended_latin_letters() -> None:
    decl = extract(
        "The import is blocked, and Piotr Zieliński at the vendor is the one who issues keys."
    )
    assert [b.needed_from for b in decl.blockers] == ["Piotr Zieliński"]


def test_a_guessed_resolver_gives_way_to_the_one_named_next() -> None:
    decl = extract(
        "Overtime import: still blocked on the vendor's API key. Piotr is away all week, so "
        "Ewa Nowak at the vendor signs off key requests now."
    )
    assert [b.needed_from for b in decl.blockers] == ["Ewa Nowak"]
    # a next action after a blocker with a firm resolver is an action, not a new resolver
    decl = extract("The icons are blocked: only Hana can approve them. Yuki will export the set.")
    assert [b.needed_from for b in decl.blockers] == ["Hana"]
    assert [a.owner for a in decl.next_actions] == ["Yuki"]


def test_a_blocker_moved_to_a_team_and_a_person_who_no_longer_signs() -> None:
    decl = extract(
        "Blocked: expense sync. Approvals have moved to the finance systems team, so Bernard "
        "no longer signs them."
    )
    assert [b.needed_from for b in decl.blockers] == ["finance systems team"]


def test_each_status_emoji_line_is_a_sentence_of_its_own() -> None:
    got = split_sentences(
        "✔️ Ruslan pushed the kiosk firmware, so the kiosk is unblocked and reads our codes\n"
        "✔️ Sven added us to the booking engine's allow-list"
    )
    assert len(got) == 2 and got[1].startswith("✔️ Sven")


def test_chevron_bullets_and_a_person_on_a_desk() -> None:
    decl = extract(
        "» Gate integration: still blocked on the port API credentials. Dimitra has moved on, so "
        "Stavros Alexiou on the port's IT desk issues our credentials now."
    )
    assert [b.needed_from for b in decl.blockers] == ["Stavros Alexiou"]


def test_an_outsiders_duty_after_a_blocker_names_its_resolver_not_our_action() -> None:
    decl = extract(
        "Blockers: the tide gauge at Ilha is silent, Vivo's field crew has to swap the modem. "
        "Next: I'll recalibrate the Praia gauge."
    )
    assert [b.needed_from for b in decl.blockers] == ["Vivo's field crew"]
    assert [n.action for n in decl.next_actions] == ["I'll recalibrate the Praia gauge"]


def test_a_possessed_team_with_a_modifier_is_a_team_but_a_name_s_team_is_the_person() -> None:
    decl = extract("The billing export is blocked, Marko's team has to open the port.")
    assert [b.needed_from for b in decl.blockers] == ["Marko"]


def test_a_spoken_name_after_any_role_noun_is_the_resolver() -> None:
    text = (
        "shipped nothing today blocked the barge isn't loading and the harbour's duty clerk "
        "tomasz has to assign a berth decisions none next i'll count the pallets"
    )
    assert "blocked the barge isn't loading" in spoken(text)  # a lone "blocked" labels it
    decl = extract(text)
    assert [b.needed_from for b in decl.blockers] == ["Tomasz"]
    assert "barge" in decl.blockers[0].description
    assert [n.action for n in decl.next_actions] == ["I'll count the pallets"]


def test_a_spoken_name_whose_missing_act_blocks_is_the_resolver() -> None:
    decl = extract(
        "blockers the ward audit isn't done because the clinic's records officer amara "
        "hasn't sent the logs decisions none"
    )
    assert [b.needed_from for b in decl.blockers] == ["Amara"]


def test_a_thing_then_the_participle_that_finished_it_is_shipped() -> None:
    assert part_of("kiln 2 thermocouples replaced") == "shipped"
    assert part_of("soil cores sent to the lab") == "shipped"
    assert part_of("the audit report printed and filed") == "shipped"
    assert part_of("the crane inspection scheduled for Monday") is None
    assert part_of("the spare parts haven't arrived") != "shipped"
    assert part_of("the failover happened at noon") is None


def test_a_q_and_a_template_with_prompts_that_are_not_questions() -> None:
    decl = extract(
        "Q: Finished?\nA: the sluice gate seals replaced\n"
        "Q: Next steps\nA: Ingrid Dahl check the pumps in the morning. me: write up the log\n"
        "Q: Next shift\nA: sunday 07:15\n"
    )
    assert [s.summary for s in decl.shipped] == ["the sluice gate seals replaced"]
    assert [(n.action, n.owner) for n in decl.next_actions] == [
        ("Ingrid Dahl to check the pumps in the morning", "Ingrid Dahl"),
        ("I'll write up the log", "Rui"),
    ]
    assert decl.returns_at == "sunday 07:15"


def _back(text: str) -> datetime | None:
    found = find_return_time(text, recorded_at=WHEN)
    return found[1] if found else None


def test_return_times_people_say_in_other_ways() -> None:
    friday = WHEN.strftime("%A")  # the recording day the expectations below count from
    assert friday == "Friday"
    assert _back("back sun 0615") == datetime(2026, 12, 6, 6, 15, tzinfo=WHEN.tzinfo)
    assert _back("back um monday eight a m") == datetime(2026, 12, 7, 8, 0, tzinfo=WHEN.tzinfo)
    assert _back("i'm back monday at nine no sorry ten") == datetime(
        2026, 12, 7, 10, 0, tzinfo=WHEN.tzinfo
    )
    assert _back("back: in three days, usual 07:30") == datetime(
        2026, 12, 7, 7, 30, tzinfo=WHEN.tzinfo
    )
    assert _back("off tomorrow, back the day after at 6") == datetime(
        2026, 12, 6, 6, 0, tzinfo=WHEN.tzinfo
    )
    moved = _back("I'm back Monday 8:00 but working from Lisbon, so Lisbon time.")
    assert moved is not None and moved.utcoffset() == timedelta(0) and moved.hour == 8


def test_a_table_with_an_unnamed_checkbox_column() -> None:
    decl = extract(
        "| | Job | Note |\n|---|---|---|\n"
        "| [x] | gutter relining | finished at noon |\n"
        "| [ ] | chimney flashing | half done (north side, then south) |\n"
    )
    assert [s.summary for s in decl.shipped] == ["gutter relining"]
    assert [(i.item, i.status) for i in decl.in_flight] == [("chimney flashing", "in_progress")]


def test_a_pause_and_an_honorific_do_not_end_a_sentence() -> None:
    assert split_sentences("Roof survey at the depot... about half of it, rest Monday") == [
        "Roof survey at the depot... about half of it, rest Monday"
    ]
    assert len(split_sentences("Nobody signs now that Sra. Pires has retired.")) == 1


def test_a_stalled_job_its_why_and_the_one_whose_consent_ends_the_wait() -> None:
    decl = extract("The kiln relining has stalled: the firebricks came cracked. Next: sweep it.")
    assert [b.description for b in decl.blockers] == [
        "The kiln relining has stalled: the firebricks came cracked"
    ]
    decl = extract(
        "Blocked: the quay crane service. The spare hoist motor is at customs, and nothing "
        "moves until Ilse Brandt at the broker says yes."
    )
    [blocker] = decl.blockers
    assert blocker.description.startswith("the quay crane service: The spare hoist motor")
    assert blocker.needed_from == "Ilse Brandt"


def test_a_blocker_nobody_can_name_the_booker_of() -> None:
    decl = extract("Moving the tanks needs a lowloader, and I couldn't tell you who books those.")
    assert [b.needed_from for b in decl.blockers] == [None]


def test_waits_said_as_what_cannot_happen_yet_and_a_who_line() -> None:
    decl = extract(
        "Status: the pallets are sitting at the port and the agency won't release them until "
        "the permit is filed.\nWho: Dara Quinn at our broker files it."
    )
    assert [b.needed_from for b in decl.blockers] == ["Dara Quinn"]
    assert part_of("The mural can't go up yet") == "blockers"
    assert part_of("Sampling can't begin because the probes are missing") == "blockers"
    decision = extract("Pump decision made: we'll use the diesel unit, since mains power is out.")
    [chosen] = decision.decisions
    assert chosen.decision.startswith("we'll use the diesel unit")


def test_a_return_said_as_not_before() -> None:
    assert _back("I won't be back until Tuesday 10:00") == datetime(
        2026, 12, 8, 10, 0, tzinfo=WHEN.tzinfo
    )
    spoken_back = _back("i wont be back until tuesday at ten lisbon time anything urgent to ana")
    assert spoken_back == datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo("Europe/Lisbon"))


def test_a_chat_handle_is_the_author_named_in_full_and_an_answer_says_who() -> None:
    segments = [
        Segment(text="wrapping up", speaker="ines"),
        Segment(text="blockers?", speaker="tomas"),
        Segment(
            text="the boiler feed pump trips. Caldeiras Norte owns it, Rui Lobo there",
            speaker="ines",
        ),
        Segment(text="back mon 0630", speaker="ines"),
    ]
    transcript = Transcript(text="\n".join(s.text for s in segments), segments=segments)
    decl = OfflineExtractor().extract(
        transcript, ExtractionContext(author="Inês Moura", recorded_at=WHEN)
    )
    assert [b.needed_from for b in decl.blockers] == ["Rui Lobo"]
    assert decl.returns_at_iso == datetime(2026, 12, 7, 6, 30, tzinfo=WHEN.tzinfo)


def test_a_speakers_restarts_and_a_party_before_its_modal() -> None:
    got = spoken(
        "we decided to um to close the pool early because the heater failed and only the "
        "county health office can reopen it"
    )
    assert got[0].startswith("we decided to close the pool early")
    assert not any(c.startswith("Office") for c in got)


def test_a_spoken_correction_of_the_hour_keeps_the_day() -> None:
    decl = extract("decisions none and i'm back tuesday at eight no sorry nine in the morning")
    assert decl.returns_at_iso == datetime(2026, 12, 8, 9, 0, tzinfo=WHEN.tzinfo)


def test_more_ways_to_head_a_section_and_to_say_it_is_empty() -> None:
    assert label_part("We settled on") == "decisions"
    assert label_part("See you") == "returns_at"
    decl = extract("## In the way\nNothing, for once.\n## Up next\n- Sand the hull (me)")
    assert decl.blockers == [] and "blockers" in decl.stated_empty


def test_a_named_unit_without_an_article_and_a_role_on_duty_are_resolvers() -> None:
    people = PeopleIndex()
    assert owners.resolver("Estates department have to come out", people=people, exclude=set()) == (
        "Estates department"
    )
    assert (
        owners.resolver("only the duty officer on call signs it", people=people, exclude=set())
        == "duty officer on call"
    )


def test_waiting_said_as_what_someone_else_has_not_done() -> None:
    assert part_of("The lender hasn't signed the loan agreement") == "blockers"
    assert part_of("Narrator contract: still unsigned") == "blockers"
    assert part_of("T04 gearbox: still no filtration cart") == "blockers"
    assert part_of("The crates are held in the cargo shed at the airport") == "blockers"
    assert part_of("The lender signed the loan agreement") != "blockers"


def test_a_change_of_plan_takes_its_reason_and_new_course_from_the_next_sentences() -> None:
    decl = extract(
        "- Signage: change of plan. The council says the pavement is protected, so the "
        "A-boards are off. We hang banners from the lamp posts instead.\n"
        "- Next: call the printer."
    )
    [decision] = decl.decisions
    assert decision.decision.startswith("We hang banners from the lamp posts")
    assert "A-boards are off" in decision.decision
    assert decision.rationale == "The council says the pavement is protected"


def test_a_listed_piece_of_work_that_says_nothing_more_is_in_flight() -> None:
    decl = extract(
        "🚜 Aroha, orchard crew\n"
        "✅ Frost fans serviced\n"
        "🌱 Netting on the north block\n"
        "🍎 Thanks all\n"
    )
    assert [i.item for i in decl.in_flight] == ["Netting on the north block"]
    assert [s.summary for s in decl.shipped] == ["Frost fans serviced"]


def test_paperwork_that_went_out_is_done() -> None:
    assert part_of("the customs forms are sent") == "shipped"
    assert part_of("the lease is signed") == "shipped"
    assert part_of("the lease is not signed") != "shipped"


def test_a_labelled_line_after_a_change_of_plan_speaks_for_itself() -> None:
    decl = extract("Decision: change of plan.\nNext: call the printer.")
    assert [n.action for n in decl.next_actions] == ["call the printer"]
    assert [d.decision for d in decl.decisions] == ["change of plan"]
