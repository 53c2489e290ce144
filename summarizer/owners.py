"""Who a clause names: the owner of a next action, and whoever can clear a blocker.

Split from the part rules (`summarizer.rules`) because these read people, not parts: a name has to
be told from a capitalized sentence word (`summarizer.people`), a handle or a role ("the night
shift", "the DBA team") may stand for one, and "someone" or "we" is nobody in particular.
"""

from __future__ import annotations

import re

from handoff.names import fold
from summarizer import resolvers
from summarizer.people import NOT_NAMES, PeopleIndex, looks_like_name
from summarizer.rules import MODAL, NAME, SELF_RE


def _words(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NOBODY = re.compile(
    r"\b(?:someone|somebody|anyone|anybody|whoever|nobody|no one|we|us|a volunteer)\b", re.I
)
_ROLE = re.compile(
    r"^(?:the\s+)?((?:day|night|morning|evening|next|incoming|late|early)\s+shift|on-?call|"
    r"[\w-]+\s+(?:team|squad|crew))\s*,?\s+" + MODAL + r"\b",
    re.I,
)


_ADDRESSED = re.compile(
    rf"^(?:(?:next|then|and|also)\b\s*[:,]?\s*)*({NAME})\s*[:,]?\s+(?:please|can you|could you"
    rf"|would you|"
    rf"pls|plz)\b",
    re.I,
)
# "Gunel, you run the training tonight": the person addressed owns what follows.
_ADDRESSED_YOU = re.compile(rf"^({NAME})\s*,\s+you\s+(?!know\b|see\b)", re.I)
_AT_PLEASE = re.compile(
    r"@([\w.-]+)[^.?!]{0,40}?\b(?:please|can you|could you|pls)\b|"
    r"\b(?:please|can you|could you)\b[^.?!]{0,10}@([\w.-]+)",
    re.I,
)
_LEAD_NAME = re.compile(
    rf"^(?:(?:next|then|and|also|tomorrow|after that)\b\s*[:,]?\s*)*"
    r"(?!(?:once|when|if|after|before|until|unless|since|while|because|as soon as)\b)"
    rf"({NAME}"
    rf"(?:\s+(?-i:[A-ZÀ-Þ][a-zß-ÿ'’-]+))?(?:'s\s+team|’s\s+team)?"
    rf"(?:\s+and\s+{NAME})?)"
    # "Chiara from support warns ...": where the person sits, between name and verb
    rf"(?:\s+(?:from|in|at)\s+(?:the\s+)?[\w-]+(?:\s+team)?)?"
    rf"\s*,?\s+(?:{MODAL}|reviews|approves|signs\s+off|takes|handles|"
    rf"covers|checks|runs|owns|leads|(?-i:[a-z]+(?<!s)(?<!')s)|(?-i:[A-Z]{{2,}}'?s))\b",
    re.I,
)
_ANY_NAME_MODAL = re.compile(
    rf"\b({NAME})\s+(?:will|'ll|is\s+going\s+to|is\s+taking|is\s+picking\s+up|has\s+it|"
    rf"is\s+on\s+it|'s\s+on\s+it|owns\s+(?:it|this|that))\b|"
    rf"\b(?:assigned\s+to|over\s+to|owner(?:\s+is)?:?|(?:handing|passing|giving|hand(?:ing)?\s+off)\b"
    rf"[^.]{{0,60}}?\bto)\s+({NAME})",
    re.I,
)


def _person_word(word: str, people: PeopleIndex, *, lead: bool = False) -> bool:
    w = word.strip(" ,.;:!?'\"()")
    w = re.sub(r"(?:'s|’s)(?:\s+team)?$", "", w)
    if not w or fold(w.lstrip("@")) in NOT_NAMES:
        return False
    if w.startswith("@"):
        return True
    return people.is_person(w) if not lead else (people.is_known(w) or w[:1].isupper())


def action_owner(text: str, *, people: PeopleIndex, me: str | None) -> tuple[str | None, str]:
    """(owner, how): 'self' for I'll/imperatives, 'named', 'nobody' for someone/we, 'none'."""
    t = text.strip()
    m = _ADDRESSED.match(t)
    if m and _person_word(m.group(1), people, lead=True):
        return people.canonical(m.group(1)), "named"
    m = _ADDRESSED_YOU.match(t)
    if m and _person_word(m.group(1), people, lead=True):
        return people.canonical(m.group(1)), "named"
    m = _AT_PLEASE.search(t)
    if m:
        return people.canonical(m.group(1) or m.group(2)), "named"
    if SELF_RE.match(t):
        return me, "self"
    m = _LEAD_NAME.match(t)
    if m:
        who = m.group(1)
        first = re.split(r"\s+and\s+|'s|’s", who)[0]
        if _person_word(first, people, lead=True) and not re.match(
            r"(?:someone|somebody|anyone|we|they|it|this|that|there)\b", first, re.I
        ):
            return people.canonical(re.sub(r"(?:'s|’s)\s+team$", "", who)), "named"
    m = _ROLE.match(t)
    if m:
        return m.group(1), "named"
    for m in _ANY_NAME_MODAL.finditer(t):
        who = m.group(1) or m.group(2)
        if _person_word(who, people):
            return people.canonical(who), "named"
    if re.search(r"\b(?:can|could|would|will)\s+(?:someone|somebody|anyone|anybody)\b", t, re.I):
        return None, "nobody"
    head = re.split(r"\b(?:will|should|needs?|has|must|can|to)\b", t, maxsplit=1)[0]
    if _NOBODY.search(head) or re.search(r"\b(?:needs? to be|has to be|should be)\b", t, re.I):
        return None, "nobody"
    return me, "self"


# "Hicham in IT has to", "Sana from finance can": a person placed in a department, then acting.
_PLACED = r"(?:\s+(?:in|from|at)\s+(?:the\s+)?[\w-]+(?:\s+team)?\s*,?)?"
RESOLVER_STRONG_RE = re.compile(
    rf"\bonly\s+(?:the\s+[\w-]+(?:\s+team)?\s*,?\s*)?({NAME})|"
    rf"\b({NAME}){_PLACED}\s+(?:owns|has\s+to|needs\s+to|must|should|can(?!'t|’t|not)|will|is\s+the\s+(?:contact|owner|one|"
    rf"only|person)|signs|holds|grants|leads|has\s+(?:the|them|it|admin|access|rights)|is\s+chasing|is\s+handling|approves|"
    rf"decides|signs\s+off|is\s+on\b|specifically|has\s+to)|"
    rf"\b({NAME})(?:'s|’s)\s+(?:call|decision|sign-?off|approval|team)|"
    # "the ministry's liaison, Ignacio": a role, then the person holding it
    rf"\b(?:liaison|contact|owner|admin|administrator|lead|manager|approver|signatory)\s*,\s*({NAME})|"
    rf"\b(?:is|are)\s+with\s+({NAME})|@([\w.-]+)|"
    # "dispatching them is down to Tomás Reyes", "it's up to Dana now"
    rf"\b(?:is|are|'s)\s+(?:down|up)\s+to\s+({NAME})|"
    # "Serkan from Ustam Servis comes to calibrate it": the one who visits to clear it
    rf"\b({NAME})(?:\s+(?:in|from|at|of)\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?\s*,?)?\s+"
    rf"(?:comes|is\s+coming|will\s+come|is\s+booked|is\s+scheduled|visits|is\s+visiting)\s+"
    rf"(?:in\s+|round\s+|over\s+|out\s+|by\s+|back\s+)?(?:to|on|at|tomorrow)\b|"
    # "it's Nadim at facilities who decides"
    rf"\b(?:it'?s|it\s+is)\s+({NAME})(?:\s+(?:at|in|from)\s+[\w-]+(?:\s+[\w-]+)?)?\s+who\b",
    re.I,
)


def names_resolver(piece: str) -> bool:
    """Does the clause say who can resolve something ("Sarah owns this", "only Marco can")?"""
    for m in RESOLVER_STRONG_RE.finditer(piece):
        word = next((g for g in m.groups() if g), "")
        if "@" in m.group(0) or looks_like_name(word):
            return True
    return resolvers.names_someone(piece, people=PeopleIndex())


_RESOLVER_WEAK = re.compile(
    rf"\b(?:waiting\s+(?:on|for)|pending(?:\s+a)?(?:\s+\w+)?\s+from|"
    rf"from|ask|ping|chase|chasing|contact|by|with)\s+(?:the\s+[\w-]+\s+)?({NAME})",
    re.I,
)
# What is blocked on: a person only when the team knows them ("blocked on Okta" is a product).
_BLOCKED_ON = re.compile(rf"\b(?:blocked\s+(?:on|by)|on)\s+({NAME})", re.I)
_ON_SOMEONE = re.compile(rf"\b(?:that'?s|it'?s|that\s+is|it\s+is|falls)\s+on\s+({NAME})", re.I)
# A word after these is a thing ("the Apple Wallet pass", "on Mapbox"), not a person, unless
# the team's vocabulary knows it.
_THING_BEFORE = re.compile(r"\b(?:the|our|a|an|on|their|its|this|that|your|my)\s+$", re.I)
# Roles that clear blockers when no person is named ("until the DBA adds an index").
_ROLE_NOUN = re.compile(
    r"\bthe\s+((?:finance\s+|financial\s+)?controller|DBAs?|CFO|CTO|CISO|SRE|release\s+manager|"
    r"product\s+owner|tech\s+lead|on-?call\s+lead|security\s+officer|data\s+protection\s+officer|"
    r"DPO|landlord|registrar|auditors?|vendor|legal\s+team|lawyers?)\b",
    re.I,
)
_RESOLVER_GROUP = re.compile(
    r"\b(?:from|only|waiting on|waiting for|needs?)\s+(?:the\s+)?([\w-]+\s+team|"
    r"(?:[\w-]+\s+)?on[- ]?call)\b|"
    r"\b(?:the\s+)?([\w-]+\s+team)\s+(?:has to|needs to|must|can|owns)\b",
    re.I,
)


# Without a person or team, the party a blocker waits on: "waiting on the registrar",
# "pending sign-off from legal", "blocked on finance".
_RESOLVER_ROLE = re.compile(
    r"\b(?:waiting\s+(?:on|for)|pending(?:\s+\w+)?\s+from|blocked\s+(?:on|by)|"
    r"(?:approval|sign-?off|answer|reply|decision|input|go-ahead|confirmation)\s+from)\s+"
    r"(?:the\s+|our\s+)?(?!(?:the|our)\b)([a-z][\w-]{2,})\b(?!'s|’s|\s+(?:review|approval|sign-?off|of)\b)",
    re.I,
)
_NOT_ROLES = _words(
    "review reviews approval approvals a an it this that them us me him her someone somebody "
    "anyone something more news word answer reply response feedback decision confirmation "
    "legal-review results data access"
)


# "on backorder with BioMedix", "spare pack on order from Stagetech": the supplier delivers it.
_SUPPLIER = re.compile(
    r"\b(?:on\s+(?:back-?)?order|back-?ordered)\s+(?:with|from|at)\s+(?:the\s+)?"
    r"(?P<who>(?-i:[A-Z])[\w&.'-]*(?:\s+(?-i:[A-Z])[\w&.'-]*)?)",
    re.I,
)
# "the toboggan we ordered from alpine rescue supply still hasn't shipped": a recognizer writes
# the supplier in lowercase; its name runs until the clause goes on.
_ORDERED_FROM = re.compile(
    r"\b(?:ordered|bought|sourced)\s+(?:it\s+|them\s+)?from\s+(?:uh\s+|um\s+)?(?:the\s+)?"
    r"(?P<who>[\w&.'-]+(?:\s+(?!(?:still|and|so|but|which|that|who|is|are|was|has|hasn't|have|"
    r"haven't|last|on|in|at|for|yesterday|today|this|it|they|we)\b)[\w&.'-]+){0,2})",
    re.I,
)
# "maintenance team knows, they must order the valve": "they" is the team just named.
_THEY_MUST = re.compile(r"\bthey\s+(?:must|have\s+to|need\s+to|will\s+have\s+to)\b", re.I)
_TEAM_NOUN = re.compile(
    r"\b(?:the\s+)?(?P<team>(?:[\w-]+\s+){0,2}?(?:team|crew|desk|office|department|contractors?|"
    r"vendor|supplier))\b",
    re.I,
)


def _supplier_or_team(text: str) -> str | None:
    """A supplier something is on order from, or the team a later "they must" refers to."""
    supplier = _SUPPLIER.search(text) or _ORDERED_FROM.search(text)
    if supplier:
        return supplier.group("who").rstrip(".,;:")
    must = _THEY_MUST.search(text)
    teams = list(_TEAM_NOUN.finditer(text[: must.start()])) if must else []
    return teams[-1].group("team") if teams else None


def resolver(text: str, *, people: PeopleIndex, exclude: set[str]) -> str | None:
    """Who can resolve a blocker, from evidence, strongest first: a person the clause singles out
    as the only one or gives with their role ("Chidi, the HR lead, can"); a person it makes an
    actor ("Sarah owns this", "that's on Priya"); a role or team it makes an actor ("the export
    control officer has to sign it", or the person said to hold that role); else, unless it says
    nobody is known, a person it only mentions ("waiting on Priya"), then a role noun."""
    exclude = exclude | resolvers.cannot(text)
    strong = resolvers.strong_person(text, people=people, exclude=exclude)
    if strong:
        return strong
    scores = _person_scores(text, people=people, exclude=exclude)
    only = resolvers.only_role(text)
    if only and not any(pos > only[1] for _, pos in scores.values()):
        # the only party that can act outweighs someone who merely chases it first ("Dorin is
        # chasing them but only the print shop can release it"); a person named after it holds
        # or handles it ("only the DBA team — Marco — can")
        return only[0]
    best = max(scores.items(), key=lambda kv: (kv[1][0], kv[1][1])) if scores else None
    if best and best[1][0] >= 3:
        return _full_name(best[0], text)
    role = resolvers.role_actor(text)
    if role:
        # "their support team has to whitelist us, and Chinedu there is handling it": a person
        # named after the acting role is the one who holds or handles it; one named before it
        # ("Felipe at the acquirer says their risk team must") is only reporting.
        after = [(w, p) for w, (_, p) in scores.items() if p > role[2]]
        return _full_name(after[0][0], text) if after else role[0]
    party = _supplier_or_team(text)
    if party:
        return party
    if resolvers.says_nobody(text):
        return None
    if best:
        return _full_name(best[0], text)
    role_noun = _ROLE_NOUN.search(text)
    if role_noun:
        return role_noun.group(1)
    g = _RESOLVER_GROUP.search(text)
    if g:
        return g.group(1) or g.group(2)
    for m in _RESOLVER_ROLE.finditer(text):
        word = m.group(1).lower()
        if word in _NOT_ROLES:
            continue
        if m.group(0).lower().startswith("blocked") and not resolvers.is_department(word):
            continue  # "blocked on the ward roster export": a thing, not a party
        return m.group(1)
    return None


def _person_scores(
    text: str, *, people: PeopleIndex, exclude: set[str]
) -> dict[str, tuple[int, int]]:
    """People the clause names, weighted by how strongly it makes them the resolver (3: an actor,
    1: mentioned), with the position of the last mention."""
    scores: dict[str, tuple[int, int]] = {}
    excluded = {fold(x) for x in exclude if x}

    def consider(word: str | None, weight: int, pos: int) -> None:
        if not word:
            return
        name = re.sub(r"(?:'s|’s)$", "", word.strip(" ,.;:"))
        if not _person_word(name, people) or fold(name.lstrip("@")) in excluded:
            return
        if fold(name.lstrip("@")) in {"i", "me", "we", "us"}:
            return
        key = people.canonical(name) or name
        old = scores.get(key, (0, -1))
        scores[key] = (old[0] + weight, max(old[1], pos))

    for m in RESOLVER_STRONG_RE.finditer(text):
        word = next((g for g in m.groups() if g), None)
        consider(word, 3, m.start())
    for m in _RESOLVER_WEAK.finditer(text):
        consider(m.group(1), 1, m.start(1))
    for m in _ON_SOMEONE.finditer(text):
        consider(m.group(1), 3, m.start())  # "that's on Priya": hers to do
    for m in _BLOCKED_ON.finditer(text):
        if people.is_known(m.group(1)):
            consider(m.group(1), 1, m.start())
    for m in re.finditer(rf"(?<![\w@]){NAME}", text):
        if m.start() == 0:
            continue  # a capitalized first word is the sentence's, not necessarily a name
        if _THING_BEFORE.search(text[: m.start()]) and not people.is_known(m.group(0)):
            continue
        if text[m.start() - 1] in "`\"'“‘*":
            continue  # a quoted or code-formatted word ("`Zip` returns ...") is a thing
        if _PLACE_BEFORE.search(text[: m.start()]) and not people.is_known(m.group(0)):
            continue  # "the dock count for Valencia", "at ACH Colombia": a place or a firm
        consider(m.group(0), 1, m.start())
    return scores


# A capitalized word after these (or after another capitalized word) is a place, a firm or a
# language, not a person, unless the team knows the name.
_PLACE_BEFORE = re.compile(
    r"(?:\b(?:for|at|in|of|into|via|over|read|reads|speak|speaks|about|near|across)|"
    r"(?-i:\b[A-Z]{2,}))\s+$",
    re.I,
)


def _full_name(name: str, text: str) -> str:
    """'Rosa' -> 'Rosa Mamani' when the text gives the surname right after the first name (and
    the other way round), so a two-word name is not cut to one of its words."""
    first = re.search(rf"\b([A-ZÀ-Þ][\w'-]+)\s+{re.escape(name)}\b", text)
    if (
        first
        and looks_like_name(first.group(1))
        and not _THING_BEFORE.search(text[: first.start()])
    ):
        return f"{first.group(1)} {name}"
    after = re.search(rf"\b{re.escape(name)}\s+([A-ZÀ-ÞĀ-Ž][a-zß-ÿĀ-ž]+)\b", text)
    if after and looks_like_name(after.group(1)) and " " not in name:
        return f"{name} {after.group(1)}"
    return name
