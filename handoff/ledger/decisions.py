"""Which earlier decision a new one replaces, and the reversals a wrap says without the
extractor giving them as decisions ("we undid yesterday's call on X: Y rather than Z after all").

A decision about the same subject as a current one supersedes it; a change cue ("instead",
"scratch", "undid", "after all") lets it replace one it shares fewer words with, and its subject
may sit in its reason or sentence rather than in the words the extractor kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from handoff.declaration import Decision
from handoff.ledger.cues import CHANGE_RE
from handoff.ledger.matching import Matcher, Named
from handoff.ledger.models import LedgerItem
from handoff.ledger.moves import SentenceLike
from handoff.text import normalize, overlap, strong_terms

_N = TypeVar("_N", bound=Named)

SUPERSEDE_EMBED = 0.62
SUPERSEDE_EMBED_WITH_CUE = 0.45
# Words that take an earlier decision back, whatever the new one says: stricter than CHANGE_RE
# ("instead" alone is a choice between two options, not a reversal of an earlier one).
REVERSAL_RE = re.compile(
    r"\b(?:undid|undo(?:ne|ing)?|scratch|revers(?:e|ed|ing)|revert(?:ed|ing)?|after all|"
    r"t(?:ake|ook|aking) (?:that|it|this|back)|walk(?:ed|ing)? back|on second thought|"
    r"chang(?:e|ed|ing) (?:our|my) minds?|going back (?:to|on)|back(?:ed|ing)? out of|"
    # "that WhatsApp call is off", "the 24-hour discount is off"
    r"(?:is|are)\s+off\b(?!\s+(?:today|tomorrow|until|till|on|for|sick|work|from|this|next)))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Stated:
    """One decision a wrap states: from the extractor (`where` is its field) or a reversal read
    from a sentence (`where` names the sentence; it counts only if it replaces something)."""

    where: str
    decision: Decision
    from_text: bool = False
    #: Read from a reversal cue: it counts only when it replaces a decision the ledger knows.
    reversal: bool = False


# A sentence labelled as a decision ("Decision on clock sync: we use PTP", "Decided: ...",
# "Change of plan on the tax tables: ..."): the label's subject is the decision's subject.
_LABELLED_RE = re.compile(
    r"^\W*(?:(?:the|one|another|a|our)\s+)?(?:decision|decided|change(?:\s+of\s+plan)?|new plan|"
    r"call)(?:\s+(?:on|about|for|re|regarding)\s+(?P<subject>[^:]{1,60}?))?\s*:\s*(?P<body>.+)$",
    re.IGNORECASE,
)
_NONE_RE = re.compile(r"^\W*(?:none|nothing|no(?:ne)? (?:decisions?|changes?)|n/?a)\b", re.I)


def same_subject(
    matcher: Matcher, decision: str, old: Named, parent: LedgerItem | None, full: str
) -> bool:
    """A new decision replaces `old` when both are about the same thing; a reversal (a change
    cue anywhere in what was said) may name the subject in its reason or quote only."""
    changed = bool(CHANGE_RE.search(full))
    if parent is not None and old.parent_id == parent.id:
        return changed or overlap(old.name, decision) >= 0.3
    shared = strong_terms(decision if not changed else full) & strong_terms(old.name)
    if len(shared) >= 2 and (changed or overlap(old.name, decision) >= 0.5):
        return True
    sim = matcher.similarity(decision, old)
    return sim >= (SUPERSEDE_EMBED_WITH_CUE if changed else SUPERSEDE_EMBED) and bool(shared)


def closest(same: Sequence[_N], full: str) -> list[_N]:
    """Of the decisions a new one could replace, the ones it is most about: a reversal "on leave
    balances" replaces the leave-balance decision, not another decision of that day that shares
    one word ("the portal") with its reason. Kept: those sharing at least 3/4 of the most
    identifying words any of them shares."""
    if len(same) < 2:
        return list(same)
    said = strong_terms(full)
    score = {old.id: len(said & strong_terms(old.name)) for old in same}
    best = max(score.values())
    return [old for old in same if score[old.id] >= 0.75 * best]


def restates(decision: str, old: Named) -> bool:
    if CHANGE_RE.search(decision):
        return False
    return normalize(decision) == old.key or (
        overlap(decision, old.name) >= 0.9 and overlap(old.name, decision) >= 0.9
    )


def stated(decisions: Sequence[Decision], sentences: Sequence[SentenceLike]) -> list[Stated]:
    """The extracted decisions, then the wrap's sentences none of them covers that state one
    outright under a decision label, or that reverse one (those count only if they replace
    something)."""
    out = [Stated(f"decisions[{i}]", d) for i, d in enumerate(decisions)]
    said = [normalize(d.decision) for d in decisions if d.decision.strip()]
    for n, s in enumerate(sentences):
        if any(k and k in normalize(s.text) for k in said):
            continue
        labelled = _LABELLED_RE.match(s.text)
        reversal = REVERSAL_RE.search(s.text) is not None
        if labelled is not None and _NONE_RE.match(labelled.group("body")):
            continue
        if labelled is None and not reversal:
            continue
        text = s.text
        if labelled is not None and labelled.group("subject") and not reversal:
            text = f"{labelled.group('subject')}: {labelled.group('body')}"
        elif labelled is not None and not reversal:
            text = labelled.group("body")
        what, why = _reason(text)
        decision = Decision(decision=what, rationale=why)
        kind = "reversal" if reversal else "labelled"
        out.append(Stated(f"{kind}[{n}]", decision, from_text=True, reversal=reversal))
    return out


def _reason(text: str) -> tuple[str, str | None]:
    """A decision's words and its reason: after "because", or after the colon of "we won't build
    the widget after all: the HR system already shows pay dates"."""
    what, _, why = text.partition(" because ")
    if not why.strip():
        head, colon, tail = what.partition(": ")
        if colon and REVERSAL_RE.search(head) and not REVERSAL_RE.search(tail):
            what, why = head, tail
    return what.strip(" ,;."), why.strip(" ,;.") or None
