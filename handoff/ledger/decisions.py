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

from handoff.declaration import Decision
from handoff.ledger.cues import CHANGE_RE
from handoff.ledger.matching import Matcher, Named
from handoff.ledger.models import LedgerItem
from handoff.ledger.moves import SentenceLike
from handoff.text import normalize, overlap, strong_terms

SUPERSEDE_EMBED = 0.62
SUPERSEDE_EMBED_WITH_CUE = 0.45
# Words that take an earlier decision back, whatever the new one says: stricter than CHANGE_RE
# ("instead" alone is a choice between two options, not a reversal of an earlier one).
REVERSAL_RE = re.compile(
    r"\b(?:undid|undo(?:ne|ing)?|scratch|revers(?:e|ed|ing)|revert(?:ed|ing)?|after all|"
    r"t(?:ake|ook|aking) (?:that|it|this|back)|walk(?:ed|ing)? back|on second thought|"
    r"chang(?:e|ed|ing) (?:our|my) minds?|going back (?:to|on))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Stated:
    """One decision a wrap states: from the extractor (`where` is its field) or a reversal read
    from a sentence (`where` names the sentence; it counts only if it replaces something)."""

    where: str
    decision: Decision
    from_text: bool = False


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


def restates(decision: str, old: Named) -> bool:
    if CHANGE_RE.search(decision):
        return False
    return normalize(decision) == old.key or (
        overlap(decision, old.name) >= 0.9 and overlap(old.name, decision) >= 0.9
    )


def stated(decisions: Sequence[Decision], sentences: Sequence[SentenceLike]) -> list[Stated]:
    """The extracted decisions, then the wrap's reversal sentences none of them covers."""
    out = [Stated(f"decisions[{i}]", d) for i, d in enumerate(decisions)]
    said = [normalize(d.decision) for d in decisions if d.decision.strip()]
    for n, s in enumerate(sentences):
        if not REVERSAL_RE.search(s.text) or any(k and k in normalize(s.text) for k in said):
            continue
        what, _, why = s.text.partition(" because ")
        decision = Decision(decision=what.strip(" ,;."), rationale=why.strip(" ,;.") or None)
        out.append(Stated(f"reversal[{n}]", decision, from_text=True))
    return out
