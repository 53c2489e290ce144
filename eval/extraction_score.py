"""Scoring a predicted declaration against a gold one.

Items are matched to gold items of the same part by text similarity (content words, rapidfuzz's
token-set ratio, refs in common count as a match), one to one, best pairs first. Per part we count
true positives, predictions and gold items; on matched pairs we check the attributes (in-flight
status and owner, a blocker's `needed_from`, a next action's owner), and per wrap `returns_at_iso`.
Missing flags are compared as field paths without indices (a multiset).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz

from handoff.declaration import LIST_PARTS, PART_BY_NAME
from handoff.missing import field_path
from handoff.text import FUNCTION_WORDS

MATCH_THRESHOLD = 60.0
RETURN_TOLERANCE_S = 60 * 60

_TEXT_FIELDS = {
    "shipped": ("summary",),
    "in_flight": ("item", "summary"),
    "decisions": ("decision", "rationale"),
    "blockers": ("description", "why_blocking"),
    "next_actions": ("action",),
}
_ATTRIBUTES = {
    "in_flight": ("status", "owner"),
    "blockers": ("needed_from",),
    "next_actions": ("owner",),
}


def _words(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    tokens = re.findall(r"[a-z0-9#]+(?:[-_.][a-z0-9]+)*", text)
    return " ".join(t for t in tokens if t not in FUNCTION_WORDS)


def similarity(part: str, gold: dict[str, Any], pred: dict[str, Any]) -> float:
    g = _words(str(gold.get(PART_BY_NAME[part].text) or ""))
    p = _words(" ".join(str(pred.get(k) or "") for k in _TEXT_FIELDS[part]))
    score = float(fuzz.token_set_ratio(g, p)) if g and p else 0.0
    if set(gold.get("refs") or ()) & set(pred.get("refs") or ()):
        score = max(score, 90.0)
    return score


def match(
    part: str, gold: list[dict[str, Any]], pred: list[dict[str, Any]]
) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index), best similarity first."""
    scored = sorted(
        (
            (similarity(part, g, p), gi, pi)
            for gi, g in enumerate(gold)
            for pi, p in enumerate(pred)
        ),
        reverse=True,
    )
    pairs: list[tuple[int, int]] = []
    used_g: set[int] = set()
    used_p: set[int] = set()
    for score, gi, pi in scored:
        if score < MATCH_THRESHOLD or gi in used_g or pi in used_p:
            continue
        pairs.append((gi, pi))
        used_g.add(gi)
        used_p.add(pi)
    return pairs


def same_person(gold: str | None, pred: str | None) -> bool:
    if not gold or not pred:
        return not gold and not pred
    g, p = _words(gold.lstrip("@")), _words(pred.lstrip("@"))
    if g == p:
        return True
    gf, pf = g.split()[:1], p.split()[:1]
    return bool(gf and pf and gf == pf) or fuzz.ratio(g, p) >= 85


def same_time(gold: str | None, pred: str | None) -> bool:
    if not gold or not pred:
        return not gold and not pred
    delta = datetime.fromisoformat(gold) - datetime.fromisoformat(pred)
    return abs(delta.total_seconds()) <= RETURN_TOLERANCE_S


@dataclass
class Counts:
    tp: int = 0
    pred: int = 0
    gold: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.pred += other.pred
        self.gold += other.gold

    @property
    def precision(self) -> float:
        return self.tp / self.pred if self.pred else (1.0 if not self.gold else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Score:
    parts: dict[str, Counts] = field(default_factory=lambda: {p: Counts() for p in LIST_PARTS})
    attributes: dict[str, list[int]] = field(default_factory=dict)  # name -> [right, total]
    missing: Counts = field(default_factory=Counts)
    errors: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for part, counts in other.parts.items():
            self.parts[part].add(counts)
        for name, (right, total) in other.attributes.items():
            acc = self.attributes.setdefault(name, [0, 0])
            acc[0] += right
            acc[1] += total
        self.missing.add(other.missing)
        self.errors.extend(other.errors)

    def _attr(self, name: str, ok: bool) -> None:
        acc = self.attributes.setdefault(name, [0, 0])
        acc[0] += int(ok)
        acc[1] += 1

    @property
    def items(self) -> Counts:
        total = Counts()
        for counts in self.parts.values():
            total.add(counts)
        return total

    @property
    def attribute_accuracy(self) -> float:
        right = sum(r for r, _ in self.attributes.values())
        total = sum(t for _, t in self.attributes.values())
        return right / total if total else 1.0


def score_example(gold: dict[str, Any], pred: dict[str, Any], *, label: str = "") -> Score:
    """Score one predicted declaration (contract JSON) against its gold declaration."""
    score = Score()
    for part in LIST_PARTS:
        g_items, p_items = gold.get(part) or [], pred.get(part) or []
        pairs = match(part, g_items, p_items)
        score.parts[part] = Counts(tp=len(pairs), pred=len(p_items), gold=len(g_items))
        matched_g = {gi for gi, _ in pairs}
        for gi, g in enumerate(g_items):
            if gi not in matched_g:
                score.errors.append(f"{label} {part}: missed {g.get(PART_BY_NAME[part].text)!r}")
        matched_p = {pi for _, pi in pairs}
        for pi, p in enumerate(p_items):
            if pi not in matched_p:
                score.errors.append(f"{label} {part}: extra {p.get(PART_BY_NAME[part].text)!r}")
        for gi, pi in pairs:
            for attr in _ATTRIBUTES.get(part, ()):
                if attr == "owner" and part == "in_flight" and "owner" not in g_items[gi]:
                    continue  # gold says nothing about this item's owner
                g_val, p_val = g_items[gi].get(attr), p_items[pi].get(attr)
                ok = g_val == p_val if attr == "status" else same_person(g_val, p_val)
                score._attr(f"{part}.{attr}", ok)
                if not ok:
                    score.errors.append(f"{label} {part}.{attr}: gold {g_val!r}, got {p_val!r}")
    ok = same_time(gold.get("returns_at_iso"), pred.get("returns_at_iso"))
    score._attr("returns_at", ok)
    if not ok:
        score.errors.append(
            f"{label} returns_at: gold {gold.get('returns_at_iso')!r}, "
            f"got {pred.get('returns_at_iso')!r} ({pred.get('returns_at')!r})"
        )
    g_missing = Counter(gold.get("missing") or [])
    p_missing = Counter(field_path(f["field"]) for f in pred.get("missing") or [])
    score.missing = Counts(
        tp=sum((g_missing & p_missing).values()),
        pred=sum(p_missing.values()),
        gold=sum(g_missing.values()),
    )
    for name in (g_missing - p_missing).elements():
        score.errors.append(f"{label} missing: not flagged {name}")
    for name in (p_missing - g_missing).elements():
        score.errors.append(f"{label} missing: wrongly flagged {name}")
    return score
