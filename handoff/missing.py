"""Missing-field flags, computed by code from a declaration and never taken on trust from a model.

A part the wrap never mentions is flagged; a part stated as empty is not. Inside items, a blocker
nobody can resolve, a next action nobody owns and a decision without its reason are flagged. Each
flag carries a sentence a person understands and one short follow-up question for the author.
"""

from __future__ import annotations

import re

from handoff.declaration import LIST_PARTS, Declaration, MissingFlag

_PART_REASONS: dict[str, tuple[str, str]] = {
    "shipped": (
        "The wrap does not say what shipped (say 'nothing shipped' if that is the case).",
        "Did anything ship this shift, and if so what?",
    ),
    "in_flight": (
        "The wrap does not list any work in flight or its status.",
        "What are you in the middle of, and where does each item stand?",
    ),
    "decisions": (
        "The wrap does not mention any decisions (say 'no decisions' if none were made).",
        "Were any decisions made this shift, and why?",
    ),
    "blockers": (
        "The wrap does not say whether anything is blocked (say 'no blockers' if nothing is).",
        "Is anything blocked, and who can unblock it?",
    ),
    "next_actions": (
        "The wrap does not say what should happen next.",
        "What should happen next, and who will do it?",
    ),
    "returns_at": (
        "The wrap does not say when the author is back.",
        "When are you back online (with your time zone)?",
    ),
}


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# "someone should look at X" asks "Who will look at X?", not "Who will 'someone should ...'?"
_UNOWNED_LEAD = re.compile(
    r"^(?:(?:next|then|also|and)\s*[:,]?\s*)*(?:(?:can|could|would)\s+(?:someone|somebody|anyone|you)\s+"
    r"(?:please\s+)?|(?:someone|somebody|anyone|we|you)\s+(?:really\s+)?(?:should|needs?\s+to|has\s+to|"
    r"have\s+to|must|could|can|will|ought\s+to)\s+(?:probably\s+|also\s+)?|please\s+)",
    re.IGNORECASE,
)


def _action_question(action: str) -> str:
    core = _UNOWNED_LEAD.sub("", " ".join(action.split())).rstrip(" ?.!")
    if not core:
        return "Who will do this?"
    return f"Who will {_short(core[0].lower() + core[1:])}?"


def compute_missing(declaration: Declaration) -> list[MissingFlag]:
    """Every required field the declaration lacks, in a stable order."""
    flags: list[MissingFlag] = []
    stated_empty = set(declaration.stated_empty)
    for part in LIST_PARTS:
        if not getattr(declaration, part) and part not in stated_empty:
            reason, question = _PART_REASONS[part]
            flags.append(MissingFlag(field=part, reason=reason, question=question))
    if not declaration.returns_at and "returns_at" not in stated_empty:
        reason, question = _PART_REASONS["returns_at"]
        flags.append(MissingFlag(field="returns_at", reason=reason, question=question))

    for i, blocker in enumerate(declaration.blockers):
        if not blocker.needed_from:
            what = _short(blocker.description)
            flags.append(
                MissingFlag(
                    field=f"blockers[{i}].needed_from",
                    reason=f"Nobody is named who can resolve the blocker '{what}'.",
                    question=f"Who can resolve '{what}'?",
                )
            )
    for i, action in enumerate(declaration.next_actions):
        if not action.owner:
            what = _short(action.action)
            flags.append(
                MissingFlag(
                    field=f"next_actions[{i}].owner",
                    reason=f"The next action '{what}' has no owner.",
                    question=_action_question(action.action),
                )
            )
    for i, decision in enumerate(declaration.decisions):
        if not decision.rationale:
            what = _short(decision.decision)
            flags.append(
                MissingFlag(
                    field=f"decisions[{i}].rationale",
                    reason=f"The decision '{what}' is recorded without its reason.",
                    question=f"Why was it decided to {what[0].lower() + what[1:]}?"
                    if what
                    else "Why was this decided?",
                )
            )
    return flags


def with_flags(declaration: Declaration) -> Declaration:
    """A copy of the declaration whose `missing` list is recomputed from its content."""
    return declaration.model_copy(update={"missing": compute_missing(declaration)})


def field_path(flag_field: str) -> str:
    """The flag's field path without indices (`blockers[2].needed_from` -> `blockers.needed_from`),
    the form evaluation files use."""
    out: list[str] = []
    depth = 0
    for ch in flag_field:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)
