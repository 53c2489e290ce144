"""The words handoffs are read with: content terms, a crude stem, stopwords and calendar names.

The ledger matches items by these terms, search reads questions and ranks passages with them, the
offline extractor tells a name from a weekday with them and the evaluation compares wordings with
them. They live in one place so that a word which is noise to one reader is noise to all, and a
stem that joins "migrations" and "migration" for matching joins them for answering too.
"""

from __future__ import annotations

import re
from functools import lru_cache


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Monday first, as `datetime.weekday()` counts them.
WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
#: The weekdays as a regular-expression group, for patterns that name "any weekday".
WEEKDAY_PATTERN = "(?:" + "|".join(WEEKDAYS) + ")"
MONTHS: tuple[str, ...] = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)

#: Words any sentence has, whatever it is about. The evaluation drops only these before it compares
#: an item's wording with the gold one: the wider `STOPWORDS` would also drop words ("not",
#: "tomorrow", "need") that are part of what an item says.
FUNCTION_WORDS = _words(
    "a an the and or so of to for in on at with from by as about up out "
    "is are was be been it its it's that this i we our my me just still also then"
)
#: What `terms` leaves out: function words, and every word that says nothing about *which* thing
#: a text is about (pronouns, modal and common verbs, question words, times and weekdays).
STOPWORDS = (
    FUNCTION_WORDS
    | _words(
        "but if into onto over after before were being am do does did done have has had having "
        "these those there here you he she they us him her them your their mine ours "
        "not no yes can could should would will shall may might must now than down off again "
        "very really quite some any all each both more most other such only own same too "
        "get got getting going go went gone need needs needed want wants one two "
        "what which who whom whose when where why how "
        "today tomorrow yesterday tonight week day morning afternoon evening shift "
        "next last new yet back let lets let's"
    )
    # what "isn't", "hasn't", "we'll" leave behind: never what a text is about
    | _words("isn aren wasn weren doesn didn hasn haven hadn wouldn couldn shouldn ll ve re")
    | frozenset(WEEKDAYS)
)
#: Generic work words that say little about *which* work is meant.
WEAK_TERMS = _words(
    "work working item task thing things stuff bit part change changes fix update issue ticket "
    "pr review progress status blocked blocker blocking waiting wait on pending decision decided "
    "shipped merged deploy deployed release released started start finish finished"
)

_WORD_RE = re.compile(r"[a-z0-9]+(?:[-_/][a-z0-9]+)*|#\d+")


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
def stems(text: str) -> frozenset[str]:
    """The stems of a text's content words.

    Cached: every question scores the same few hundred items, whose words are worth keeping."""
    return frozenset(stem(t) for t in terms(text))


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
