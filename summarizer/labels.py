"""Which part of a declaration a heading or label introduces ("## Risks / blockers" -> blockers,
"What did you accomplish today?" -> shipped).

A table of phrasings comes first: it is exact, instant and explains itself. Headings it does not
know can go to a nearest-example classifier over sentence embeddings (the MiniLM model the search
side already ships), given an embedder by the caller — the summarizer never builds one, so the
offline path stays model-free unless a caller opts in.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable, Sequence
from typing import Protocol

# Phrasings per part, tried in this order (a "next blockers" heading is about blockers).
_TABLE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "returns_at",
        re.compile(
            r"^(?:back|availability|available|returning|return|ooo|out of office|"
            r"away|schedule|when I'?m back|back online|see you|online again|next on(?:line)?)\b|"
            r"\bwhen\b.{0,30}\b(?:back|online|available|around|in)\b|\bout of (?:the )?office\b|"
            r"\bOOO\b|\btime off\b|\bPTO\b|\bleave\b|\bout (?:today|tomorrow|next)\b",
            re.I,
        ),
    ),
    (
        "blockers",
        re.compile(
            r"\b(?:blockers?|blocked|blocking|impediments?|in (?:your|the) way|risks?|stuck|"
            r"slowing|holding (?:you|us|it) (?:up|back)|roadblocks?|concerns?|dependenc(?:y|ies)|"
            r"need (?:something|anything) from|what do you need|asks|at risk|"
            r"help needed|need help|obstacles?|issues|problems|waiting on|snags?|hiccups?|"
            r"gotchas?|trouble|headaches?|hurdles?|"
            # a table's state for a machine or job that cannot go on ("| QC-3 | stopped |")
            r"stopped|halted|out of service|broken|faulty|"
            # "Did anything stop you?", "What's stopping you?", "Anything slow you down?"
            r"stop(?:ped|ping|s)?\s+(?:you|us|me|the\s+team)|slow(?:ed|s)?\s+(?:you|us|me)\s+down)\b",
            re.I,
        ),
    ),
    (
        "decisions",
        re.compile(
            r"\b(?:decisions?|decided|decide|we chose|choices|cho(?:o)?sen|calls? made|agreed|"
            r"settled(?: on)?|"
            # "Calls you made today?", "Any calls you took?"
            r"calls?\s+(?:(?:you|we|I)\s+)?(?:made|took|taken|had\s+to\s+make)|"
            # what was turned down is a call too: "Turned down", "Said no to", "Rejected"
            r"turned\s+down|said\s+no\s+to|rejected|ruled\s+out|changed\s+course)\b",
            re.I,
        ),
    ),
    # a question about what was done ("What did you ship today?") before "today" reads as a plan
    (
        "shipped",
        re.compile(
            r"\b(?:did you (?:do|get done|finish|ship|complete|deliver|land|release|merge)|"
            r"have you (?:done|finished|shipped|completed|delivered)|went out|out the door)\b",
            re.I,
        ),
    ),
    (
        "next_actions",
        re.compile(
            r"\b(?:next|tomorrow|to ?dos?|todo|plan(?:ned|s)?|action(?: items)?|actions|"
            r"priorit(?:y|ies)|focus|goals?|on deck|left to do|remaining|carr(?:y|ied)[- ]over|"
            r"follow[- ]?ups?|coming up|up next|will you do|going to do|later)\b",
            re.I,
        ),
    ),
    (
        "in_flight",
        re.compile(
            r"\b(?:in[- ]flight|in progress|wip|ongoing|current(?:ly)?|working on|in review|"
            r"(?:waiting|awaiting|ready)\s+for\s+review|under review|in qa|testing|"
            r"open|still going|still on|not started|doing|on your plate|on the go|progress|"
            r"on the rails|underway|under way|in motion|cooking|moving|"
            r"review(?:ing)?)\b",
            re.I,
        ),
    ),
    (
        "shipped",
        re.compile(
            r"\b(?:shipped|done|did|completed?|released|deployed|merged|finished|wins|"
            r"get done|got done|accomplish(?:ed)?|did you do|yesterday|landed|delivered|"
            r"finish(?:ed)?|went out|out the door|went live|wrapped up|achieved)\b",
            re.I,
        ),
    ),
    # "Today:" in a Yesterday / Today / Blockers template is the plan
    ("next_actions", re.compile(r"\btoday\b", re.I)),
)


_NO_PART = re.compile(
    r"\bhow (?:do|are) you (?:feel|feeling|doing)\b|\bmood\b|\bhow'?s it going\b|"
    r"\bhow (?:was|is) your (?:day|week|weekend)\b",
    re.I,
)


def label_part(label: str) -> str | None:
    """The part a heading's words name, from the table; None when it names none ("Recap")."""
    text = " ".join(label.replace("*", " ").replace("_", " ").split())
    if not text or len(text.split()) > 10:
        return None
    if _NO_PART.search(text):
        return None  # "How do you feel today?": a bot's question that no part answers
    for part, pattern in _TABLE:
        if pattern.search(text):
            return part
    return None


log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Anything that turns texts into vectors (the search side's embedders fit)."""

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


#: Example headings per part, for phrasings the table lacks: labels and a bot's questions.
EXAMPLES: dict[str, tuple[str, ...]] = {
    "shipped": (
        "Shipped", "What I finished", "Accomplishments", "Completed today", "Wins",
        "What did you get done?", "What moved forward?", "Delivered", "What went live?",
        "Closed out", "Highlights", "Finished work", "Achievements", "Sorted", "What's wrapped up?",
        "What got done?", "What's finished?",
    ),
    "in_flight": (
        "In progress", "Still working on", "Current work", "Open items", "Ongoing",
        "What are you working on?", "What are you focused on?", "Currently on my plate",
        "Where things stand", "Status of work", "Under way", "In review", "Loose ends",
        "Open threads", "Pending", "Still open", "Work in hand", "What's still hanging?",
        "Half done", "What's still open?",
    ),
    "decisions": (
        "Decisions", "What we decided", "Choices made", "Agreed", "Any calls made?",
        "Decisions taken", "What did we settle on?", "Resolutions", "Calls", "Rulings",
        "What we agreed", "Choices",
    ),
    "blockers": (
        "Blockers", "Impediments", "Anything in your way?", "Risks", "Need help with",
        "Need help with anything?", "Where are you stuck?", "Problems", "Issues",
        "Waiting on", "Dependencies", "Red flags", "Warnings", "Concerns", "Trouble",
        "Showstoppers", "Obstacles",
    ),
    "next_actions": (
        "Next steps", "Tomorrow", "What's next?", "Plan", "To do", "Plans for tomorrow",
        "Handing over", "Action items", "What will you do next?", "Up next", "Follow-ups",
        "Handover", "Over to you", "For tomorrow", "Tasks for the next shift",
    ),
    "returns_at": (
        "Back", "Availability", "When I'm back", "Out of office", "Time away",
        "Heads-down until?", "When are you back?", "Away until", "Next online", "Returning",
        "ETA", "Back on shift", "Next on shift", "Return date", "See you", "See you on",
    ),
}  # fmt: skip
#: Headings that introduce none of the parts: the nearest example among these names no part.
NO_PART_EXAMPLES: tuple[str, ...] = (
    "How do you feel today?", "Mood", "Shoutouts", "Kudos", "Learnings", "Notes", "Links",
    "Context", "Fun fact", "Weather", "Music I listened to", "Thanks", "Heads up", "FYI",
    "Misc", "Other", "General", "Random thoughts", "Wrap", "Wrap-up", "Update", "Summary",
    "End of shift", "Status update",
)  # fmt: skip
# Below this cosine similarity a heading is not close enough to any example to name a part.
MIN_SIMILARITY = 0.55
# ...unless it is at least this close and this much closer to one part than to any other class.
MIN_CLEAR_SIMILARITY = 0.45
MIN_MARGIN = 0.1


class LabelClassifier:
    """Nearest example over sentence embeddings. The embedder comes from a factory called on the
    first heading the table does not know, so a wrap whose headings the table reads never loads
    a model; the examples are embedded once. A failing embedder (a remote endpoint that is down)
    turns the classifier off for the process: extraction falls back to the table, never fails."""

    def __init__(
        self,
        embedder: Embedder | Callable[[], Embedder],
        *,
        threshold: float = MIN_SIMILARITY,
    ) -> None:
        self._factory = embedder if callable(embedder) else (lambda: embedder)
        self._embedder: Embedder | None = None
        self._threshold = threshold
        examples = {**EXAMPLES, "": NO_PART_EXAMPLES}
        self._labels = [part for part, texts in examples.items() for _ in texts]
        self._texts = [t for texts in examples.values() for t in texts]
        self._vectors: list[list[float]] = []
        self._cache: dict[str, str | None] = {}
        self._broken = False

    def part(self, heading: str) -> str | None:
        if self._broken:
            return None
        if heading not in self._cache:
            try:
                self._cache[heading] = self._nearest(heading)
            except Exception as exc:  # any embedder failure means "the table only"
                log.warning("heading classifier off, the label table alone reads headings: %s", exc)
                self._broken = True
                return None
        return self._cache[heading]

    def _nearest(self, heading: str) -> str | None:
        if self._embedder is None:
            self._embedder = self._factory()
            self._vectors = self._embedder.embed(self._texts)
        [vector] = self._embedder.embed([heading])
        scored = [
            (_cosine(vector, v), part) for v, part in zip(self._vectors, self._labels, strict=True)
        ]
        score, part = max(scored)
        if score >= self._threshold:
            return part or None
        # A weaker match still counts when no other class comes close ("Closed loops" is nearest
        # the finished-work examples and far from every other part).
        runner_up = max((s for s, p in scored if p != part), default=0.0)
        if part and score >= MIN_CLEAR_SIMILARITY and score - runner_up >= MIN_MARGIN:
            return part
        return None


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


#: The label word for each part, as the clause rules read it.
PART_LABELS: dict[str, str] = {
    "shipped": "Shipped", "in_flight": "In flight", "decisions": "Decision",
    "blockers": "Blockers", "next_actions": "Next", "returns_at": "Back",
}  # fmt: skip


def status_label(text: str) -> str | None:
    """An in-flight heading's own status wording, when it says one ("In review")."""
    low = text.lower()
    if "review" in low:
        return "In review"
    if re.search(r"\bnot (?:yet )?(?:begun|begin|touched)\b|\buntouched\b|\bqueued\b", low):
        return "Not started"
    for words in ("not started", "in progress"):
        if words in low:
            return words.capitalize()
    return None


def label_for(part: str, said: str) -> str:
    """The label word a heading or cell gives its lines ("In review" for an in-flight heading
    that says review)."""
    if part == "in_flight":
        return status_label(said) or "In flight"
    if part == "blockers" and re.match(r"\W*blocked\b", said, re.I):
        return "Blocked"  # "### Blocked": each line names a blocked item, then why
    return PART_LABELS[part]
