"""Who can clear a blocker, from evidence: a person the clause makes an actor, a role or team the
clause makes an actor, the person who holds a role the clause names — never an ordinary word.

Why a reader of its own: a blocker sentence is full of capitalized words that are not people (a
place, a product, a bank, a language: "the dock count for Valencia", "can't read Setswana
letters") and of nouns after "on" that are things ("blocked on the ward roster export"). A
resolver is only taken where the sentence gives evidence that someone acts or decides:

1. a person as an actor — "Chidi, the HR integration lead, can switch it on", "only Dana can",
   "Marko's team runs it" (a team named after a person is that person), "waiting on Priya";
2. a role or team as an actor — "the export control officer has to sign it", "legal must
   confirm", "until the chief nursing officer approves"; when the wrap says who holds that role
   ("Radek is our DBA"), the holder;
3. a person the team knows (the vocabulary or the chat's speakers), named anywhere in the clause.

A clause that says nobody is known ("no idea who owns it", "nobody knows who runs it") and has no
actor of kind 1 or 2 names nobody, whoever else it mentions ("since Pieter left").
"""

from __future__ import annotations

import re

from handoff.names import fold
from summarizer.people import NOT_NAMES, PeopleIndex, looks_like_name

_HONORIFIC = r"(?:(?:Mr|Mrs|Ms|Mx|Dr|Prof)\.?\s+)?"
_PERSON = r"(@[\w.-]+|[A-ZÀ-Þ][\w'’-]+(?:\s+[A-ZÀ-ÞĀ-Ž][a-zß-ÿĀ-ž'’-]+)?)"
# What an actor does about a blocker: a modal, a present-tense verb, "is the one who can".
_ACTS = (
    r"(?:will|'ll|should|needs?\s+to|has\s+to|have\s+to|must|can(?!'t|not)|could|is\s+going\s+to|"
    r"(?:is|are)\s+the\s+(?:one|only\s+one|only\s+person|person|people|ones)\b|alone\s+can|"
    r"(?:is|are)\s+(?:the\s+)?(?:owner|contact|approver|signatory)|"
    # present-tense verbs that clear or decide ("approves", "signs"), not ones that describe
    # what a party does anyway ("the office only sends faxes")
    # "until Marta says yes": consent, not a report
    r"says?\s+(?:yes|ok|okay|go)\b|gives?\s+(?:the\s+)?(?:go-ahead|green\s+light|ok)|"
    r"(?:owns?|runs?|holds?|grants?|approves?|signs?|issues?|decides?|controls?|manages?|"
    r"unlocks?|confirms?|whitelists?|handles?|is\s+handling|is\s+chasing|"
    r"has\s+(?:the|admin|access|rights)))\b"
)
# The head noun of a role or team ("the finance controller", "the inventory platform team").
_ROLE_HEAD = (
    r"(?:team|squad|crew|group|unit|department|dept|office|desk|board|committee|council|"
    r"officer|lead|manager|controller|director|head|coordinator|engineer|architect|admin|"
    r"administrator|DBAs?|owner|operator|operators|liaison|contact|vendor|supplier|provider|"
    r"registrar|auditors?|lawyers?|counsel|landlord|CFO|CTO|CEO|CISO|DPO|SRE|on-?call|"
    r"dispatchers?|sysadmins?|inspectors?|clerks?|agents?|brokers?|electricians?|technicians?|"
    r"mechanics?|plumbers?|installers?|contractors?|surveyors?|accountants?|notary|notaries|"
    r"techs?|specialists?|fitters?|"
    r"helpdesk|service\s+desk|ops|operations|support|"
    # organisations that act ("only the print shop can release it", "the registry must reissue")
    r"shop|works|registry|ministry|firm|agency|authority|bureau|lab|laboratory|workshop|garage|"
    r"clinic|pharmacy|insurer|carrier|courier|municipality|mairie|city\s+hall|town\s+hall|"
    r"services|pool|hub)"
)
# Departments that act under their bare name ("legal must confirm", "IT security can").
_DEPARTMENT = (
    r"(?:legal|finance|compliance|procurement|security|IT\s+security|IT|HR|payroll|facilities|"
    r"accounting|purchasing|infosec|networking|devops|marketing|sales)"
)
_ROLE = (
    rf"(?P<role>(?:(?:the|our|their|its)\s+|[\w-]+(?:'s|’s)\s+)(?:[\w'’-]+\s+){{0,3}}?{_ROLE_HEAD}"
    # "their ops desk", "the support team lead": a head noun may follow another
    rf"(?:\s+{_ROLE_HEAD})*(?:(?:'s|’s)\s+(?:[\w-]+\s+){{0,2}}?{_ROLE_HEAD})?"
    # "the registrar on duty", "the engineer on call"
    rf"(?:\s+on\s+(?:duty|call|shift))?|"
    rf"(?<![\w'’-]){_DEPARTMENT}(?:\s+{_ROLE_HEAD})*|"
    # "Biomed department have to come": a named unit without an article
    rf"(?<![\w'’-])(?-i:[A-Z][\w-]+)\s+(?:department|dept|unit|office|desk|crew|team))"
)
_ROLE_ACTS = re.compile(rf"(?:\bonly\s+)?{_ROLE}\s*,?\s+(?:alone\s+|only\s+|also\s+)?{_ACTS}", re.I)
# "it needs the security office to approve", "we need legal to sign"
_NEEDS_ROLE = re.compile(rf"\b(?:needs?|waiting\s+(?:on|for))\s+{_ROLE}\s+to\b", re.I)
_ONLY_ROLE = re.compile(rf"\bonly\s+{_ROLE}\b", re.I)
# "access requests go through the compliance team", "until the dispatcher gives us an account":
# the role the work passes through, or whose act ends the wait
_THROUGH_ROLE = re.compile(
    rf"\b(?:(?:goes|go|going|has\s+to\s+go|have\s+to\s+go|routed|runs?)\s+through|until|"
    rf"waiting\s+(?:on|for)|(?:has|have)\s+moved\s+to|(?:now\s+)?go(?:es)?\s+to)\s+"
    rf"{_ROLE}(?:\b(?<!until)(?=\s+(?:\w+s|\w+ed)\b)|\b)",
    re.I,
)
# Words that make a person a reporter of what someone else must do ("Nadia at the carrier says").
_REPORTS = (
    r"(?:says|said|told|tells|thinks|reports|reported|mentioned|writes|wrote)\b(?!\s+(?:yes|ok))"
)
_PERSON_ACTS = re.compile(
    # "Huda, the catalogue team lead, has to": a person, an aside on who they are, then the act
    rf"(?<![\w@]){_HONORIFIC}{_PERSON}(?:'s|’s)?(?P<team>\s+team)?"
    rf"(?P<apos>\s*,\s*(?:the|our|their|a|an|who\s+is)\s+[^,.;]{{2,60}},)?"
    # "Made at the bank's merchant desk has to": where the person sits, then the act
    rf"(?P<at>\s+(?:in|from|at|on)\s+(?:the\s+)?(?:(?!{_REPORTS})[\w'’-]+\s+){{0,3}}?"
    rf"(?!{_REPORTS})[\w-]+(?:\s+team)?\s*,?)?"
    rf"\s+(?:alone\s+|only\s+|also\s+)?{_ACTS}"
)
_ONLY_PERSON = re.compile(rf"\bonly\s+{_HONORIFIC}{_PERSON}\b")
# "Hydro's telecom team owns it, Greg Sinclair there": the person at the party just named.
_PERSON_THERE = re.compile(
    rf",\s*{_HONORIFIC}{_PERSON}\s+(?:there|on their side|at their end)\b(?!\s+(?:is|are|was))"
    rf"(?!\s+{_REPORTS})"  # "Dr Wekesa there says no slots": a reporter, not the one who can
)
# "blocked on Pedro, he has the signing key": a name after "on" is a person when the clause goes
# on to say what they hold or do ("blocked on Okta" alone is a product)
_ON_PERSON_WHO = re.compile(
    rf"\b(?:blocked|waiting|stuck|held\s+up)\s+on\s+{_HONORIFIC}{_PERSON}\s*(?:,|—|–|-)?\s*"
    rf"(?:he|she|they|who)(?:'s|\s+is|\s+are)?\s+{_ACTS}"
)
_POSSESSIVE_TEAM = re.compile(
    rf"(?<![\w@]){_PERSON}(?:'s|’s)\s+(?:team|call|decision|sign-?off|approval)\b"
)
# "their EDI coordinator, Ms. Pruitt": a role, then the person holding it.
_ROLE_THEN_PERSON = re.compile(
    rf"(?:\b(?:the|our|their)\s+(?:[\w'’-]+\s+){{0,3}}?{_ROLE_HEAD}|\bonly\s+{_DEPARTMENT})"
    rf"\s*,\s*{_HONORIFIC}{_PERSON}",
    re.I,
)
# "IT unit, U Tun Naing, has to change the template": a role, the person in it, then the act.
_ROLE_PERSON_ACTS = re.compile(
    rf"\b(?:[\w'’-]+\s+){{0,3}}?{_ROLE_HEAD}\s*,\s*(?:[A-Z]\s+)?{_HONORIFIC}{_PERSON}\s*,\s*{_ACTS}",
    re.I,
)
# "it's Nadim at facilities who decides": the one said to decide.
_CLEFT_PERSON = re.compile(
    rf"\b(?:it'?s|it\s+is)\s+{_HONORIFIC}{_PERSON}(?:\s+(?:at|in|from)\s+[\w-]+(?:\s+[\w-]+)?)?"
    rf"\s+who\b"
)
# "Huda, the catalogue team lead": a person given with their role.
_PERSON_ROLE = re.compile(
    rf"(?<![\w@]){_HONORIFIC}{_PERSON}\s*,\s*(?:the|our|their)\s+(?:[\w'’-]+\s+){{0,3}}?"
    rf"{_ROLE_HEAD}\b",
    re.I,
)
_WAITING_PERSON = re.compile(
    rf"\b(?:waiting\s+(?:on|for)|pending(?:\s+\w+)?\s+from|(?:approval|sign-?off|answer|reply|"
    rf"go-ahead|confirmation)\s+from|ask|asked|ping|pinged|chase|chasing|blocked\s+by)\s+"
    rf"{_HONORIFIC}{_PERSON}"
)
# "Radek is our DBA", "our DBA is Radek", "the DBA, Radek": who holds a role.
_HOLDER = re.compile(
    rf"(?<![\w@]){_HONORIFIC}{_PERSON}\s+is\s+(?:our|the|their)\s+(?P<r1>(?:[\w-]+\s+){{0,3}}?"
    rf"{_ROLE_HEAD})\b|\b(?:our|the|their)\s+(?P<r2>(?:[\w-]+\s+){{0,3}}?{_ROLE_HEAD})\s+is\s+"
    rf"{_HONORIFIC}(?P<p2>[A-ZÀ-Þ][\w'’-]+)|"
    # "Viktor runs that team"
    rf"(?<![\w@])(?P<p3>[A-ZÀ-Þ][\w'’-]+)\s+(?:runs|leads|heads|manages)\s+(?:that|the|this|our|"
    rf"their)\s+(?P<r3>{_ROLE_HEAD})\b",
)
_NOBODY = re.compile(
    r"\b(?:(?:nobody|no\s+one|no-one)(?!\s+(?:else|but)\b)|not\s+sure\s+who|(?:do\s+not|don'?t|dont|doesn'?t)\s+know\s+"
    r"who|no\s+idea(?:\s+who)?|unclear\s+who|unknown\s+who|nobody\s+knows|"
    r"(?:couldn'?t|can'?t|cannot)\s+(?:tell\s+you|find\s+out)\s+who|"
    r"(?:have|has)n'?t\s+said\s+who|no\s+clue\s+who|signatory\s+still\s+a\s+mystery)\b",
    re.I,
)
# Words of a role phrase that make it a thing rather than a party ("the sales system").
_NOT_ROLE_WORDS = frozenset({"system", "api", "feed", "file", "server", "portal", "service"})


def strong_person(text: str, *, people: PeopleIndex, exclude: set[str]) -> str | None:
    """A person the clause singles out: "only Dana can", "Chidi, the HR lead, can switch it on",
    "their EDI coordinator, Ms. Pruitt", or the holder of a role that acts ("the DBA has to ...,
    and Radek is our DBA")."""
    excluded = {fold(x) for x in exclude if x} | {"i", "me", "we", "us"}
    found: list[tuple[int, str]] = []

    def add(word: str | None, pos: int) -> None:
        who = _person(word, people)
        if who and fold(who.lstrip("@")) not in excluded:
            found.append((pos, who))

    for m in (
        *_ONLY_PERSON.finditer(text),
        *_ON_PERSON_WHO.finditer(text),
        *_PERSON_THERE.finditer(text),
    ):
        add(m.group(1), m.start())
    for m in _PERSON_ACTS.finditer(text):
        if (m.group("apos") or m.group("at")) and not _after_thing(text, m.start()):
            add(m.group(1), m.start())
    for pattern in (_ROLE_THEN_PERSON, _PERSON_ROLE, _ROLE_PERSON_ACTS, _CLEFT_PERSON):
        for m in pattern.finditer(text):
            if not _after_thing(text, m.start()):
                add(m.group(1), m.start())
    holders = _holders(text)
    for m in (*_ROLE_ACTS.finditer(text), *_NEEDS_ROLE.finditer(text)):
        role = _role(m.group("role"))
        key = _role_key(role) if role else ""
        holder = holders.get(key) or holders.get(key.split()[-1] if key else "")
        if holder:
            add(holder, m.start())
    return min(found)[1] if found else None


def role_actor(text: str) -> tuple[str, int, int] | None:
    """A role or team the clause makes the one to act ("only their risk team", "legal must
    confirm", "until the chief nursing officer approves"), and where it starts and ends."""
    for pattern in (_ONLY_ROLE, _ROLE_ACTS, _NEEDS_ROLE, _THROUGH_ROLE):
        for m in pattern.finditer(text):
            role = _role(m.group("role"))
            if role:
                # "the export control officer" -> "export control officer", as role nouns read
                bare = re.sub(r"^(?:the|our|their|your)\s+", "", role, flags=re.I)
                return bare, m.start("role"), m.end("role")
    return None


def only_role(text: str) -> tuple[str, int] | None:
    """'Dorin is chasing them but only the print shop can release the job': a role or team said
    to be the only one that can act, and where it ends."""
    for m in _ONLY_ROLE.finditer(text):
        role = _role(m.group("role"))
        if role:
            return re.sub(r"^(?:the|our|their|your)\s+", "", role, flags=re.I), m.end("role")
    return None


def names_someone(text: str, *, people: PeopleIndex) -> bool:
    """Does the clause give a resolver as an actor (not merely mention a name)?"""
    strong = (
        _ONLY_PERSON,
        _PERSON_ACTS,
        _POSSESSIVE_TEAM,
        _ROLE_THEN_PERSON,
        _PERSON_ROLE,
        _ROLE_PERSON_ACTS,
        _CLEFT_PERSON,
    )
    if any(_person(m.group(1), people) for p in strong for m in p.finditer(text)):
        return True
    return role_actor(text) is not None


_CANNOT = re.compile(
    rf"(?<![\w@]){_PERSON}\s+(?:can'?t|can’t|cannot|couldn'?t|won'?t\s+be\s+able|isn'?t\s+able|"
    rf"doesn'?t\s+have|has\s+no|no\s+longer)\b"
)


def cannot(text: str) -> set[str]:
    """People the clause says cannot do it ("so Paulo can't do it"): never its resolver."""
    return {m.group(1) for m in _CANNOT.finditer(text)}


def says_nobody(text: str) -> bool:
    """'nobody knows who runs it', 'I don't know who should send it': no one is named."""
    return _NOBODY.search(text) is not None


def is_department(word: str) -> bool:
    return re.fullmatch(_DEPARTMENT, word, re.I) is not None


def _person(word: str | None, people: PeopleIndex) -> str | None:
    if not word:
        return None
    word = re.sub(r"(?:'s|’s)$", "", word.strip(" ,.;:"))
    if word.startswith("@"):
        return people.canonical(word)
    first = word.split()[0]
    if fold(first) in NOT_NAMES:
        return None
    if people.is_known(first) or people.is_known(word):
        return people.canonical(word)
    if not looks_like_name(first):
        return None
    if " " in word and not looks_like_name(word.split()[1]):
        word = first
    return word


def _after_thing(text: str, start: int) -> bool:
    """'the Norfolk feed', 'for Valencia', 'on Okta': a capitalized word after an article or a
    preposition names a thing or a place, not someone acting."""
    before = text[:start]
    return bool(
        re.search(r"\b(?:the|a|an|our|its|on|for|at|in|of|to|into|from|via|with)\s+$", before, re.I)
    )


def _role(phrase: str) -> str | None:
    role = " ".join(phrase.split())
    words = [w.lower() for w in role.split()]
    if any(w in _NOT_ROLE_WORDS for w in words):
        return None
    if words[0] == "its":
        return None
    if len(words) == 2 and re.match(r"[A-ZÀ-Þ][a-zß-ÿ]\w*(?:'s|’s)$", role.split()[0]):
        return None  # "Marko's team" is Marko, read as a person ("ICE's telecom crew" is not)
    return role


def _role_key(role: str) -> str:
    return re.sub(r"^(?:the|our|their)\s+", "", role.lower()).strip()


def _holders(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _HOLDER.finditer(text):
        if m.group("r1"):
            out[_role_key(m.group("r1"))] = m.group(1).split()[0]
        elif m.group("r2"):
            out[_role_key(m.group("r2"))] = m.group("p2")
        else:
            out[_role_key(m.group("r3"))] = m.group("p3")
    return out
