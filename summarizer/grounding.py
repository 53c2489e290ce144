"""What code checks of a model's answer before anything it says is shown as fact.

A small model writes plausible values the wrap never gave: a rationale it finds sensible
("maintainability"), an owner from the team list, a status that reads well. Each value a reviewer
would act on must be supported by the transcript (a quote, the words of the value, a status cue
near the item) or by the offline reader's finding for the same item; an unsupported value is
dropped, so the missing-field flags ask the author instead of the draft asserting it. Every check
that fires is counted (`Grounding.fired`), which is how `handoff eval` reports how often a model
needed catching.

- an item whose quote is not in the transcript is dropped (`quote_not_found`), and so is one whose
  own words its quote does not support (`text_unsupported`: an action "I'll take it" quoting
  "I'm back Monday");
- owners and resolvers must be people the transcript names (`owner_unnamed`, `resolver_unnamed`);
- a rationale or a reason for blocking must be said: its content words found in the transcript
  (`rationale_unsupported`, `why_blocking_unsupported`);
- a status other than in progress needs a cue in the item's own words, or the offline reader's
  agreement (`status_unsupported`, the item is then in progress);
- refs must occur in the transcript (`ref_unseen`); a return time must be found
  (`return_unsupported`).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from pydantic import BaseModel
from rapidfuzz import fuzz

from handoff.declaration import Declaration, Evidence, Part, PartItem
from handoff.names import fold
from handoff.refs import find_refs, normalize_ref
from ingest.transcript import Transcript
from summarizer import rules
from summarizer.base import ExtractionContext
from summarizer.evidence import ground
from summarizer.normalize import normalize
from summarizer.people import PeopleIndex

#: Words that say a status; a claimed status needs one in the item's quote or item text.
STATUS_CUES: dict[str, re.Pattern[str]] = {
    "done": re.compile(
        r"\b(?:(?<!half )(?<!not )(?<!n't )(?<!not yet )done|finish\w*|complet\w*|merged|"
        r"shipped|deploy\w*|released|landed|closed|live|"
        r"wrapped up|sorted|fixed)\b|✅|✔",
        re.I,
    ),
    "in_review": re.compile(
        r"\b(?:review\w*|approv\w*|PR\s+(?:is\s+)?(?:up|open)|awaiting|sign[- ]?off|LGTM)\b|👀",
        re.I,
    ),
    "blocked": re.compile(
        r"\b(?:block\w*|stuck|waiting\s+(?:on|for)|wait\w* on|can(?:no|')t|unable|held up|"
        r"on hold|needs?\b)\b|⛔|🚫|🛑",
        re.I,
    ),
    "not_started": re.compile(
        r"\b(?:not\s+(?:yet\s+)?started|haven'?t\s+(?:started|begun|touched)|todo|to do|next|"
        r"tomorrow|later|queued|planned|will|going to)\b|➡|⏭",
        re.I,
    ),
}
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "at",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "we",
        "i",
        "you",
        "he",
        "she",
        "they",
        "them",
        "our",
        "my",
        "your",
        "their",
        "so",
        "because",
        "since",
        "due",
        "there",
        "not",
        "no",
        "yes",
        "do",
        "does",
        "did",
        "has",
        "have",
        "had",
        "will",
        "would",
        "should",
        "can",
        "could",
        "just",
        "also",
        "than",
        "then",
    ]
)


def _content_words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9']+", fold(text)) if len(w) > 2 and w not in _STOP]


def said(value: str, transcript_text: str, *, share: float = 0.6) -> bool:
    """Whether `value` is something the transcript says: most of its content words occur in it
    (matched on their first five letters, so "migrating" supports "migration"), or it is a
    near-verbatim piece of it."""
    words = _content_words(value)
    if not words:
        return False
    stems = {w[:5] for w in _content_words(transcript_text)}
    found = sum(1 for w in words if w[:5] in stems)
    if found / len(words) >= share:
        return True
    return fuzz.partial_ratio(fold(value), fold(transcript_text)) >= 90


class Grounding:
    """The checks for one transcript (see the module's docstring); `fired` counts each check that
    dropped or changed a value."""

    def __init__(
        self,
        transcript: Transcript,
        context: ExtractionContext,
        *,
        offline: Declaration | None = None,
    ) -> None:
        self.transcript = transcript
        self.author = context.author
        self.people = PeopleIndex(
            vocabulary=context.vocabulary,
            speakers={s.speaker for s in transcript.segments if s.speaker},
        )
        self.text = normalize(transcript.text)
        self.said = fold(self.text)
        self.refs = set(find_refs(self.text)) | set(find_refs(transcript.text))
        self.offline = offline
        self.fired: Counter[str] = Counter()

    def evidence(self, quote: str) -> Evidence | None:
        """The quote grounded in the transcript, or None (not found, or addressed to the system)."""
        quote = re.sub(r"^\s*(?:\[[^\]]*\]\s*)?[@\w.-]+:\s+", "", quote).strip()
        if not quote or rules.is_instruction(quote):
            return None
        grounded = ground(Evidence(quote=quote), self.transcript)
        return grounded if grounded.supported else None

    def item(self, part: Part, raw: BaseModel) -> PartItem | None:
        """The declaration's item for one of the model's, or None when its quote is not found."""
        ev = self.evidence(str(getattr(raw, "quote", "")))
        if ev is None:
            self.fired["quote_not_found"] += 1
            return None
        values = raw.model_dump(exclude={"quote"})
        if not said(str(values.get(part.text) or ""), ev.quote, share=0.34):
            self.fired["text_unsupported"] += 1
            return None
        if "refs" in values:
            kept = [
                r for r in dict.fromkeys(normalize_ref(v) for v in values["refs"]) if r in self.refs
            ]
            self.fired["ref_unseen"] += len(set(values["refs"])) - len(kept)
            values["refs"] = kept
        if part.people and values.get(part.people):
            values[part.people] = self.person(values[part.people], part.people)
        for field in ("rationale", "why_blocking"):
            if values.get(field) and not said(values[field], self.text):
                self.fired[f"{field}_unsupported"] += 1
                values[field] = None
        if values.get("status") not in (None, "in_progress"):
            values["status"] = self._status(values, ev)
        return part.model(**values, evidence=[ev])

    def person(self, name: str | None, field: str) -> str | None:
        """The team's name for an owner or resolver (`field`) the transcript names; a name it
        never says is dropped and counted."""
        found = named_person(name, people=self.people, said=self.said, author=self.author)
        if found is None and not _is_nobody(name):
            self.fired["resolver_unnamed" if field == "needed_from" else "owner_unnamed"] += 1
        return found

    def _status(self, values: dict[str, Any], ev: Evidence) -> str:
        status = str(values["status"])
        words = f"{ev.quote} {values.get('item') or ''} {values.get('summary') or ''}"
        if STATUS_CUES[status].search(words) or status == self._offline_status(values):
            return status
        self.fired["status_unsupported"] += 1
        return "in_progress"

    def _offline_status(self, values: dict[str, Any]) -> str | None:
        """The offline reader's status for the item the model describes, if it found it."""
        if self.offline is None:
            return None
        name = fold(str(values.get("item") or ""))
        best = max(
            self.offline.in_flight,
            key=lambda i: fuzz.token_set_ratio(name, fold(i.item)),
            default=None,
        )
        if best is not None and fuzz.token_set_ratio(name, fold(best.item)) >= 80:
            return best.status
        return None

    def returns(self, returns_at: str, quote: str | None) -> bool:
        """Whether a return time is supported: its quote is found, or its words are said."""
        ok = (self.evidence(quote) is not None) if quote else said(returns_at, self.text)
        if not ok:
            self.fired["return_unsupported"] += 1
        return ok


def _is_nobody(name: str | None) -> bool:
    return not name or fold(name) in {"null", "none", "nobody", "someone", "unknown", "n/a"}


def named_person(
    name: str | None, *, people: PeopleIndex, said: str, author: str | None
) -> str | None:
    """The team's name for a person the transcript mentions; a name it never says is dropped."""
    if _is_nobody(name):
        return None
    assert name is not None
    canonical = people.canonical(name)
    if author and canonical and fold(canonical) in {fold(author), "me", "i", "author"}:
        return author
    if fold(name) in {"me", "i", "author", "the author"}:
        return author
    candidates = {fold(name), fold(name).split()[0], fold(canonical or "")}
    for p in people.vocabulary.people:
        if canonical == p.name:
            candidates |= {fold(a) for a in p.aliases} | ({fold(p.handle)} if p.handle else set())
    words = set(re.findall(r"[\w'-]+", said))
    for c in candidates:
        if c and (c in words or c.lstrip("@") in words or (" " in c and c in said)):
            return canonical
    # A spoken spelling the team's vocabulary resolves ("Shivon" for Siobhan).
    for w in words:
        if len(w) > 2 and fuzz.ratio(w, fold(name)) >= 85:
            return canonical
        if len(w) > 2 and people.canonical(w) == canonical and canonical != w:
            return canonical
    return None
