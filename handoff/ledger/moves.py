"""What a wrap moves rather than reports: a blocker re-routed to someone else ("Dana is on leave,
so Femi signs it now") and work handed over ("passing the exporter to Kai", "picked up the
exporter from Noa"). The extractor gives neither as a field, so they are read from the wrap's own
sentences (`handoff.ledger.cues`) and recorded as events that change only who: `rerouted` sets
whom a blocker needs, `handed_over` a work item's owner (`handoff.ledger.state.derive`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from rapidfuzz import fuzz
from sqlalchemy.orm import Session

from handoff.ledger.cues import giver, handed_over, rerouted_to
from handoff.ledger.matching import Candidate, Matcher, Named, contained_name
from handoff.ledger.models import LedgerItem
from handoff.text import normalize, strong_terms

if TYPE_CHECKING:
    from handoff.store import Handoff

#: Records one event: (item, action, sentence text, clip time, detail).
Emit = Callable[..., None]


class SentenceLike(Protocol):
    @property
    def text(self) -> str: ...
    @property
    def start_s(self) -> float | None: ...


@dataclass(frozen=True)
class Line:
    """A sentence of the wrap (or a decision's words) that an event cites."""

    text: str
    start_s: float | None = None


@dataclass
class Moves:
    """One handoff's sentences and the ledger they may change."""

    session: Session
    matcher: Matcher
    at: datetime
    author: str | None
    sentences: Sequence[SentenceLike]
    #: Creates a work item a hand-over names that no wrap reported yet: (name, sentence number).
    new_work: Callable[[str, int], LedgerItem] | None = None
    #: Items this wrap itself created: a blocker it opens is not re-routed by its own words.
    created: frozenset[str] = frozenset()


def sentences(handoff: Handoff) -> list[Line]:
    """The wrap's sentences with their clip times (speech) — what resolution cues are read from."""
    segs = (handoff.transcript or {}).get("segments") or []
    out: list[Line] = []
    if segs:
        for seg in segs:
            for piece in re.split(r"(?<=[.!?;])\s+", str(seg.get("text") or "")):
                if piece.strip():
                    out.append(Line(piece.strip(), seg.get("start_s")))
    elif handoff.source_text:
        for piece in re.split(r"(?<=[.!?;])\s+|\n+", handoff.source_text):
            if piece.strip():
                out.append(Line(piece.strip(), None))
    return out


def sentence_with(sentences: Sequence[SentenceLike], text: str) -> str | None:
    """The wrap's sentence that says `text` (the extractor's words are often a cut of it)."""
    key = normalize(text)
    if not key:
        return None
    return next((s.text for s in sentences if key in normalize(s.text)), None)


def _shares_subject(sentence: str, blocker: Candidate, parent: LedgerItem | None) -> bool:
    """Whether a sentence is about this blocker: two identifying words of the blocker (or of the
    work it blocks) in common, or one besides the person it waits on."""
    said = strong_terms(sentence)
    words = strong_terms(blocker.name) | (strong_terms(parent.name) if parent else frozenset())
    shared = {t for t in words if t in said or any(len(t) >= 4 and s.startswith(t) for s in said)}
    if len(shared) >= 2:
        return True
    person = strong_terms(blocker.needed_from or "")
    return bool(shared - person) and bool(person & said)


def reroutes(m: Moves, emit: Emit) -> None:
    """Blockers opened before this wrap that it hands to someone else: the new person is the one
    who can clear them now (the one named first no longer is). A sentence that names its blocker
    only by a pronoun ("So it waits on Bea now") is about the one the sentence before names; a
    blocker is re-routed once per wrap (its first re-routing sentence says it)."""
    open_blockers = m.matcher.candidates("blocker", states=("open",), before=m.at)
    moved: set[str] = set()
    for n, sentence in enumerate(m.sentences):
        if rerouted_to(sentence.text, old=None, author=m.author) is None:
            continue  # the sentence re-routes nothing, whichever blocker it is about
        before = m.sentences[n - 1].text if n else ""
        for blocker in open_blockers:
            if blocker.id in moved or blocker.id in m.created:
                continue
            who = rerouted_to(sentence.text, old=blocker.needed_from, author=m.author)
            if who is None:
                continue  # it names only the person this blocker already waits on
            parent = m.session.get(LedgerItem, blocker.parent_id) if blocker.parent_id else None
            about = _shares_subject(sentence.text, blocker, parent) or (
                _PRONOUN_SUBJECT_RE.search(sentence.text) is not None
                and _shares_subject(f"{before} {sentence.text}", blocker, parent)
            )
            if about:
                moved.add(blocker.id)
                detail = {"needed_from": who, "previously": blocker.needed_from}
                emit(m.matcher.item(blocker), "rerouted", sentence, **detail)


#: A sentence whose subject is a pronoun: what it is about is in the sentence before.
_PRONOUN_SUBJECT_RE = re.compile(
    r"^(?:\W*(?:so|and|but|now|then)\b,?\s+)?(?:it|this|that|they|she|he)\b", re.IGNORECASE
)


def handovers(m: Moves, emit: Emit) -> None:
    """Work this wrap hands over, in either voice: the new owner owns it from here on. Work no
    wrap reported before is known from the hand-over itself ("I'm handing the leave bug to
    Chloe" says that work exists and who owns it now)."""
    for n, sentence in enumerate(m.sentences):
        moved = handed_over(sentence.text, author=m.author)
        if moved is None:
            continue
        thing, owner = moved
        item = _work_named(m, thing)
        if item is None and m.new_work is not None and len(strong_terms(thing)) >= 1:
            item = m.new_work(thing, n)
        if item is not None and normalize(item.owner or "") != normalize(owner):
            before = item.owner or giver(sentence.text, taker=owner, author=m.author)
            # "...to Shauna; from Monday they're hers": the moment may follow a semicolon.
            nxt = m.sentences[n + 1].text if n + 1 < len(m.sentences) else ""
            tail = nxt if re.match(r"\W*(?:from|starting|as of|she|he|they)\b", nxt, re.I) else ""
            when = takes_effect(f"{sentence.text} {tail}", m.at)
            emit(item, "handed_over", sentence, owner=owner, previously=before, effective=when)


def _work_named(m: Moves, thing: str) -> LedgerItem | None:
    """The known work item a hand-over names: its exact name, a known name it contains, or a
    close spelling of the whole name. Not a longer item that merely contains the words ("pager
    routing for the alerts" is not "the alerts"): a hand-over names its work outright."""
    if not strong_terms(thing):
        return None
    key = normalize(thing)
    pool = m.matcher.candidates("work")
    exact = next((c for c in pool if c.key == key), None)
    named = exact or contained_name(pool, thing)
    if named is None:
        best = max(pool, key=lambda c: fuzz.ratio(key, c.key), default=None)
        named = best if best is not None and fuzz.ratio(key, best.key) >= 88 else None
    return m.matcher.item(named) if named is not None else None


# A decision names what it drops: "Equifax rather than Experian", "instead of moving to Feast".
_DROPPED_RE = re.compile(r"\b(?:rather than|instead of|not|over)\s+(?P<x>[^,;.:()]+)", re.I)


def dropped(text: str) -> frozenset[str]:
    """Stems of the named options (capitalized: products, vendors) a decision drops."""
    out: set[str] = set()
    for m in _DROPPED_RE.finditer(text):
        names = " ".join(re.findall(r"\b[A-Z][\w-]+", m.group("x")))
        chosen = re.split(r"[:;]", text[: m.start()])[-1]  # "we're going with Equifax"
        out |= strong_terms(names) - strong_terms(chosen)
    return frozenset(out)


def moot_blockers(m: Moves, said: str, decision: Line, decision_id: str, emit: Emit) -> None:
    """Open blockers on an option a new decision dropped ("the Experian integration is blocked"
    after "Equifax rather than Experian"): the decision replaced the work they block. `said` is
    everything the wrap said of the decision; `decision` the words an event cites."""
    gone = dropped(said)
    if not gone:
        return
    for blocker in m.matcher.candidates("blocker", states=("open",), before=m.at):
        parent = m.session.get(LedgerItem, blocker.parent_id) if blocker.parent_id else None
        words = strong_terms(blocker.name) | (strong_terms(parent.name) if parent else frozenset())
        if gone & words:
            emit(m.matcher.item(blocker), "resolved", decision, because="replaced", by=decision_id)


# "It's blocked: ..." names its work in the sentence before ("Now on the November report.").
_PRONOUN_BLOCKED_RE = re.compile(
    r"^\s*(?:it|this|that)(?:'s|\s+is|\s+was)?\s+(?:\w+\s+)?blocked\b\s*[:,-]?\s*", re.I
)
_LEAD_IN_RE = re.compile(
    r"^(?:(?:now|currently|also|and|then|today)\s+)*(?:(?:i'm|i am|we're|we are)\s+)?"
    r"(?:(?:now\s+)?(?:on|working on|started(?: on)?|starting(?: on)?|picked up|moving to|"
    r"doing)\s+)?(?:the\s+|a\s+|our\s+)?",
    re.I,
)


def with_antecedent(description: str, sentences: Sequence[SentenceLike]) -> str:
    """A blocker said with a pronoun ("It's blocked: the export is late") named after the work
    in the sentence before it ("merchant report for November is blocked: the export is late"),
    so that it is found by, and shown with, the work it blocks. Unchanged otherwise."""
    m = _PRONOUN_BLOCKED_RE.match(description)
    if m is None:
        return description
    key = normalize(description)[:40]
    texts = [s.text for s in sentences]
    at = next((i for i, t in enumerate(texts) if key and key in normalize(t)), None)
    if not at:
        return description
    before = texts[at - 1].rstrip(" .;:!")
    work = _LEAD_IN_RE.sub("", before.split(",")[0]).strip()
    if not strong_terms(work) or len(work.split()) > 10:
        return description
    return f"{work} is blocked: {description[m.end() :]}"


def about_blocker(session: Session, sentence: str, blocker: Named) -> bool:
    """Whether a resolution sentence is about this blocker: shared identifying words (two, or
    one and the whole name of the work it blocks)."""
    blocker_terms = strong_terms(f"{blocker.name} {blocker.needed_from or ''}")
    said = strong_terms(sentence)
    shared = {
        t for t in blocker_terms if t in said or any(len(t) >= 4 and s.startswith(t) for s in said)
    }
    if len(shared) >= 2:
        return True
    if shared and blocker.parent_id:
        parent = session.get(LedgerItem, blocker.parent_id)
        return parent is not None and normalize(parent.name) in normalize(sentence)
    return False


_EFFECTIVE_RE = re.compile(
    r"\b(?:from|as of|starting)\s+(?P<when>tomorrow|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday)\b",
    re.IGNORECASE,
)
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def takes_effect(sentence: str, at: datetime) -> datetime | None:
    """When a hand-over said "from tomorrow" or "from Monday" takes effect: the start of that
    day (in the wrap's clock); None when it takes effect as it is said."""
    m = _EFFECTIVE_RE.search(sentence)
    if m is None:
        return None
    word = m.group("when").lower()
    ahead = 1 if word == "tomorrow" else (_DAYS.index(word) - at.weekday()) % 7 or 7
    day = (at + timedelta(days=ahead)).replace(hour=0, minute=0, second=0, microsecond=0)
    return day
