"""People in a wrap: who is named, and which team member a spoken or misspelled name means.

A recognizer writes the names it hears ("Shivon" for Siobhan), and chat uses handles ("@li"). The
team's vocabulary resolves both: exact handles and aliases first, then fuzzy spelling (rapidfuzz),
then a sound-alike key (consonant skeleton after common English spelling rewrites) for names that
are spelled nothing alike but sound the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from handoff.names import fold, sound_key
from handoff.text import MONTHS, WEEKDAYS
from summarizer.base import Vocabulary

# Capitalized words that are not people (sentence words, calendar words, part labels, roles).
NOT_NAMES = frozenset(
    [
        # organisations' head nouns, capitalized in a name ("IT Services has to")
        "services",
        "works",
        "registry",
        "ministry",
        "i",
        "i'm",
        "i'll",
        "i've",
        "we",
        "we're",
        "we'll",
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "it",
        "it's",
        "its",
        "there",
        "their",
        "they",
        "he",
        "she",
        "his",
        "her",
        "our",
        "my",
        "me",
        "you",
        "your",
        "so",
        "and",
        "or",
        "but",
        "also",
        "then",
        "next",
        "now",
        "today",
        "tonight",
        "tomorrow",
        "yesterday",
        "morning",
        "afternoon",
        "evening",
        *WEEKDAYS,
        *MONTHS,
        "shipped",
        "shipping",
        "done",
        "in",
        "inflight",
        "flight",
        "progress",
        "review",
        "decision",
        "decisions",
        "decided",
        "blocker",
        "blockers",
        "blocked",
        "next",
        "steps",
        "action",
        "actions",
        "back",
        "nothing",
        "no",
        "none",
        "not",
        "okay",
        "ok",
        "hi",
        "hey",
        "hello",
        "right",
        "alright",
        "well",
        "yes",
        "yeah",
        "yep",
        "sure",
        "thanks",
        "thank",
        "please",
        "quick",
        "one",
        "root",
        "cause",
        "found",
        "spent",
        "worked",
        "let",
        "where",
        "what",
        "when",
        "who",
        "why",
        "how",
        "handoff",
        "handover",
        "wrap",
        "wrapping",
        "incident",
        "mitigation",
        "mitigated",
        "deployed",
        "merged",
        "released",
        "team",
        "ops",
        "sre",
        "qa",
        "data",
        "design",
        "frontend",
        "backend",
        "mobile",
        "platform",
        "infra",
        "security",
        "support",
        "growth",
        "customer",
        "engineering",
        "night",
        "day",
        "shift",
        "someone",
        "somebody",
        "anyone",
        "everyone",
        "nobody",
        "all",
        "both",
        "each",
        "every",
        "until",
        "after",
        "before",
        "once",
        "if",
        "only",
        "just",
        "still",
        "waiting",
        "system",
        "assistant",
        "user",
        "ignore",
        "disregard",
        "note",
        "fyi",
        "eod",
        "update",
        "status",
        "also",
        "oh",
        "um",
        "uh",
        "er",
        "regression",
        "exploratory",
        "feature",
        "features",
        "checkout",
        "release",
        "version",
        # sentence words that take a person's place before a verb ("Seems to be ...",
        # "Contributors would ...", "Everything works")
        "seems",
        "looks",
        "sounds",
        "appears",
        "maybe",
        "perhaps",
        "probably",
        "hopefully",
        "apparently",
        "however",
        "meanwhile",
        "otherwise",
        "currently",
        "everything",
        "something",
        "anything",
        "nothing",
        "everybody",
        "contributors",
        "users",
        "customers",
        "people",
        "folks",
        "reviewers",
        "maintainers",
        "engineers",
        "developers",
        "vendors",
        "partners",
        "clients",
        "staff",
    ]
)


def looks_like_name(word: str) -> bool:
    """A capitalized word that could be a person's first name (not a label or an acronym)."""
    w = word.strip("@.,;:!?'\"()")
    if w.endswith("'s"):
        w = w[:-2]
    if len(w) < 2 or fold(w) in NOT_NAMES:
        return False
    return bool(re.fullmatch(r"[A-ZÀ-ÞĀ-Ž][a-zß-ÿĀ-ž]+(?:-[A-Z][a-z]+)?", w))


@dataclass
class PeopleIndex:
    """The people a wrap can refer to: the team's vocabulary plus the thread's speakers."""

    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    speakers: set[str] = field(default_factory=set)

    def canonical(self, name: str | None) -> str | None:
        """The team's name for `name` ('@li' -> 'Li Wei', 'Shivon' -> 'Siobhan'), else `name`."""
        if not name:
            return None
        raw = name.strip().lstrip("@").strip(" ,.;:")
        if not raw:
            return None
        key = fold(raw)
        people = self.vocabulary.people
        for p in people:
            names = [p.name, *(p.aliases), *([p.handle] if p.handle else [])]
            if key in {fold(n).lstrip("@") for n in names} or key == fold(p.name).split()[0]:
                return p.name
        best: tuple[float, str] | None = None
        for p in people:
            for candidate in (p.name, p.name.split()[0], *p.aliases):
                score = fuzz.ratio(key, fold(candidate))
                if sound_key(raw) and sound_key(raw) == sound_key(candidate) and len(raw) >= 3:
                    score = max(score, 90.0)
                if score >= 80 and (best is None or score > best[0]):
                    best = (score, p.name)
        if best:
            return best[1]
        for speaker in self.speakers:
            if fold(speaker) == key:
                return speaker
        return raw

    def is_known(self, word: str) -> bool:
        key = fold(word.strip("@.,;:!?'\"()"))
        if key.endswith("'s"):
            key = key[:-2]
        if key in {fold(s) for s in self.speakers}:
            return True
        for p in self.vocabulary.people:
            if key in {fold(p.name).split()[0], fold(p.name), *(fold(a) for a in p.aliases)}:
                return True
            if p.handle and key == fold(p.handle).lstrip("@"):
                return True
        return False

    def is_person(self, word: str) -> bool:
        return word.startswith("@") or self.is_known(word) or looks_like_name(word)
