"""Hybrid repair: the model is asked only what the offline draft left open, may answer only with
choices built from the transcript, and an answer outside them changes nothing."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

from api.wiring.llm import build_chat_model
from handoff.declaration import Blocker, Decision, Declaration, InFlightItem, NextAction
from handoff.settings import Settings
from ingest.text import transcript_from_text
from ingest.transcript import Transcript
from summarizer.base import ExtractionContext
from summarizer.grounding import Grounding
from summarizer.repair import (
    NOBODY,
    RepairExtractor,
    answer_schema,
    apply_answers,
    people_options,
    questions_for,
    sentence_options,
)
from tests.summarizer.fake_llm import fake_llm_server

WRAP = (
    "The billing migration is blocked on the staging credentials. Priya is the only one who can "
    "grant them. We went with nightly exports since the vendor API throttles us. "
    "Kai said he will rotate the keys tomorrow. Good morning everyone."
)
CONTEXT = ExtractionContext(
    author="Lena", team="core", recorded_at=datetime(2026, 12, 4, tzinfo=UTC)
)


def draft() -> Declaration:
    return Declaration(
        author="Lena",
        in_flight=[
            InFlightItem(item="billing migration", status="blocked"),
            InFlightItem(item="Good morning everyone", status="in_progress"),
        ],
        decisions=[Decision(decision="nightly exports")],
        blockers=[Blocker(description="staging credentials")],
        next_actions=[NextAction(action="rotate the keys"), NextAction(action="x", owner="Lena")],
    )


class FixedDraft:
    """An offline pass that always drafts `draft()` (the model's part is what is tested)."""

    name = "fixed"

    def extract(self, transcript: Transcript, context: ExtractionContext) -> Declaration:
        return draft()


def test_only_open_fields_are_asked_with_choices_from_the_transcript() -> None:
    t = transcript_from_text(WRAP)
    people = people_options(t, CONTEXT)
    assert {"Priya", "Kai", "the author", NOBODY} <= set(people)
    assert "Good" not in people and "The" not in people
    qs = questions_for(draft(), people, sentence_options(t))
    assert [(q.part, q.field) for q in qs] == [
        ("blockers", "needed_from"),
        ("next_actions", "owner"),
        ("decisions", "rationale"),
    ]
    schema = answer_schema(qs)
    assert schema["required"] == ["q1", "q2", "q3"]
    assert (
        "We went with nightly exports since the vendor API throttles us."
        in (schema["properties"]["q3"]["enum"])
    )
    second_opinions = questions_for(draft(), people, [], asks=("part", "status"))
    assert {q.field for q in second_opinions} == {"part", "status"}


def test_answers_fill_open_fields_and_invalid_ones_change_nothing() -> None:
    t = transcript_from_text(WRAP)
    qs = questions_for(draft(), people_options(t, CONTEXT), sentence_options(t))
    changed: Counter[str] = Counter()
    reason = "We went with nightly exports since the vendor API throttles us."
    out = apply_answers(
        draft(), qs, {"q1": "Priya", "q2": "Marcus", "q3": reason}, Grounding(t, CONTEXT), changed
    )
    assert out.blockers[0].needed_from == "Priya"
    assert out.next_actions[0].owner is None  # not a choice: ignored
    assert out.decisions[0].rationale == reason
    assert changed == Counter({"needed_from": 1, "rationale": 1})
    nobody = apply_answers(draft(), qs, {"q1": NOBODY}, Grounding(t, CONTEXT), Counter())
    assert nobody.blockers[0].needed_from is None


def test_second_opinions_move_and_drop_items() -> None:
    t = transcript_from_text(WRAP)
    qs = questions_for(draft(), people_options(t, CONTEXT), [], asks=("part",))
    keys = {draft().in_flight[i].item: q.key for i, q in enumerate(qs)}
    changed: Counter[str] = Counter()
    out = apply_answers(
        draft(),
        qs,
        {keys["billing migration"]: "in flight", keys["Good morning everyone"]: "not an item"},
        Grounding(t, CONTEXT),
        changed,
    )
    assert [i.item for i in out.in_flight] == ["billing migration"]
    assert changed["dropped"] == 1


def test_the_repairer_asks_one_request_and_applies_the_answer() -> None:
    with fake_llm_server() as fake:
        fake.enqueue(json.dumps({"q1": "Priya", "q2": "Kai", "q3": "no reason given"}))
        model = build_chat_model(
            Settings(llm="test-model", llm_base_url=fake.url, llm_api_key="t", llm_max_retries=0)
        )
        x = RepairExtractor(model, model_id="test-model", offline=FixedDraft(), method="json_mode")
        out = x.extract(transcript_from_text(WRAP), CONTEXT)
        prompt = fake.prompts()[0]
    assert out.extractor == "hybrid:test-model"
    assert out.blockers[0].needed_from == "Priya" and out.next_actions[0].owner == "Kai"
    assert out.decisions[0].rationale is None
    assert "q1: Who can clear the blocker 'staging credentials'?" in prompt
    assert "<<<WRAP" in prompt and "Priya is the only one" in prompt
    assert len(fake.requests) == 1
