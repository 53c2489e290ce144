"""Evidence: where in the transcript a field came from, and whether a quote is really there.

Speech evidence carries `start_s`/`end_s` (narrowed to the quoted words when the recognizer gave
word times), chat evidence the message's author and time. `ground` checks a quote a model returned
against the transcript: an exact (whitespace- and case-insensitive) hit, else the best fuzzy
alignment above a threshold; a quote that is not found is marked `supported=False`, never shown as
fact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from handoff.declaration import Evidence
from ingest.transcript import Segment, Transcript

GROUNDING_THRESHOLD = 85.0


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w#%:/.\-']+", " ", text.lower()).split())


def segment_evidence(quote: str, segment: Segment) -> Evidence:
    """Evidence for a quote taken from one segment, timed to its words when they are known."""
    start, end = segment.start_s, segment.end_s
    if segment.words:
        span = _word_span(quote, segment)
        if span:
            start, end = span
    return Evidence(quote=quote, start_s=start, end_s=end, speaker=segment.speaker, at=segment.at)


def _word_span(quote: str, segment: Segment) -> tuple[float, float] | None:
    """Start and end time of the quote's words inside the segment (first and last word found)."""
    tokens = [_norm(w.word) for w in segment.words]
    q = _norm(quote).split()
    if not q:
        return None
    n = len(q)
    for i in range(len(tokens) - n + 1):
        if tokens[i : i + n] == q:
            return segment.words[i].start_s, segment.words[i + n - 1].end_s
    first = next((i for i, t in enumerate(tokens) if t == q[0]), None)
    last = next((i for i in range(len(tokens) - 1, -1, -1) if tokens[i] == q[-1]), None)
    if first is not None and last is not None and last >= first:
        return segment.words[first].start_s, segment.words[last].end_s
    return None


@dataclass(frozen=True, slots=True)
class Grounding:
    segment: Segment | None
    score: float


def locate(quote: str, transcript: Transcript) -> Grounding:
    """The segment that holds the quote, with how well it matches (100 = verbatim): a verbatim hit
    in one segment first, then one running across two segments, then the best fuzzy alignment."""
    q = _norm(quote)
    if not q:
        return Grounding(None, 0.0)
    segments = transcript.segments or [Segment(text=transcript.text)]
    texts = [_norm(seg.text) for seg in segments]
    for seg, text in zip(segments, texts, strict=True):
        if q in text:
            return Grounding(seg, 100.0)
    for i in range(len(segments) - 1):
        if q in f"{texts[i]} {texts[i + 1]}":
            return Grounding(segments[i], 100.0)
    best = Grounding(None, 0.0)
    for seg, text in zip(segments, texts, strict=True):
        score = fuzz.partial_ratio(q, text) if len(q) <= len(text) + 10 else 0.0
        if score > best.score:
            best = Grounding(seg, score)
    return best


def ground(evidence: Evidence, transcript: Transcript) -> Evidence:
    """The evidence with its time/message filled from the transcript, or marked unsupported."""
    found = locate(evidence.quote, transcript)
    if found.segment is None or found.score < GROUNDING_THRESHOLD:
        return evidence.model_copy(update={"supported": False})
    located = segment_evidence(evidence.quote, found.segment)
    return located.model_copy(update={"supported": True})
