"""Merging a sentence's clauses into groups of one idea (`summarizer.walk.Group`): when a clause
goes on about the group before it (its reason, who clears it, a pronoun for the same thing) and
when it starts a new item. Split from `summarizer.offline` so the clause walk stays readable."""

from __future__ import annotations

import re

from summarizer import owners, resolvers, rules, status_words
from summarizer.cues import BLOCKED_WORDS
from summarizer.items import SUBORDINATE
from summarizer.walk import Group

# "X; it's live behind the flag": a pronoun clause goes on about the same shipped item.
_SAME_THING = re.compile(
    r"^\s*(?:and\s+)?(?:(?:it|that|this)(?:'s|\s+is|\s+was|\s+has\s+been)|"
    # "...; she merged it after lunch": the object pronoun is the item just named
    r"(?:he|she|they|we|I)\s+(?:then\s+|also\s+)?\w+\s+(?:it|them|that)\b)",
    re.I,
)
# "nobody owns X; it broke this morning and it blocks Y": the pronoun goes on about the blocker.
_SAME_BLOCKER = re.compile(
    r"^\s*(?:and\s+)?(?:it|this|that)\b(?!\s+(?:is|'s)\s+(?:done|merged))", re.I
)
# "in review, waiting on Rami": a review being waited on is the review status, not a blocker.
_WAITING_ONLY = re.compile(r"^\s*(?:and\s+|still\s+)*waiting\s+(?:on|for)\b(?!.*\bblocked\b)", re.I)


def merge_piece(
    groups: list[Group], part: str | None, piece: str, sep: str, *, boundary: bool
) -> None:
    """Add a clause to the groups: appended to the last group when it goes on about it, else a
    group of its own (`boundary`: the clause starts a new sentence part or list item)."""
    if not groups:
        groups.append(Group(part, piece.strip(), lead_part=part))
        return
    prev = groups[-1]
    joined_sep = "; " if boundary else (sep if sep else " ")
    if SUBORDINATE.match(prev.text) and len(prev.text.split()) <= 6:
        # "Once Ingrid approves, I merge it": the condition belongs to what follows
        prev.part = part or prev.part
        prev.lead_part = part or prev.lead_part
    elif part is not None and prev.part is None:
        prev.part = part
        prev.lead_part = prev.lead_part or part
    elif part is not None and not _goes_on(prev, part, piece, sep, boundary=boundary):
        groups.append(Group(part, piece.strip(), lead_part=part))
        return
    prev.text += joined_sep + piece.strip()


def _goes_on(prev: Group, part: str, piece: str, sep: str, *, boundary: bool) -> bool:
    """Does a clause of part `part` continue the group before it rather than start its own?"""
    resolver_talk = (
        owners.names_resolver(piece) or resolvers.says_nobody(piece)
    ) and not rules.SELF_RE.match(piece)
    if part == prev.part == "blockers" and resolver_talk and not BLOCKED_WORDS.search(piece):
        # "the airport's data feed; only their liaison, Ernesto, can whitelist us": who clears
        # the blocker just named, not a second blocker
        return True
    if part == prev.part and (
        (part == "shipped" and _SAME_THING.match(piece))
        or (part == "blockers" and _SAME_BLOCKER.match(piece))
    ):
        return True  # "X; it's live behind the flag": same X
    if part == prev.part:
        new_action = part == "next_actions" and (boundary or rules.starts_clause(piece))
        return not (boundary or new_action or re.match(r"\s*,?\s*(?:and|but)\b", sep))
    if part == "shipped" and prev.part == "in_flight" and len(piece.split()) <= 3:
        return True  # "upgrade in progress, staging done, ..."
    if prev.part == "blockers" and part in ("next_actions", "in_flight") and resolver_talk:
        return True
    if (
        part == "blockers"
        and prev.part == "in_flight"
        and status_words.status_of(prev.text) == "in_review"
        and _WAITING_ONLY.match(piece)
    ):
        return True  # "in review, waiting on Rami": the review
    if part == "blockers" and prev.part in ("next_actions", "in_flight") and not boundary:
        prev.part = "blockers"
        return True
    return False
