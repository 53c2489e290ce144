"""Follow-ups: one question per missing flag, and the author's answer merged back into the draft.

The questions come from `handoff.missing` (each flag carries one). An answer — typed, or the
transcript of a short re-recording — is read with the same rules as a wrap, in the context of the
question: "Marco can approve it" answers "Who can resolve ...?" with `Marco`; "I will" answers "Who
will ...?" with the author; "back Monday 9am CET" answers the return time; "none" or "no blockers"
states a part empty; a part-level answer ("What shipped?") is extracted as that part's items. The
result is a patch for `HandoffStore.edit`, which validates it and recomputes the flags.
"""

from __future__ import annotations

import re
from typing import Any

from handoff.declaration import LIST_PARTS, PART_BY_NAME, Declaration, Evidence
from handoff.errors import InvalidInput
from handoff.missing import compute_missing, field_path
from ingest.text import transcript_from_text
from summarizer import owners, rules
from summarizer.base import ExtractionContext
from summarizer.normalize import normalize
from summarizer.offline import OfflineExtractor
from summarizer.people import PeopleIndex
from summarizer.returns import find_return_time, resolve_time

_SUBFIELD = re.compile(r"^(?P<part>[a-z_]+)\[(?P<index>\d+)\]\.(?P<key>[a-z_]+)$")
_NEGATIVE = re.compile(
    r"^\s*(?:none|no|nope|nothing|n/?a|nil|not really|nothing (?:else|new|to report)|no,? "
    r"(?:there (?:are|is|were|was) )?none)"
    r"\b[\w\s]{0,20}[.!]?\s*$",
    re.I,
)
_NOBODY = re.compile(r"^\s*(?:nobody|no ?one|not sure|unknown|don'?t know|dunno|idk)\b", re.I)
_LABEL = {
    "shipped": "Shipped", "in_flight": "In flight", "decisions": "Decision",
    "blockers": "Blocker", "next_actions": "Next",
}  # fmt: skip


def questions(declaration: Declaration) -> list[dict[str, str]]:
    """Every open flag with its one short question, in the flags' order."""
    return [
        {"field": f.field, "question": f.question or f.reason, "reason": f.reason}
        for f in compute_missing(declaration)
    ]


def answer_patch(
    declaration: Declaration,
    *,
    field: str,
    answer: str,
    context: ExtractionContext,
    evidence: Evidence | None = None,
) -> dict[str, Any]:
    """The edit that merges `answer` into `declaration` for the flag on `field`."""
    answer = " ".join(answer.split())
    if not answer:
        raise InvalidInput("The answer is empty.")
    open_fields = {f.field for f in compute_missing(declaration)}
    same_path = [f for f in open_fields if field_path(f) == field]
    if field not in open_fields and len(same_path) == 1:
        field = same_path[0]  # "blockers.needed_from" when only one blocker lacks a resolver
    if field not in open_fields:
        listed = ", ".join(sorted(open_fields)) or "none"
        raise InvalidInput(f"'{field}' has no open question; the open ones are: {listed}.")
    ev = evidence or Evidence(quote=answer, speaker=context.author)
    data = declaration.to_json()
    if field == "returns_at":
        return _returns_patch(answer, context)
    if field in LIST_PARTS:
        return _part_patch(field, answer, data, context, ev)
    m = _SUBFIELD.match(field)
    if not m:
        raise InvalidInput(f"'{field}' is not a field a follow-up can answer.")
    part, index, key = m["part"], int(m["index"]), m["key"]
    entries = list(data[part])
    entry = dict(entries[index])
    value = _subfield_value(key, answer, context)
    entry[key] = value
    entry["evidence"] = [*entry.get("evidence", []), ev.model_dump(mode="json")]
    entries[index] = entry
    return {part: entries}


def _returns_patch(answer: str, context: ExtractionContext) -> dict[str, Any]:
    text = normalize(answer)
    found = find_return_time(
        text if re.search(r"\bback\b", text, re.I) else f"back {text}",
        recorded_at=context.recorded_at,
        default_tz=context.timezone,
    )
    if found is None:
        when = resolve_time(text, recorded_at=context.recorded_at, default_tz=context.timezone)
        if when is None:
            raise InvalidInput(
                f"Could not read a time from '{answer}'; say e.g. 'tomorrow 9am Singapore time'."
            )
        found = (answer, when)
    phrase, when = found
    return {"returns_at": phrase, "returns_at_iso": when.isoformat() if when else None}


def _part_patch(
    part: str, answer: str, data: dict[str, Any], context: ExtractionContext, ev: Evidence
) -> dict[str, Any]:
    if _NEGATIVE.match(answer) or part in rules.stated_empty(answer):
        return {part: []}  # the author says the part is empty: stated, not flagged
    labelled = f"{_LABEL[part]}: {answer}"
    draft = OfflineExtractor().extract(transcript_from_text(labelled), context)
    items = [item.model_dump(mode="json") for item in getattr(draft, part)]
    if not items:
        items = [{PART_BY_NAME[part].text: answer}]
    for item in items:
        item["evidence"] = [ev.model_dump(mode="json")]
    return {part: [*data[part], *items]}


def _subfield_value(key: str, answer: str, context: ExtractionContext) -> str | None:
    people = PeopleIndex(vocabulary=context.vocabulary)
    text = normalize(answer)
    if key in ("owner", "needed_from"):
        if _NOBODY.match(text):
            raise InvalidInput("The answer names nobody; the question stays open.")
        if re.match(r"^\s*(?:I|me|myself|I'?ll|I will|I can|mine)\b", text, re.I):
            if not context.author:
                raise InvalidInput("'I' needs the author's name; answer with a name instead.")
            return context.author
        who = owners.resolver(text, people=people, exclude=set())
        if who:
            return who
        owner, how = owners.action_owner(text, people=people, me=context.author)
        if how == "named" and owner:
            return owner
        words = text.strip(" .!").split()
        if 0 < len(words) <= 4:
            return people.canonical(" ".join(words)) or " ".join(words)
        raise InvalidInput("Could not find a person or team in the answer; answer with a name.")
    if key == "rationale":
        reason = re.sub(
            r"^\s*(?:because|since|as|the reason (?:is|was|being)|so that)\s+", "", text, flags=re.I
        )
        return reason.strip(" .") or None
    return text.strip() or None
