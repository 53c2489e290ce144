"""Words the ledger reads: normalized names, content terms, and the cues that say a blocker was
cleared or a decision changed. Kept apart from matching so the rules can be read in one place."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD_RE = re.compile(r"[a-z0-9]+(?:[-_/][a-z0-9]+)*|#\d+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "so",
        "to",
        "of",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "about",
        "into",
        "onto",
        "over",
        "after",
        "before",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "done",
        "have",
        "has",
        "had",
        "having",
        "it",
        "its",
        "it's",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "i",
        "we",
        "you",
        "he",
        "she",
        "they",
        "me",
        "us",
        "him",
        "her",
        "them",
        "my",
        "our",
        "your",
        "their",
        "mine",
        "ours",
        "not",
        "no",
        "yes",
        "can",
        "could",
        "should",
        "would",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "just",
        "still",
        "also",
        "now",
        "then",
        "than",
        "as",
        "up",
        "down",
        "out",
        "off",
        "again",
        "very",
        "really",
        "quite",
        "some",
        "any",
        "all",
        "each",
        "both",
        "more",
        "most",
        "other",
        "such",
        "only",
        "own",
        "same",
        "too",
        "get",
        "got",
        "getting",
        "going",
        "go",
        "went",
        "gone",
        "need",
        "needs",
        "needed",
        "want",
        "wants",
        "one",
        "two",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "today",
        "tomorrow",
        "yesterday",
        "tonight",
        "week",
        "day",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "morning",
        "afternoon",
        "evening",
        "shift",
        "next",
        "last",
        "new",
        "yet",
        "back",
        "let",
        "lets",
        "let's",
    ]
)
#: Generic work words that say little about *which* work is meant.
WEAK_TERMS = frozenset(
    [
        "work",
        "working",
        "item",
        "task",
        "thing",
        "things",
        "stuff",
        "bit",
        "part",
        "change",
        "changes",
        "fix",
        "update",
        "issue",
        "ticket",
        "pr",
        "review",
        "progress",
        "status",
        "blocked",
        "blocker",
        "blocking",
        "waiting",
        "wait",
        "on",
        "pending",
        "decision",
        "decided",
        "shipped",
        "merged",
        "deploy",
        "deployed",
        "release",
        "released",
        "started",
        "start",
        "finish",
        "finished",
    ]
)

# A blocker is cleared: the needed thing happened, or someone says it is no longer in the way.
RESOLVED_RE = re.compile(
    r"\b(?:unblock(?:s|ed)|no longer (?:blocked|blocking|waiting|an issue|a blocker)|resolved|"
    r"sorted(?: out)?|cleared|came (?:back|through)|approved|granted|signed off|sign-off came|"
    r"got (?:the )?(?:go-?ahead|approval|access|sign-?off|answer|reply|credentials|keys?)|"
    r"(?:can|could) (?:now )?(?:go ahead|proceed|continue|move forward|start)|go(?:es)? ahead|"
    r"green ?light|was fixed|is fixed|got fixed|has been fixed|fixed now|now fixed|answered|"
    r"replied|landed|is done|are done|is in place|was provisioned|is provisioned|provisioned|"
    r"arrived|delivered|finally (?:got|came|landed|merged|approved)|decided on|made the call|"
    r"made a call|settled on|decided|confirmed|agreed|got merged|went out|is live)\b",
    re.IGNORECASE,
)
# ... unless the sentence says it has not happened yet.
NOT_YET_RE = re.compile(
    r"\b(?:still|not yet|needs?|needed|requires?|required|awaiting|to be|asked|requested|"
    r"hasn'?t|haven'?t|isn'?t|wasn'?t|no word|no reply|no answer|no news|"
    r"waiting|pending|until|once|when|if|unless|whether|expect(?:ed|ing)?|hope|hopefully|"
    r"should (?:come|land|be)|will (?:come|land|be)|might|may)\b",
    re.IGNORECASE,
)
# A decision that replaces an earlier one.
CHANGE_RE = re.compile(
    r"\b(?:instead|switch(?:ed|ing)?|chang(?:e|ed|ing) (?:our|my|the) (?:mind|plan|approach)|"
    r"revers(?:e|ed|ing)|revert(?:ed|ing)?|no longer|rather than|replac(?:e|ed|ing)|drop(?:ped)? "
    r"the|going back|moved? (?:away )?from|overrid(?:e|den|ing)|supersed(?:e|ed|es|ing)|"
    r"new plan|change of plan|(?:staying|sticking) (?:on|with)|after all|"
    r"now (?:going|using|doing))\b",
    re.IGNORECASE,
)


def normalize(name: str) -> str:
    """The matching key of a name: lowercase words joined by single spaces, dashes as spaces."""
    words = re.findall(r"[a-z0-9#]+", name.lower().replace("_", " ").replace("-", " "))
    return " ".join(words)[:300]


def terms(text: str) -> list[str]:
    """Content words of a text (lowercase, no stopwords), with compound names also split."""
    out: list[str] = []
    for token in _WORD_RE.findall(text.lower()):
        if token in STOPWORDS:
            continue
        out.append(token)
        if re.search(r"[-_/]", token):
            out.extend(p for p in re.split(r"[-_/]", token) if p and p not in STOPWORDS)
    return out


def stem(word: str) -> str:
    """A crude stem so 'migrations'/'migration' and 'approved'/'approve' meet."""
    for suffix in ("ations", "ation", "ings", "ing", "ies", "ied", "es", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            base = word[: -len(suffix)]
            # "logging" -> "log", "stopped" -> "stop" (but "install", "staff" keep theirs)
            if suffix in ("ings", "ing", "ed") and re.search(r"([bdgmnprt])\1$", base):
                base = base[:-1]
            return base
    return word


@lru_cache(maxsize=65_536)
def strong_terms(text: str) -> frozenset[str]:
    """Stems of the words that identify *what* a text is about (weak work words removed).

    Cached: matching asks this of the same few hundred candidate names for every mention."""
    return frozenset(stem(t) for t in terms(text) if t not in WEAK_TERMS and len(t) > 1)


def overlap(a: str, b: str) -> float:
    """Share of `a`'s identifying terms that `b` also has (0..1)."""
    ta, tb = strong_terms(a), strong_terms(b)
    if not ta:
        return 0.0
    hits = sum(1 for t in ta if t in tb or any(len(t) >= 4 and u.startswith(t) for u in tb))
    return hits / len(ta)


def says_resolved(sentence: str) -> bool:
    """The sentence says something was cleared, and not that it is still pending."""
    m = RESOLVED_RE.search(sentence)
    if not m:
        return False
    # "still waiting, should be approved tomorrow" is not a resolution; look before the cue.
    before = sentence[: m.start()]
    return not NOT_YET_RE.search(before[-60:]) and not re.search(
        r"\b(?:not|never|n't)\s+(?:\w+\s+)?$", before, re.IGNORECASE
    )


# Ownership moves: "Lena is taking over the export job", "handing the pager to Ana",
# "reassigned to Omar", "X owns it now". The new owner is named in the sentence.
OWNER_CHANGE_RE = re.compile(
    r"\b(?:tak(?:es|ing|en)|took) over\b|\bhand(?:s|ing|ed)? (?:\w+ ){0,4}(?:over|off) to\b|"
    r"\bhand(?:s|ing|ed)? (?:it|this|that) (?:over|off)\b|\breassign(?:ed|ing)? to\b|"
    r"\b(?:owns|is owning|is the owner of) (?:it|this|that|\w+(?: \w+){0,4}) now\b|"
    r"\bnow owns\b|\bis now (?:on|owning)\b|\bpick(?:s|ing|ed) (?:it|this|that) up from\b",
    re.IGNORECASE,
)


def says_owner_change(sentence: str) -> bool:
    """The sentence says work moves to another owner, and not that it might."""
    m = OWNER_CHANGE_RE.search(sentence)
    if not m:
        return False
    before = sentence[: m.start()]
    return not re.search(
        r"\b(?:if|whether|might|may|maybe|could|not|n't|unless)\b", before[-40:], re.IGNORECASE
    )
