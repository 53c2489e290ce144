"""The items a group of clauses holds, for the offline extractor: splitting it into several
("shipped the export and the PDF fix"), naming one by what came before ("..., it's in review"),
finding the in-flight item a clause mentions, and dropping an action said twice.

Apart from `summarizer.offline` because none of it depends on where the reader is in the wrap:
each function looks at the text (and the items so far) it is given.
"""

from __future__ import annotations

import re

from handoff.declaration import InFlightItem, NextAction
from handoff.names import fold
from handoff.refs import find_refs
from summarizer import rules, status_words

_NAMED_ITEM_LEAD = re.compile(
    r"^(?:and\s+|also\s+|plus\s+)?(?:[a-z0-9]+(?:[-_/][a-z0-9]+)+|[A-Z][A-Z0-9]+-\d+)\b"
)


def split_named_items(text: str) -> list[str]:
    """'auth-refresh in progress, about 10% done, BILL-412 for billing is not started' -> two
    items: a comma clause that opens with another item's name (a slug or a ticket key) and says
    its own status starts a new item; other clauses ('PR #1842 open', '40% done') are details."""
    clauses = re.split(r",\s+", text)
    pieces = [clauses[0]]
    for clause in clauses[1:]:
        if _NAMED_ITEM_LEAD.match(clause) and status_words.status_of(clause) is not None:
            pieces.append(re.sub(r"^(?:and|also|plus)\s+", "", clause))
        else:
            pieces[-1] += ", " + clause
    return pieces


def split_objects(text: str) -> list[str]:
    """'Shipped the report export and the PDF fix' -> two shipped items."""
    head = re.match(
        r"^(?:(?:also|and|oh and)\s+)?(?:(?:I|we)\s+)?(?:shipped|merged|deployed|released"
        r"|landed|fixed|"
        r"finished|closed|published)\s+",
        text,
        re.I,
    )
    # "the report export and the PDF fix", "merged X and fixed Y": one item per object or verb
    parts = re.split(
        r"\s+and\s+(?=(?:the|a|an|our|my|also)\s|(?:shipped|merged|deployed|released|landed|"
        r"fixed|finished|closed|published|added|removed|migrated|upgraded)\s)",
        text,
    )
    if head and len(parts) > 1 and all(has_content(p) for p in parts):
        verb = re.compile(r"^(?:shipped|merged|deployed|released|landed|fixed|finished|closed|"
                          r"published|added|removed|migrated|upgraded)\s", re.I)  # fmt: skip
        return [parts[0], *(p if verb.match(p) else head.group(0) + p for p in parts[1:])]
    return [text]


def last_noun_phrase(text: str) -> str | None:
    """The noun phrase a clause ends on ("... review the migration script" -> "migration
    script"): what a following "it" most likely means."""
    m = re.search(
        r"\b(?:the|a|an|our|my|this|their)\s+([\w-]+(?:\s+[\w-]+){0,4})\s*[,.;]?\s*$", text
    )
    return m.group(1) if m else None


def _prefixes(text: str) -> set[str]:
    """The first five letters of a text's content words: enough to tell "Siobhan reviews" and
    "Siobhan to review the script" are one action, without a stemmer's rules."""
    words = re.findall(r"[a-z0-9#]+", text.lower())
    return {w[:5] for w in words if w not in _GENERIC and len(w) > 2}


def dedupe_actions(actions: list[NextAction]) -> list[NextAction]:
    """Drop an action that repeats an earlier one by the same owner ('Siobhan reviews')."""
    kept: list[NextAction] = []
    for action in actions:
        mine = _action_words(action)
        duplicate = False
        for other in kept:
            if (action.owner or "") != (other.owner or ""):
                continue
            theirs = _action_words(other)
            if mine and (mine <= theirs or theirs <= mine):
                duplicate = True
                break
        if not duplicate:
            kept.append(action)
    return kept


def _action_words(action: NextAction) -> set[str]:
    return _prefixes(action.action) | ({fold(action.owner)[:5]} if action.owner else set())


#: Words that say nothing of which thing is meant ("that's all done", "everything's wrapped up").
_GENERIC = frozenset(
    [
        "everything",
        "all",
        "it",
        "that",
        "this",
        "stuff",
        "things",
        "everything's",
        "that's",
        "it's",
        "done",
        "wrapped",
        "up",
        "the",
        "a",
        "an",
        "and",
        "so",
        "yeah",
        "ok",
        "okay",
        "right",
        "now",
        "today",
        "also",
        "just",
    ]
)


def has_content(text: str, minimum: int = 2) -> bool:
    """At least `minimum` words that say something (or a ref): "that's all done" names nothing."""
    words = re.findall(r"[\w#'-]+", text.lower())
    content = [w for w in words if w not in _GENERIC and len(w) > 1]
    return len(content) >= minimum or bool(find_refs(text))


def mentioned_item(items: list[InFlightItem], text: str) -> int | None:
    """The index of the latest in-flight item the text names by ref or by name, if any."""
    lowered = text.lower()
    refs = set(find_refs(text))
    for i in range(len(items) - 1, -1, -1):
        it = items[i]
        if refs & set(it.refs):
            return i
        name = it.item.lower()
        if len(name) >= 4 and (
            name in lowered
            or (
                len(name.split()) >= 2
                and name.split()[-1] in lowered.split()
                and name.split()[0] in lowered.split()
            )
        ):
            return i
    return None


# "For context, ...", "FYI ...", "Side note: ...": background for the reader, not a handoff part.
ASIDE = re.compile(
    r"^(?:(?:so|and|also|oh|quick|just|some|a bit of)\s+)*(?:for\s+(?:some\s+)?context|context|"
    r"fyi|side\s+note|background|for\s+the\s+record)\b\s*[:,-]?",
    re.I,
)
SUBORDINATE = re.compile(r"^(?:once|as soon as|when|after|if|until|before)\b", re.I)
SOMEONE_ON_IT = re.compile(
    r"^(?-i:[A-ZÀ-Þ][\w'’-]+)(?:'s|\s+is)?\s+(?:reviewing|looking\s+at\s+(?:it|them)|on\s+it|"
    r"testing\s+(?:it|them)|checking\s+(?:it|them)|has\s+(?:it|them))\s*[.!]?$",
    re.I,
)
HANDLE_WORKS = re.compile(r"^(@[\w.-]+)\s+(?:is|has|has\s+been|was|'s)\b")
# "the schema part", "the Android side": a part of an item, not an item of its own.
PART_OF_ITEM = re.compile(r"(?:the\s+)?(?:[\w-]+\s+){1,2}(?:part|half|side|bit|piece)", re.I)


def listed_item(section: str | None, part: str | None, piece: str) -> bool:
    """A bare name after a comma under an in-flight label is another item of the list ("WIP:
    search autocomplete (70%), onboarding tooltips")."""
    return (
        section == "in_flight"
        and part == section
        and rules.part_of(piece) is None
        and len(piece.split()) <= 5
        and not find_refs(piece)
        and not re.search(r"\d", piece)
        and not _DETAIL_OF_ITEM.search(piece)
    )


# "dome interlock, rain sensor wired, wind sensor not yet", "template, with Joel", "9 of 20
# mounted, the rest after the frost": how the item stands, not another item
_DETAIL_OF_ITEM = re.compile(
    r"^(?:with|after|before|for|by|on|until|the rest|rest)\b|\b(?:not|yet|left|pending)\b|"
    r"\w+ed\s*[.!]?$",
    re.I,
)


def asks_for_action(piece: str) -> bool:
    """A clause that asks for or commits to work: 'I'll ...', '... please ...', 'Next, X will'."""
    return bool(
        rules.SELF_RE.match(piece)
        or re.search(
            r"\bplease\b|^(?:next|then|tomorrow)\b|^(?:can|could) (?:someone|you)\b", piece, re.I
        )
    )
