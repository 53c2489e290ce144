"""Blockers: which item a blocker holds up, who can clear it, and when a later clause or sentence
completes a blocker already read instead of starting a new one.

Split from `summarizer.offline` so the clause walk stays readable: these rules read what was
already extracted (the last blocker, the last in-flight item) as much as the clause itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from handoff.declaration import Blocker, Evidence, InFlightItem
from handoff.names import fold
from handoff.refs import find_refs
from summarizer import owners, resolvers, rules
from summarizer.items import has_content, last_noun_phrase, mentioned_item
from summarizer.walk import Group, Walk, item_count

#: Makes an in-flight item from a name and its refs (the extractor's own item rules).
MakeItem = Callable[[str, list[str]], InFlightItem]

_BLOCKED_SUBJECT = re.compile(
    r"^(?P<subject>.{3,80}?)\s+(?:is|are|'s|has\s+been|was|remains)\s+(?:still\s+|currently\s+|now\s+|"
    r"also\s+|totally\s+|completely\s+)?(?:blocked|stuck|on\s+hold|held\s+up|waiting\s+(?:on|for)"
    r"(?!\s+(?:a\s+|the\s+)?review))\b",
    re.I,
)
_PRONOUN_BLOCKED = re.compile(
    r"^(?P<head>.{3,120}?)\s*(?:—|–|--|,|;)\s*(?:it|this|that)(?:'s|\s+is)?\s+(?:can'?t|cannot|won'?t|"
    r"blocked|stuck|on\s+hold|waiting)\b",
    re.I,
)
SUBJECTLESS_BLOCKER = re.compile(
    r"^(?:and\s+|but\s+|it'?s\s+|currently\s+|still\s+)*(?:blocked|stuck|waiting|on hold|held up|"
    r"pending)\b",
    re.I,
)
# "Blocked: need finance's sign-off": under a blocked label, what is needed, not an item.
_NEEDS_LEAD = re.compile(r"^(?:I\s+|we\s+)?(?:need|needs|require|requires)\b", re.I)
# "waiting on X before I can start Y": the blocker names what it holds up, so it is not the item
# mentioned last.
_OWN_OBJECT = re.compile(r"\bbefore (?:I|we) can (?:start|begin)\b", re.I)
# The item before a subjectless "waiting on X" is in review: the wait is the review, not a block.
_REVIEW_WAIT = re.compile(r"\bin\s+review\b", re.I)
OWNER_NOTE = re.compile(r"\s*\(owner:\s*([^)]+)\)")


def add_blocker(
    walk: Walk,
    group: Group,
    text: str,
    ev: Evidence,
    *,
    me: str | None,
    make_item: MakeItem,
) -> None:
    """A blocker from a clause: the item it holds up (named, pronoun, or the one just said), who
    can clear it, merged with an earlier blocker on the same item."""
    decl = walk.decl
    if continues_last_blocker(walk, text, ev, me=me) or gives_why(walk, text, ev, me=me):
        return
    item_name: str | None = None
    subject = _BLOCKED_SUBJECT.match(text)
    pronoun = _PRONOUN_BLOCKED.match(text)
    if pronoun and not subject and last_noun_phrase(pronoun.group("head")):
        # "The tricky bit is the ranking experiment — it can't start until ..."
        name = last_noun_phrase(pronoun.group("head")) or ""
        created = make_item(name, find_refs(pronoun.group("head")))
        item_name = created.item
        set_blocked(walk, len(decl.in_flight) - 1)
    elif (
        group.lead_part == "in_flight"
        or (subject and has_content(subject.group("subject"), 1))
        or (
            walk.blocked_label
            and not SUBJECTLESS_BLOCKER.match(text)
            and not _NEEDS_LEAD.match(text)
            and not _names_no_item(text)
        )
    ):
        head = subject.group("subject") if subject else re.split(r"[,;]|:\s|\s+(?:—|–)\s+", text)[0]
        created = make_item(head, find_refs(head))
        item_name = created.item
        set_blocked(walk, len(decl.in_flight) - 1)
    elif (
        (SUBJECTLESS_BLOCKER.match(text) or (walk.blocked_label and _NEEDS_LEAD.match(text)))
        and decl.in_flight
        and not _OWN_OBJECT.search(text)
        and not _REVIEW_WAIT.search(decl.in_flight[-1].summary or "")
        and (not walk.listed or same_line(decl.in_flight[-1].evidence, ev))
    ):
        idx = len(decl.in_flight) - 1
        item_name = decl.in_flight[idx].item
        set_blocked(walk, idx)
    else:
        mentioned = mentioned_item(decl.in_flight, text)
        if mentioned is not None:
            item_name = decl.in_flight[mentioned].item
            set_blocked(walk, mentioned)
    _record(walk, text, item_name, ev, me=me)


# "Blocked: the client's SharePoint, ...": another party's system is what blocks, not our item.
_THEIR_THING = re.compile(r"^(?:the\s+)?[\w-]+(?:'s|’s)\s+\w", re.I)
# "Blocked: chemical dosing logs; the plant's admin has to export them": what is needed, then
# who gives it; "Nobody knows who holds the admin": no item at all.
_NEEDED_THEN_WHO = re.compile(r"^[^,;:]{3,60};\s")


def _names_no_item(text: str) -> bool:
    """A blocked line that names what blocks rather than a work item of ours."""
    return bool(
        _THEIR_THING.match(text)
        or _NEEDED_THEN_WHO.match(text)
        # "Nobody knows who holds the admin" names no item; "Tariff update: no idea who
        # publishes them" names the item before its colon
        or resolvers.says_nobody(re.split(r"[,;]|:\s", text)[0])
    )


# A wait on a party named in the sentence before ("the gearbox job waits on them").
_WAITS_ON_THEM = re.compile(
    r"\b(?:wait(?:s|ing)?|depends?|blocked)\s+(?:on|for)\s+(?:them|they)\b", re.I
)


def _record(walk: Walk, text: str, item_name: str | None, ev: Evidence, *, me: str | None) -> None:
    """Add the blocker, or complete the one already read on the same item (a table row saying
    "blocked", then a sentence saying why)."""
    decl = walk.decl
    text = OWNER_NOTE.sub("", text)  # the owner went to the item; the blocker is the why
    needed_from = owners.resolver(text, people=walk.people, exclude={me or "", walk.author or ""})
    if needed_from is None and _WAITS_ON_THEM.search(text):
        # "... requests go to their tooling pool. Until then the job waits on them."
        role = resolvers.role_actor(walk.previous_text)
        needed_from = role[0] if role else None
    walk.blocker_sentence, walk.blocker_message = walk.sentence, walk.message
    walk.blocker_items = item_count(decl) + 1  # counting the blocker about to be added
    for i, old in enumerate(decl.blockers):
        if item_name and old.item and fold(old.item) == fold(item_name):
            # the same item said to be blocked twice (a table row, then a sentence on why)
            decl.blockers[i] = old.model_copy(
                update={
                    "description": text
                    if len(old.description.split()) <= 5
                    else f"{old.description}; {text}",
                    "needed_from": old.needed_from or needed_from,
                    "evidence": [*old.evidence, ev],
                }
            )
            return
    decl.blockers = [
        *decl.blockers,
        Blocker(description=text, item=item_name, needed_from=needed_from, evidence=[ev]),
    ]


def _read_since_blocker(walk: Walk) -> bool:
    """In a recognizer's run (one sentence, cut into clauses), another item was read after the
    last blocker: a later clause naming someone's duty is about that, not the blocker."""
    return walk.spoken and 0 <= walk.blocker_items < item_count(walk.decl)


def continues_last_blocker(walk: Walk, text: str, ev: Evidence, *, me: str | None) -> bool:
    """'X is blocking Y; waiting on Priya to approve it', 'the webcam is offline, ICE's telecom
    crew has to replace the radio': the second clause says who can clear the blocker just named
    in the same sentence, so it completes that blocker rather than becoming a new one (pinned to
    the wrong item) or our next action."""
    decl = walk.decl
    if not decl.blockers or not (SUBJECTLESS_BLOCKER.match(text) or _outsiders_duty(text)):
        return False
    if _read_since_blocker(walk):
        return False  # "... hasn't shipped, we're closing the park, the crew should ...": moved on
    last = decl.blockers[-1]
    same_sentence = bool(last.evidence) and last.evidence[0].quote == ev.quote
    if last.needed_from and walk.sentence - walk.blocker_sentence <= 2 and _outsiders_duty(text):
        # "| Linen counts | waiting on the laundry contractor |", then "The laundry contractor
        # has to fit the readers": what the resolver must do, not our next action
        who = owners.resolver(text, people=walk.people, exclude={me or "", walk.author or ""})
        said = fold(f"{last.needed_from or ''} {last.description}")
        return bool(who) and fold(who or "") in said
    if not same_sentence or last.needed_from:
        return False
    needed_from = owners.resolver(text, people=walk.people, exclude={me or "", walk.author or ""})
    if needed_from is None:
        needed_from = _party(text)  # "..., admin office must renew it": a party without article
    if needed_from is None:
        return False
    decl.blockers = [
        *decl.blockers[:-1],
        last.model_copy(
            update={"description": f"{last.description}; {text}", "needed_from": needed_from}
        ),
    ]
    return True


# "..., ICE's telecom crew has to replace the radio": someone else obliged to act, the clause
# after a blocker in the same sentence (an outsider's duty, unlike "Priya will ping them").
_OUTSIDER_MUST = re.compile(
    r"^(?:and\s+|but\s+|so\s+|now\s+)*(?P<who>[^,;]{2,60}?)\s+"
    r"(?:has to|have to|needs to|need to|must|will have to|is the one who|are the ones who)\b",
    re.I,
)
_FIRST_PERSON = re.compile(r"^(?:I|we|me|us|you|he|she|they|it|someone|somebody)$", re.I)


# A party named without an article: a few lowercase words, or an acronym with its expansion
# ("admin office", "public works", "PU (public works)").
_BARE_PARTY = re.compile(
    r"^(?:[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}|[A-Z]{2,5}(?:\s*\([a-z][\w\s-]{2,30}\))?)$"
)


def _party(text: str) -> str | None:
    """The party an outsider's duty names when no reader of people or roles knows it."""
    m = _OUTSIDER_MUST.match(text)
    if m is None:
        return None
    who = re.sub(r"^(?:the|their|our)\s+", "", m.group("who").strip(), flags=re.I)
    if _FIRST_PERSON.match(who) or not _BARE_PARTY.match(who):
        return None
    return who


def _outsiders_duty(text: str) -> bool:
    """'..., ICE's telecom crew has to replace the radio': a clause that obliges someone other
    than the author to act, which after a blocker says who can clear it."""
    m = _OUTSIDER_MUST.match(text)
    return m is not None and not _FIRST_PERSON.match(m.group("who").strip())


# A line that only says who can clear what was just said to be blocked.
_WHO_LABEL = re.compile(
    r"^(?:who|who can (?:clear|fix|help|unblock)(?: it)?|contact|ask)\s*:\s*", re.I
)


def names_resolver_of_last_blocker(walk: Walk, text: str, ev: Evidence, *, me: str | None) -> bool:
    """'X is blocked: waiting on the review. Only Oksana in security signs it.': a sentence
    right after a blocker that names no one, saying who alone can act, completes it."""
    decl = walk.decl
    if not decl.blockers or _firmly_named(walk, decl.blockers[-1], me=me):
        return False
    if _read_since_blocker(walk):
        return False
    who_label = _WHO_LABEL.match(text)
    if who_label:
        text = text[who_label.end() :]  # "Who: Graham Pike at the forwarder lodges it"
    # An answer to "blockers?" that goes on to say who ("Hydro's telecom crew owns it, Greg
    # Sinclair there") names the resolver even without a verb of clearing.
    answering = walk.soft and walk.section == "blockers" and rules.part_of(text) is None
    if walk.sentence - walk.blocker_sentence > 2 or not (
        owners.names_resolver(text)
        or ((who_label or answering) and owners.resolver(text, people=walk.people, exclude=set()))
    ):
        return False
    exclude = {me or "", walk.author or ""}
    if decl.blockers[-1].needed_from and (
        walk.listed or not resolvers.strong_person(text, people=walk.people, exclude=exclude)
    ):
        return False  # a guessed resolver gives way only to someone singled out as the one
    if rules.part_of(text) in ("shipped", "decisions"):
        return False
    if resolvers.says_nobody(decl.blockers[-1].description):
        return False  # "we don't know who can change it": a later "Kasia will call" is an action
    who = owners.resolver(text, people=walk.people, exclude={me or "", walk.author or ""})
    if who is None:
        return False
    last = decl.blockers[-1]
    decl.blockers = [
        *decl.blockers[:-1],
        last.model_copy(
            update={
                "needed_from": who,
                "evidence": [*last.evidence, ev],
                # "X is blocked" alone, then the sentence saying why: keep the why
                "description": _with_why(last.description, text),
            }
        ),
    ]
    return True


_ENDS_BLOCKED = re.compile(r"\b(?:blocked|stuck|on hold)\W*$", re.I)
_FILLER_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "it",
        "this",
        "that",
        "is",
        "are",
        "was",
        "still",
        "currently",
        "now",
        "also",
    ]
)


_VERBISH = re.compile(
    r"\b(?:is|are|was|were|has|have|had|can|can't|cannot|won't|needs?|waits?|waiting|until|"
    r"because|since|expired|failed|down|broken|missing)\b|n't\b",
    re.I,
)


# "Condition reports: can't begin." says that the work cannot start, not why.
_CANNOT_START = re.compile(
    r"^[^:]{3,60}:\s*(?:can'?t|cannot|won'?t|unable\s+to)\s+(?:begin|start|proceed|go\s+ahead|"
    r"continue|move)(?:\s+yet)?\W*$",
    re.I,
)


def gives_why(walk: Walk, text: str, ev: Evidence, *, me: str | None) -> bool:
    """'Condition reports: can't begin. The data loggers haven't arrived.': the blocker sentence
    right after one that only said the work is stuck says why; it is that blocker, not another.
    On a list, only a sentence of the same line does."""
    decl = walk.decl
    if not decl.blockers or walk.sentence - walk.blocker_sentence != 1:
        return False
    if walk.listed and walk.message != walk.blocker_message:
        return False
    last = decl.blockers[-1]
    if last.needed_from or not (
        _only_says_blocked(last.description) or _CANNOT_START.match(last.description)
    ):
        return False
    if _BLOCKED_SUBJECT.match(text) or _PRONOUN_BLOCKED.match(text):
        return False  # "The exporter is stuck too": another item said to be blocked
    who = owners.resolver(text, people=walk.people, exclude={me or "", walk.author or ""})
    decl.blockers = [
        *decl.blockers[:-1],
        last.model_copy(
            update={
                "description": _with_why(last.description, text),
                "needed_from": who,
                "evidence": [*last.evidence, ev],
            }
        ),
    ]
    walk.blocker_sentence = walk.sentence
    return True


def _with_why(description: str, why: str) -> str:
    """The blocker's description once the next sentence says why: "X is blocked." gives way to
    the why; "the gearbox oil change on T07" (under a Blocked label) keeps its name before it."""
    if _only_says_blocked(description):
        return why
    if _CANNOT_START.match(description):
        return f"{description.rstrip(' .')}; {why}"  # "X: can't begin; the loggers haven't come"
    if len(description.split()) <= 7 and not _VERBISH.search(description):
        return f"{description.rstrip(' .')}: {why}"
    return description


def _only_says_blocked(description: str) -> bool:
    """ "The export is blocked." says that, not why ("blocked: the barge isn't loading" does)."""
    if not rules.STRONG_BLOCKER_RE.search(description):
        return False
    if _ENDS_BLOCKED.search(description):
        return True  # "Supplier price sync is blocked"
    rest = rules.STRONG_BLOCKER_RE.sub(" ", description.lower()).split()
    return len([w for w in rest if w.strip(".,:;") not in _FILLER_WORDS]) <= 2


def _firmly_named(walk: Walk, blocker: Blocker, *, me: str | None) -> bool:
    """Does the blocker name its resolver as an actor? "blocked on the vendor's API key" only
    guesses the vendor from a noun; a later "so Ewa at the vendor signs them now" says who."""
    if not blocker.needed_from:
        return False
    exclude = {me or "", walk.author or ""}
    return (
        owners.names_resolver(blocker.description)
        or resolvers.strong_person(blocker.description, people=walk.people, exclude=exclude)
        is not None
    )


def nobody_for_last_blocker(walk: Walk, text: str, ev: Evidence) -> bool:
    """'X is capped at 50 MB. Nobody on our side can change that cap.': a sentence right after a
    blocker saying nobody known can clear it completes that blocker (still with no resolver)
    instead of starting a second one. A resolver only guessed from a mention ("Dr Wekesa there
    says no slots") gives way to it."""
    decl = walk.decl
    if not decl.blockers or _firmly_named(walk, decl.blockers[-1], me=None):
        return False
    if walk.sentence - walk.blocker_sentence > 2 or not resolvers.says_nobody(text):
        return False
    if rules.STRONG_BLOCKER_RE.search(text) or rules.part_of(text) in ("shipped", "decisions"):
        return False
    last = decl.blockers[-1]
    if last.needed_from and (
        walk.sentence - walk.blocker_sentence != 1
        or (walk.listed and walk.message != walk.blocker_message)
    ):
        return False  # a guessed resolver gives way only right after it, on the blocker's line
    decl.blockers = [
        *decl.blockers[:-1],
        last.model_copy(
            update={
                "description": f"{last.description}; {text}",
                "needed_from": None,
                "evidence": [*last.evidence, ev],
            }
        ),
    ]
    return True


def set_blocked(walk: Walk, idx: int) -> None:
    items = list(walk.decl.in_flight)
    items[idx] = items[idx].model_copy(update={"status": "blocked"})
    walk.decl.in_flight = items


def same_line(evidence: list[Evidence], ev: Evidence) -> bool:
    """Was the item said in the sentence or list line `ev` quotes? A blocker on a line of its own
    ("- Blocked on the certificate; Hicham has to renew it") names no item; it does not block the
    item on the line before."""
    return any(e.quote == ev.quote for e in evidence)
