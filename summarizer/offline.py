"""The offline extractor: rules over sentences, no model, no network. The default everywhere.

A wrap is read sentence by sentence. Labels people say or type ("In-flight:", "Blocker:",
"Next:") set the part that following clauses belong to; without a label, cue words decide. Every
item keeps its sentence as evidence, with the segment's time or chat message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from handoff.declaration import (
    Blocker,
    Decision,
    Declaration,
    Evidence,
    InFlightItem,
    NextAction,
    ShippedItem,
)
from handoff.refs import find_refs
from ingest.text import split_sentences
from ingest.transcript import Segment, Transcript
from summarizer.base import ExtractionContext
from summarizer.returns import find_return_time

_LABELS: dict[str, str] = {
    "shipped": "shipped",
    "done": "shipped",
    "completed": "shipped",
    "in-flight": "in_flight",
    "in flight": "in_flight",
    "in progress": "in_flight",
    "wip": "in_flight",
    "decision": "decisions",
    "decisions": "decisions",
    "decided": "decisions",
    "blocker": "blockers",
    "blockers": "blockers",
    "blocked": "blockers",
    "next": "next_actions",
    "next steps": "next_actions",
    "next actions": "next_actions",
    "todo": "next_actions",
    "to do": "next_actions",
}
_LABEL_RE = re.compile(
    r"^\s*(?:[-*•]\s*)?(" + "|".join(sorted(map(re.escape, _LABELS), key=len, reverse=True)) + r")\s*[:\-–—]\s*",
    re.IGNORECASE,
)
_EMPTY_RE = {
    "shipped": re.compile(r"\b(nothing|didn'?t|did not)\b.{0,20}\b(ship|shipped|merged|deployed)", re.I),
    "blockers": re.compile(r"\b(no|nothing|zero)\s+(blockers?|blocking|blocked)\b|\bnothing (is )?blocking\b", re.I),
    "decisions": re.compile(r"\bno\s+(new\s+)?decisions?\b|\bnothing decided\b", re.I),
    "next_actions": re.compile(r"\bno\s+next\s+(steps|actions)\b", re.I),
    "in_flight": re.compile(r"\bnothing (else )?in (flight|progress)\b", re.I),
}
_STATUS_CUES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bblocked\b|\bwaiting on\b.*\bdecision\b", re.I), "blocked"),
    (re.compile(r"\bin review\b|\bunder review\b|\breview(ers)?\b.*\b(open|approved)\b|\bPR\b.*\bopen\b", re.I), "in_review"),
    (re.compile(r"\b(merged|shipped|deployed|done|finished|completed)\b", re.I), "done"),
    (re.compile(r"\bnot started\b|\bhaven'?t started\b|\bnot yet started\b", re.I), "not_started"),
    (re.compile(r"\bin progress\b|\b\d{1,3}\s*%|\bworking on\b|\bhalfway\b|\bstarted\b", re.I), "in_progress"),
]
_ITEM_NAME_RE = re.compile(r"^\s*([a-z0-9]+(?:[-_/][a-z0-9]+)+|[A-Z][A-Z0-9]+-\d+|#\d+)\b")
_RESOLVER_RES = [
    re.compile(r"\b([A-Z][a-z]+)\s+(?:owns|needs to|has to|must|can)\b"),
    re.compile(r"\b(?:waiting on|waiting for|pending|need(?:s)? .{0,30}? from|blocked on|blocked by)\s+(?:a reply from\s+)?@?([A-Z][a-z]+)\b"),
    re.compile(r"\b(?:that's|it's)\s+([A-Z][a-z]+)'s\s+call\b"),
]
_RATIONALE_RE = re.compile(
    r"\s+(?:—|–|--)\s+|\s*[,;]?\s*\b(?:because|since|the reason being|so that|due to)\b\s*",
    re.I,
)
_SELF_RE = re.compile(r"^\s*(?:I'll|I will|I'm going to|I am going to|I need to|I should)\b", re.I)


@dataclass
class _Clause:
    text: str
    segment: Segment


def _clauses(transcript: Transcript) -> Iterator[_Clause]:
    segments = transcript.segments or [Segment(text=transcript.text)]
    for seg in segments:
        for sentence in split_sentences(seg.text):
            yield _Clause(sentence, seg)


def _evidence(clause: _Clause) -> Evidence:
    s = clause.segment
    return Evidence(quote=clause.text, start_s=s.start_s, end_s=s.end_s, speaker=s.speaker, at=s.at)


def _status(text: str) -> str:
    for pattern, status in _STATUS_CUES:
        if pattern.search(text):
            return status
    return "in_progress"


def _resolver(text: str) -> str | None:
    for pattern in _RESOLVER_RES:
        m = pattern.search(text)
        if m and m.group(1) not in {"I", "We", "The", "This", "It"}:
            return m.group(1)
    return None


def _item_name(text: str) -> str:
    m = _ITEM_NAME_RE.match(text)
    if m:
        return m.group(1)
    return " ".join(text.split()[:6]).rstrip(",.;")


def _split_list(body: str) -> list[str]:
    """Items inside one labelled sentence: split on ';' (and on sentences already split)."""
    return [p.strip(" ,.") for p in re.split(r";\s+", body) if p.strip(" ,.")]


class OfflineExtractor:
    """Rule-based extraction; fast (milliseconds) and deterministic."""

    name = "offline"

    def extract(self, transcript: Transcript, context: ExtractionContext) -> Declaration:
        decl = Declaration(
            author=context.author,
            team=context.team,
            recorded_at=context.recorded_at,
            extractor=self.name,
        )
        section: str | None = None
        stated_empty: set[str] = set()
        for clause in _clauses(transcript):
            text = clause.text
            m = _LABEL_RE.match(text)
            if m:
                section = _LABELS[m.group(1).lower()]
                text = text[m.end() :]
            for part, pattern in _EMPTY_RE.items():
                if pattern.search(text):
                    stated_empty.add(part)
            ret = find_return_time(text, recorded_at=context.recorded_at, default_tz=context.timezone)
            if ret is not None:
                decl.returns_at, decl.returns_at_iso = ret
                continue
            part = section or self._guess_part(text)
            if part is None or any(p.search(text) for p in _EMPTY_RE.values()):
                continue
            self._add(decl, part, _Clause(text, clause.segment), clause, context)
        decl.stated_empty = sorted(p for p in stated_empty if not getattr(decl, p))
        return decl

    @staticmethod
    def _guess_part(text: str) -> str | None:
        lowered = text.lower()
        if re.search(r"\b(blocked|blocker|blocking|waiting on|can't proceed)\b", lowered):
            return "blockers"
        if re.search(r"\b(decided|we chose|going with|settled on|decision)\b", lowered):
            return "decisions"
        if re.search(r"\b(shipped|merged|deployed|released)\b", lowered):
            return "shipped"
        if _SELF_RE.match(text) or re.search(r"\b(next|tomorrow i|follow up)\b", lowered):
            return "next_actions"
        if re.search(r"\b(in progress|in review|working on|\d+\s*%)\b", lowered):
            return "in_flight"
        return None

    def _add(
        self,
        decl: Declaration,
        part: str,
        clause: _Clause,
        source: _Clause,
        context: ExtractionContext,
    ) -> None:
        text = clause.text.strip(" .")
        ev = [_evidence(source)]
        refs = find_refs(text)
        if part == "shipped":
            decl.shipped = [*decl.shipped, ShippedItem(summary=text, refs=refs, evidence=ev)]
        elif part == "in_flight":
            item = InFlightItem(
                item=_item_name(text), status=_status(text), summary=text, refs=refs, evidence=ev  # type: ignore[arg-type]
            )
            decl.in_flight = [*decl.in_flight, item]
        elif part == "decisions":
            pieces = _RATIONALE_RE.split(text, maxsplit=1)
            decision, rationale = (pieces[0], pieces[1]) if len(pieces) == 2 else (text, None)
            decl.decisions = [
                *decl.decisions,
                Decision(decision=decision.strip(" ,;"), rationale=(rationale or "").strip() or None, evidence=ev),
            ]
        elif part == "blockers":
            item = next((i.item for i in decl.in_flight if i.item.lower() in text.lower()), None)
            if item:
                decl.in_flight = [
                    i.model_copy(update={"status": "blocked"}) if i.item == item else i
                    for i in decl.in_flight
                ]
            decl.blockers = [
                *decl.blockers,
                Blocker(description=text, item=item, needed_from=_resolver(text), evidence=ev),
            ]
        elif part == "next_actions":
            for action in _split_list(text):
                owner = _resolver(action) if not _SELF_RE.match(action) else None
                if owner is None and context.author and (
                    _SELF_RE.match(action) or re.match(r"^[a-z]", action)
                ):
                    # In a personal wrap, "I'll ..." and bare imperatives are the author's own.
                    owner = context.author
                item = next((i.item for i in decl.in_flight if i.item.lower() in action.lower()), None)
                decl.next_actions = [
                    *decl.next_actions,
                    NextAction(action=action, item=item, owner=owner, evidence=ev),
                ]
