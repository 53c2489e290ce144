"""Hybrid extraction: the offline draft, and a model asked only what the offline pass left open.

A 1.5B model on two CPU cores writes about a dozen tokens a second, so a whole declaration as
JSON takes minutes and comes back worse than the offline reader's (measured: `handoff eval
extraction --backend llm`). What it is good at is a short multiple-choice question about a text
it has just read. So the offline reader drafts, and the model answers, in one request:

- for each item the draft holds, which part it belongs to, or that it is not an item at all
  (the offline reader's typical error is an item that is not one: a heading, a question, a
  remark);
- for each in-flight item, its status;
- for each blocker nobody was found for, who can clear it; for each next action without an owner,
  who will do it — chosen from the people the transcript names, or nobody;
- for each decision without a reason, the sentence of the transcript that gives it, or none.

Every answer is a choice from a list the code built from the transcript (the grammar permits
nothing else), so what the model adds is grounded by construction; `summarizer.grounding` still
checks people against the transcript. The answer is a few tokens per question: a 60-second wrap
costs one prompt and a few dozen generated tokens.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from handoff.declaration import (
    Declaration,
    InFlightItem,
    PartItem,
    ShippedItem,
)
from handoff.errors import LLMUnavailable
from ingest.text import split_sentences
from ingest.transcript import Transcript
from prompts import load_prompt
from summarizer.base import ExtractionContext, Extractor
from summarizer.grounding import Grounding
from summarizer.llm import transcript_lines
from summarizer.people import looks_like_name

NOBODY = "nobody named"
NOT_AN_ITEM = "not an item"
STATUSES = ("not_started", "in_progress", "in_review", "blocked", "done")
#: The parts an item may be moved between (the others carry fields a move would lose).
MOVABLE = {"shipped": "shipped", "in_flight": "in flight"}


@dataclass(frozen=True, slots=True)
class Question:
    """One thing the model is asked about the draft: where (part, index), what (field) and the
    choices it may answer with."""

    key: str
    part: str
    index: int
    field: str
    text: str
    options: tuple[str, ...]


#: Words after a sentence's first word that make it read as a person ("Priya is", "Kai said").
_AFTER_A_NAME = frozenset(
    [
        "is",
        "was",
        "will",
        "can",
        "could",
        "said",
        "says",
        "has",
        "had",
        "should",
        "would",
        "owns",
        "needs",
        "and",
        "'ll",
        "asked",
        "told",
        "knows",
        "wants",
        "might",
        "must",
    ]
)


def people_options(transcript: Transcript, context: ExtractionContext) -> list[str]:
    """Who an owner or resolver may be: the team's people, the thread's speakers and the
    name-like words the transcript uses (a sentence's first word only when what follows reads
    as a person's: "Priya is", not "Good morning"), then "the author" and nobody."""
    names = [p.name for p in context.vocabulary.people]
    names += [s.speaker for s in transcript.segments if s.speaker]
    for sentence in split_sentences(transcript.text):
        words = sentence.split()
        for i, word in enumerate(words):
            name = word.strip("@.,;:!?'\"()").removesuffix("'s")
            if not looks_like_name(name):
                continue
            after = words[i + 1].lower().strip(".,;:!?") if i + 1 < len(words) else ""
            if i > 0 or word.startswith("@") or after in _AFTER_A_NAME or word.endswith("'s"):
                names.append(name)
    return [*list(dict.fromkeys(n for n in names if n))[:20], "the author", NOBODY]


def sentence_options(transcript: Transcript, limit: int = 40) -> list[str]:
    sentences = [s.strip() for line in transcript.text.splitlines() for s in split_sentences(line)]
    return [s[:200] for s in dict.fromkeys(s for s in sentences if len(s.split()) >= 3)][:limit]


#: The kinds of question: what the offline pass left empty (`open`), and second opinions on
#: what it decided (`part`, `status`) — off by default: measured, they made drafts worse.
ASKS = ("open",)


def questions_for(
    draft: Declaration,
    people: Sequence[str],
    sentences: Sequence[str],
    asks: Sequence[str] = ASKS,
) -> list[Question]:
    """The questions about `draft` (see the module's docstring), numbered q1, q2, ..."""
    out: list[tuple[str, int, str, str, tuple[str, ...]]] = []
    parts = (*MOVABLE.values(), NOT_AN_ITEM)
    for item_i, item in enumerate(draft.shipped):
        if "part" in asks:
            out.append(("shipped", item_i, "part", f"Is '{item.summary}' shipped work?", parts))
    for item_i, fl in enumerate(draft.in_flight):
        if "part" in asks:
            out.append(("in_flight", item_i, "part", f"Is '{fl.item}' work in flight?", parts))
        if "status" in asks:
            out.append(("in_flight", item_i, "status", f"Status of '{fl.item}'?", STATUSES))
    if "open" not in asks:
        return [Question(f"q{n}", *q) for n, q in enumerate(out, start=1)]
    for item_i, b in enumerate(draft.blockers):
        if not b.needed_from:
            text = f"Who can clear the blocker '{b.description}'?"
            out.append(("blockers", item_i, "needed_from", text, tuple(people)))
    for item_i, a in enumerate(draft.next_actions):
        if not a.owner:
            out.append(("next_actions", item_i, "owner", f"Who will '{a.action}'?", tuple(people)))
    for item_i, d in enumerate(draft.decisions):
        if not d.rationale and sentences:
            text = f"Which sentence gives the reason for '{d.decision}'?"
            out.append(("decisions", item_i, "rationale", text, (*sentences, "no reason given")))
    return [Question(f"q{n}", *q) for n, q in enumerate(out, start=1)]


def answer_schema(questions: Sequence[Question]) -> dict[str, Any]:
    """The JSON Schema of the answer: one key per question, its value one of the choices."""
    return {
        "title": "Answers",
        "type": "object",
        "properties": {q.key: {"type": "string", "enum": list(q.options)} for q in questions},
        "required": [q.key for q in questions],
        "additionalProperties": False,
    }


class RepairExtractor:
    """The offline draft, repaired by a model's answers (see the module's docstring)."""

    def __init__(
        self,
        model: Any,
        *,
        model_id: str,
        offline: Extractor,
        method: str | None = None,
        asks: Sequence[str] = ASKS,
    ) -> None:
        self.model = model
        self.asks = tuple(asks)
        self.offline = offline
        self.method = method
        self.name = f"hybrid:{model_id}"
        self.system = load_prompt("repair_system")
        self.user = load_prompt("repair_user")
        self.grounding_fired: Counter[str] = Counter()
        self.last_grounding: Counter[str] = Counter()
        self.changed: Counter[str] = Counter()  # what the answers changed, by field

    def extract(self, transcript: Transcript, context: ExtractionContext) -> Declaration:
        draft = self.offline.extract(transcript, context)
        questions = questions_for(
            draft, people_options(transcript, context), sentence_options(transcript), self.asks
        )
        self.last_grounding = Counter()
        if not questions:
            return draft.model_copy(update={"extractor": self.name})
        answers = self._ask(questions, transcript, context)
        check = Grounding(transcript, context, offline=draft)
        repaired = apply_answers(draft, questions, answers, check, self.changed)
        self.last_grounding = Counter(check.fired)
        self.grounding_fired.update(check.fired)
        return repaired.model_copy(update={"extractor": self.name})

    def _ask(
        self, questions: Sequence[Question], transcript: Transcript, context: ExtractionContext
    ) -> dict[str, str]:
        asked = "\n".join(
            f"{q.key}: {q.text} Choices: {json.dumps(list(q.options), ensure_ascii=False)}"
            for q in questions
        )
        user = self.user.render(
            author=context.author or "unknown",
            transcript="\n".join(transcript_lines(transcript.segments)) or transcript.text,
            questions=asked,
        )
        kwargs = {"method": self.method} if self.method else {}
        runnable = self.model.with_structured_output(answer_schema(questions), **kwargs)
        try:
            result = runnable.invoke([("system", self.system.text), ("human", user)])
        except Exception as exc:
            raise LLMUnavailable(f"The LLM ({self.name}) failed: {exc}"[:300]) from exc
        return {str(k): str(v) for k, v in dict(result or {}).items()}


def apply_answers(
    draft: Declaration,
    questions: Sequence[Question],
    answers: dict[str, str],
    check: Grounding,
    changed: Counter[str],
) -> Declaration:
    """`draft` with the answers that are valid choices applied; an invalid or missing answer
    leaves the offline value (a model's answer never overrides code's checks)."""
    out = draft.model_copy(deep=True)
    moves: dict[tuple[str, int], str] = {}
    for q in questions:
        value = answers.get(q.key)
        if value not in q.options:
            continue
        item: Any = getattr(out, q.part)[q.index]
        if q.field == "part":
            target = next((p for p, label in MOVABLE.items() if label == value), None)
            if target != q.part:
                moves[(q.part, q.index)] = target or NOT_AN_ITEM
        elif q.field == "status" and value != item.status:
            item.status, changed["status"] = value, changed["status"] + 1
        elif q.field in ("needed_from", "owner") and value != NOBODY:
            person = check.author if value == "the author" else check.person(value, q.field)
            if person:
                setattr(item, q.field, person)
                changed[q.field] += 1
        elif q.field == "rationale" and value != "no reason given":
            item.rationale, changed["rationale"] = value, changed["rationale"] + 1
    _move(out, moves, changed)
    return out


def _move(decl: Declaration, moves: dict[tuple[str, int], str], changed: Counter[str]) -> None:
    """Items moved to the part the model chose, or dropped as not items."""
    for part in MOVABLE:
        kept: list[PartItem] = []
        for i, item in enumerate(getattr(decl, part)):
            target = moves.get((part, i))
            if target is None:
                kept.append(item)
            elif target == NOT_AN_ITEM:
                changed["dropped"] += 1
            else:
                getattr(decl, target).append(_as(target, item))
                changed["moved"] += 1
        setattr(decl, part, kept)


def _as(part: str, item: Any) -> PartItem:
    if part == "shipped":
        return ShippedItem(summary=item.item, refs=item.refs, evidence=item.evidence)
    return InFlightItem(item=item.summary, refs=item.refs, status="done", evidence=item.evidence)
