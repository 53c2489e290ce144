"""Answering a question from published handoffs, with citations (the offline composer).

First pass: retrieve field documents for the team, prefer the kind the question asks about and the
newest handoff's word on each item, and write one sentence per fact, each citing its handoff.
When nothing relevant is found, say so plainly rather than guess.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from search.index import FieldIndex, Hit

if TYPE_CHECKING:
    from handoff.store import HandoffStore

_KIND_CUES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bblock(ing|ed|er|ers)?\b|\bstuck\b|\bwaiting\b", re.I), "blocker"),
    (re.compile(r"\bdecid|\bdecision|\bwhy\b|\bchose\b", re.I), "decision"),
    (re.compile(r"\bship(ped)?\b|\bmerged\b|\breleased\b|\bdeployed\b", re.I), "shipped"),
    (re.compile(r"\bnext\b|\btodo\b|\bwho (will|should)\b", re.I), "next_action"),
    (re.compile(r"\bback\b|\breturn|\bonline\b|\bavailable\b", re.I), "returns"),
    (re.compile(r"\bstatus\b|\bwhere (is|are)\b|\bprogress\b|\bworking on\b", re.I), "in_flight"),
]
MIN_SCORE = 0.2


def wanted_kind(question: str) -> str | None:
    for pattern, kind in _KIND_CUES:
        if pattern.search(question):
            return kind
    return None


def _sentence(hit: Hit) -> str:
    m = hit.metadata
    kind = m.get("kind")
    if kind == "blocker":
        who = f"; {m['needed_from']} can clear it" if m.get("needed_from") else ""
        return f"Blocked: {hit.text.rstrip('.')}{who}."
    if kind == "decision":
        return f"Decided: {hit.text.strip().rstrip('.')}."
    if kind == "in_flight":
        return f"{m.get('item')}: {str(m.get('status', '')).replace('_', ' ')}."
    if kind == "next_action":
        owner = f" ({m['owner']})" if m.get("owner") else ""
        return f"Next: {hit.text.rstrip('.')}{owner}."
    if kind == "shipped":
        return f"Shipped: {hit.text.rstrip('.')}."
    return hit.text.rstrip(".") + "."


def _citation(hit: Hit) -> dict[str, Any]:
    m = hit.metadata
    return {
        "handoff_id": m.get("handoff_id"),
        "author": m.get("author") or None,
        "recorded_at": m.get("recorded_at") or None,
        "quote": m.get("quote") or hit.text,
        "kind": m.get("kind"),
        "start_s": m.get("start_s"),
    }


def answer_question(
    question: str,
    *,
    team: str,
    as_of: datetime | None,
    index: FieldIndex,
    store: HandoffStore | None = None,
    k: int = 12,
) -> dict[str, Any]:
    hits = index.search(question, team=team, as_of_ts=as_of.timestamp() if as_of else None, k=k)
    kind = wanted_kind(question)
    relevant = [h for h in hits if h.score >= MIN_SCORE]
    if kind:
        of_kind = [h for h in relevant if h.metadata.get("kind") == kind]
        relevant = of_kind or relevant
    if not relevant:
        return {
            "answer": "Nothing in the published handoffs answers that.",
            "citations": [],
        }
    # Keep the newest handoff's statement per item; then the best few by score.
    newest = max(float(h.metadata.get("recorded_ts", 0.0)) for h in relevant)
    relevant.sort(key=lambda h: (float(h.metadata.get("recorded_ts", 0.0)) == newest, h.score),
                  reverse=True)
    chosen = relevant[:3]
    return {
        "answer": " ".join(_sentence(h) for h in chosen),
        "citations": [_citation(h) for h in chosen],
    }
