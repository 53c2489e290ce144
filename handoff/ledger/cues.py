"""The cues the ledger reads in a wrap: that a blocker was cleared (and by whom), that a decision
changed, that work moved to another owner, and the name a shipped item goes by. Kept apart from
matching so the rules can be read in one place; the words themselves come from `handoff.text`."""

from __future__ import annotations

import re
from collections.abc import Iterable

from handoff.refs import strip_refs
from handoff.text import MONTHS, STOPWORDS, WEEKDAYS, strong_terms

# A blocker is cleared: the needed thing happened, or someone says it is no longer in the way.
RESOLVED_RE = re.compile(
    r"\b(?:unblock(?:s|ed)|no longer (?:blocked|blocking|waiting|an issue|a blocker)|resolved|"
    r"sorted(?: out)?|cleared|came through|approved|granted|signed off|sign-off came|"
    # "the request came back approved", not "the cart came back from its last job cracked"
    r"came back(?!\s+(?:from|broken|damaged|cracked|faulty|wrong|empty|with\s+(?:a|an)\b))|"
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
    r"now (?:going|using|doing)|undid|undo(?:ne|ing)?|scratch|walk(?:ed|ing)? back|"
    r"t(?:ake|ook|aking) (?:that|it|this) back|on second thought|"
    r"chang(?:e|ed|ing) (?:our|my) minds?|back(?:ed|ing)? out of|(?:we'?ve|we have) dropped|"
    r"(?:is|are)\s+off\b(?!\s+(?:today|tomorrow|until|till|on|for|sick|work|from|this|next)))",
    re.IGNORECASE,
)


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


#: When a hand-over takes effect: "from tomorrow", "from Monday", "as of today", "from now on".
_FROM_WHEN = (
    r"(?:from|as of|starting) (?:today|tomorrow|now(?: on)?|next week|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b"
)
# Ownership moves: "Lena is taking over the export job", "handing the pager to Ana",
# "reassigned to Omar", "X owns it now". The new owner is named in the sentence.
OWNER_CHANGE_RE = re.compile(
    r"\b(?:tak(?:es|ing|en)|took) over\b|\bhand(?:s|ing|ed)? (?:\w+ ){0,4}(?:over|off) to\b|"
    r"\b(?:pass|hand)(?:es|s|ing|ed)? (?:[\w'-]+ ){1,6}?to (?-i:[A-Z])|"
    r"\bpick(?:s|ing|ed) up (?:[\w'-]+ ){1,6}?from (?-i:[A-Z])|"
    r"\bhand(?:s|ing|ed)? (?:it|this|that) (?:over|off)\b|\breassign(?:ed|ing)? to\b|"
    r"\b(?:owns|is owning|is the owner of) (?:it|this|that|\w+(?: \w+){0,4}) now\b|"
    r"\bnow owns\b|\bis now (?:on|owning)\b|\bpick(?:s|ing|ed) (?:it|this|that) up from\b|"
    # "taken the exporter over from Noa", "Noa handed me the exporter", "it's mine now",
    # "from tomorrow Kai owns the exporter", "Kai owns the exporter from Monday"
    r"\bt(?:ake|akes|aking|ook|aken) (?:[\w'-]+ ){1,6}?over from\b|"
    r"\b(?:hand|pass|give)(?:s|es|ed|ing)? me\b|\bgave me\b|"
    r"(?:\b(?:is|are)|'s|'re) (?:now )?(?:all )?mine\b|"
    rf"\bowns? (?:[\w'-]+ ){{1,6}}?{_FROM_WHEN}|{_FROM_WHEN},? (?-i:[A-Z])[\w'-]+ owns\b|"
    # "the crane hire came over to me", "it's with me now"
    r"\bcame over to me\b|(?:\b(?:is|are|'s)|:) (?:now )?(?:with me|mine) now\b",
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


# Past tenses that report talk or intent, not the thing done: "Hamid promised a date".
_TALK_VERBS = frozenset(
    """asked needed wanted promised expected hoped planned tried said suggested requested
    proposed mentioned emailed called pinged reminded started scheduled offered warned
    explained estimated thought guessed assumed claimed""".split()  # noqa: SIM905
)
_IRREGULAR_DONE = (
    r"sent|gave|signed|made|did|got|paid|wrote|built|set|put|took|brought|ran|"
    r"shipped|opened|issued|raised|moved"
)


def acted(sentence: str, who: str | None) -> bool:
    """The one a blocker waits on did something ("Bea opened the port", "Arnel has raised the
    PO"): news that the thing it waited for happened, in whatever verb the wrap uses."""
    first = (who or "").split()[0] if (who or "").split() else ""
    first = re.sub(r"^the$", "", first, flags=re.IGNORECASE)
    if len(first) < 2:
        return False
    m = re.search(
        rf"\b{re.escape(first)}(?:\s+(?-i:[A-Z])[\w'-]+)?\s+"
        r"(?:(?:has|had|have|finally|just|already|also)\s+)*"
        rf"(?P<verb>[a-z]+ed|{_IRREGULAR_DONE})\b",
        sentence,
        re.IGNORECASE,
    )
    if m is None or m.group("verb").lower() in _TALK_VERBS:
        return False
    return not NOT_YET_RE.search(sentence[: m.start()][-60:])


# Who cleared a blocker, as a resolution sentence names them: "Priya got it through", "Omar
# granted read access", "approved by Priya", "got the key from Omar", "I approved the budget".
_RESOLVER_VERB = (
    r"(?:(?:has|had|have|finally|just|already|kindly|quickly|then|also)\s+)*"
    r"(?:sent|granted|gave|approved|signed off|sorted(?: it| that| this)?(?: out)?|cleared|"
    r"fixed|restored|merged|unblocked|resolved|provisioned|answered|replied|decided|confirmed|"
    r"settled|made the call|shared|handed over|reviewed|rotated|provided|issued|created|set up|"
    r"delivered|agreed|renewed|enabled|added|deployed|came through|got back to (?:us|me)|"
    r"pushed (?:it|that|this|them) through|"
    r"got (?:it|that|this|them|us|the \w+(?: \w+)?) (?:through|done|sorted|approved|fixed|"
    r"unblocked|signed(?: off)?|merged|granted))\b"
)
_RESOLVER_BY = r"\b(?:by|from|thanks to|courtesy of|with help from)\s+"
_FIRST_PERSON_RE = re.compile(rf"\bI\s+(?:{_RESOLVER_VERB}|(?:finally\s+)?got\b)")
# Capitalized words that start clauses or name things rather than people.
_NOT_A_NAME = frozenset(
    """the this that these those it its we they he she you so and but then finally also now
    today yesterday tonight tomorrow shipped blocker blockers decision decisions next back
    everything nothing someone everyone somebody access approval budget request keys it's
    in-flight inflight update pr ticket""".split()  # noqa: SIM905
) | frozenset((*WEEKDAYS, *MONTHS))
# "Priya's approval came through": what of a known person's clears a blocker.
_THEIR_PART = (
    r"(?:approval|sign-?off|answer|reply|review|decision|fix|patch|change|pr|keys?|go-?ahead|"
    r"ok(?:ay)?|call|budget|access|credentials)\b"
)
_TITLE_NAME = r"[A-Z][a-z][\w'-]*(?:\s[A-Z][a-z][\w'-]*)?"


def resolver(sentence: str, *, known: Iterable[str | None] = (), author: str | None) -> str | None:
    """The person (or group) a resolution sentence says cleared the blocker, or None.

    `known` are names the ledger already has for this blocker (who it needed, who reported it):
    they are found in any spelling of case and may be groups ("IT", "the DBA team"); other names
    must look like one (capitalized) and stand where a resolver does. "I ..." is the author.
    """
    names = sorted({k.strip() for k in known if k and k.strip()}, key=lambda k: (-len(k), k))
    for name in names:
        bare = re.sub(r"^the\s+", "", name, flags=re.IGNORECASE)
        who = rf"(?:the\s+)?{re.escape(bare)}"
        if re.search(
            rf"(?:{_RESOLVER_BY}{who}\b|\b{who}\s+{_RESOLVER_VERB}|\b{who}'s\s+{_THEIR_PART})",
            sentence,
            re.IGNORECASE,
        ):
            return name
    for pattern in (
        rf"{_RESOLVER_BY}(?P<who>{_TITLE_NAME})\b",
        rf"(?<![\w'-])(?P<who>{_TITLE_NAME})\s+{_RESOLVER_VERB}",
    ):
        for m in re.finditer(pattern, sentence):
            who = m.group("who")
            if who.split()[0].lower() not in _NOT_A_NAME:
                return who
    if author and _FIRST_PERSON_RE.search(sentence):
        return author
    return None


# Naming a shipped item from its summary ("Cert renewal done on prod, the new certs are valid"):
# the thing is what comes before the status word ("Cert renewal"), or after a leading verb
# ("Shipped the invoice email fix"), in the first clause that names something.
_CHAT_PREFIX_RE = re.compile(r"^\s*(?:\[\d{1,2}:\d{2}(?::\d{2})?\]\s*[\w.-]+:\s*|[*\u2022-]\s+)+")
_LABEL_RE = re.compile(r"^\s*(?:shipped|done|merged|deployed|released)\s*:\s*", re.IGNORECASE)
_FILLER_RE = re.compile(
    r"^(?:(?:so|okay|ok|hey|um+|uh+|well|also|and|then|anyway|buenas|today|tonight|yesterday|"
    r"this (?:morning|afternoon|evening)|in the (?:morning|afternoon|evening)|for \w+ today|"
    r"(?:night|day|evening) shift handover|let me see|i guess|what did ship is|the main thing "
    r"is)\b[\s,]*)+",
    re.IGNORECASE,
)
_DONE_WORD = (
    r"(?:done|merged|shipped|deployed|live|released|finished|completed|complete|landed|"
    r"launched|published|rolled out|went (?:out|live|fine)|out|fixed|resolved|handed (?:off|over)|"
    r"submitted|closed|patched|migrated|upgraded|in place)"
)
_STATUS_RE = re.compile(
    rf"\s*\b(?:(?:is|are|was|were|has been|have been|got|that'?s|it'?s|which is|and)\s+)*"
    rf"(?:(?:now|finally|also|all|just|been)\s+)*{_DONE_WORD}\b",
    re.IGNORECASE,
)
_LEAD_RE = re.compile(
    r"^(?:(?:i|we|they)\s+)?(?:(?:finally|just|also)\s+)?"
    r"(?:shipped|merged|deployed|released|finished|pushed|patched|migrated|closed(?: out)?|"
    r"resolved|launched|published|rolled out|completed|fixed|landed|uploaded|got)\s+",
    re.IGNORECASE,
)
_PRONOUN_RE = re.compile(r"^(?:that|it|this|which|those|these|they|them|one)$", re.IGNORECASE)
# Where a name part stops being the name: a destination, a time, the next clause.
_TAIL_RE = re.compile(
    r"(?:^|\s+)(?:to (?:the|all|both|every|prod\w*|staging|main)\b|from \d|at \d|"
    r"(?:this|last|yesterday|tomorrow) (?:morning|afternoon|evening|night)\b|today\b|"
    r"tonight\b|that'?s\b|which\b|so\b|and\b|but\b|because\b|now\b|as of\b).*$",
    re.IGNORECASE,
)


def _compound(summary: str) -> str | None:
    """A slug-like name ("payments-refund-flow"); not a host ("kafka-3") or a word ("opt-in")."""
    for m in re.finditer(r"(?<![\w-])([a-z0-9]+(?:[-_/][a-z0-9]+)+)(?![\w-])", summary):
        parts = re.split(r"[-_/]", m.group(1))
        if all(re.search(r"[a-z]", p) and p not in STOPWORDS for p in parts):
            return m.group(1)
    return None


def _tidy(name: str, *, refs: bool = False) -> str:
    """The thing a name part names: no articles, leading "I merged the", trailing "to the
    staging cluster", "this morning", ", which ..."; refs (tracked apart) only with `refs`."""
    if not refs:
        name = strip_refs(name)
    name = re.sub(r"\(\s*\)", " ", name).strip(" ,.;:-")
    name = re.sub(r"^(?:it'?s|that'?s|this is|there'?s)\s+", "", name, flags=re.I)
    name = re.sub(_TAIL_RE, "", name).strip(" ,.;:-")
    name = re.sub(r"^(?:i|we|they)\s+\w+\s+(?=the\b)", "", name, flags=re.I)
    name = re.sub(r"^(?:the|a|an|our|my|its|their)\s+", "", name, flags=re.I)
    name = re.sub(r"^[A-Z][\w]*'s\b\s*", "", name)  # "Keiko's PR": whose, not what
    name = re.sub(
        r"\s+(?:is|are|was|were|and|that|which|for|on|in|of|to|at)$", "", name, flags=re.I
    )
    return " ".join(name.split()).strip(" ,.;:-")


def _named(part: str) -> str:
    """The name in a part, refs dropped unless that leaves less than two words."""
    name = _tidy(part)
    if len(name.split()) < 2:
        with_refs = _tidy(part, refs=True)
        if len(with_refs.split()) > len(name.split()):
            return with_refs
    return name


def shipped_name(summary: str) -> str:
    """A clean, stable name for a shipped item: the thing, without its status or the rest."""
    compound = _compound(summary)
    if compound:
        return compound
    text = _FILLER_RE.sub("", _LABEL_RE.sub("", _CHAT_PREFIX_RE.sub("", summary)))
    clauses = [c.strip() for c in re.split(r"\s*(?:[,;(\u2014\u2013\[]|:(?!\d)|\s-\s)\s*", text)]
    previous = ""
    for clause in clauses:
        clause = _FILLER_RE.sub("", clause).strip()
        lead = _LEAD_RE.match(clause)
        body = clause[lead.end() :] if lead else clause
        status = _STATUS_RE.search(body)
        if status is not None and (lead or status.start() > 0 or previous):
            part = body[: status.start()].strip()
            if not part or _PRONOUN_RE.match(part):
                part = previous  # "the CDN purge bug, that's merged"
            if not _names_something(part):  # "PR #312 merged that's the alert routing change"
                part = body[status.end() :]
        elif lead:
            part = body
        else:
            previous = clause
            continue
        if _names_something(part):
            return " ".join(_named(part).split()[:8])
        previous = clause
    first = clauses[0] if clauses else ""
    if _names_something(first) and len(_named(first).split()) <= 8:
        return _named(first)
    # Nothing reads as "<thing> <status>": the opening words, as before.
    return " ".join(text.split()[:6]).rstrip(",.;:") or summary.strip()


def _names_something(part: str) -> bool:
    """Whether a part names a thing: identifying words besides refs, not a pronoun."""
    name = _tidy(part)
    return bool(strong_terms(name)) and not _PRONOUN_RE.match(name.split()[0])


# -- who can clear a blocker now, and who owns work now --------------------------------------------
# A blocker re-routed to someone else: "X is on leave, so Y signs it now", "now has to be run by Y
# instead", "it turns out Y owns that, so Y has to do it", "Y is the one who can get it out".
_REROUTE_RE = re.compile(
    r"\b(?:now|instead|turns out|is the one|are the ones|from now on|any ?more|"
    r"on (?:\w+ )?leave|(?:has|have) left|left the (?:company|team)|"
    # "it has moved on: only Bea can open ports", "she's the only one who can approve it"
    r"(?:has|have|'s) (?:been )?moved(?: on)?|the only (?:one|person|people)|only (?-i:[A-Z])\w+|"
    # "Lucía no longer handles tooling, and requests go to their tooling pool", "from here on"
    r"no longer|from here on|requests go to|"
    # "Arjun got pulled onto the datacentre move, so Noor has taken over the rule"
    r"(?:got|was|been)\s+pulled\s+(?:onto|into|off|away)|(?:has|have)\s+taken\s+over|"
    r"took\s+over|is\s+covering|stepped\s+in|"
    # "While the director is away, deputy director Keiko Arai signs for the lender"
    r"while\s+(?:\w+\s+){1,4}(?:is|are)\s+(?:away|out|off)|(?:is|are)\s+away)\b",
    re.IGNORECASE,
)
_PERSON_RE = re.compile(rf"(?<![\w'-])(?P<who>{_TITLE_NAME})(?:'s\b)?")
_AWAY_AFTER_RE = re.compile(
    r"^\s*(?:is|has|was|will be)\s+(?:\w+\s+)?(?:on|at|away|out|off|left|gone|sick|moved)\b",
    re.IGNORECASE,
)


def _person_words(name: str | None) -> set[str]:
    return {w.lower().removesuffix("'s") for w in (name or "").split()}


# Where a person stands as the one who does it: "by Y", "from Y", or Y before what they do.
_BY_BEFORE_RE = re.compile(
    r"\b(?:by|from|(?:wait(?:s|ing)?|blocked|stuck|sits?|depends?|rests?)\s+(?:now\s+)?"
    r"(?:on|with)|blocked,\s+on|(?:is|it's|now)\s+with)\s+$",
    re.IGNORECASE,
)
# A name's apposition or place before what they do: "Vikram Rao, our manager at the bank, has
# to", "Mariam in IT owns", "Arnel in procurement has to".
_APPOSITION_RE = re.compile(
    r"^(?:,\s+[^,;.:]{1,60},|\s+(?:in|at|from|on|of)\s+(?:the\s+)?[\w'-]+(?:\s+team)?)",
    re.IGNORECASE,
)
# An article or possessive before a capitalized word makes it a thing: "the Atacama antenna".
_THING_BEFORE_RE = re.compile(r"\b(?:the|a|an|our|their|its|my|your|his|her)\s+$", re.IGNORECASE)
_DOES_AFTER_RE = re.compile(
    # "... is now Yusuf Demir's job"
    r"^'s\s+(?:job|task|call|responsibility)\b|"
    r"^(?:'s team)?\s+(?:\w+\s+)?(?:now\s+)?(?:has to|have to|needs to|must|can|could|will|"
    r"is the one|are the ones|signs?|owns?|approves?|runs?|does|handles?|takes?|issues?|"
    r"grants?|gets?|is (?:now )?(?:on|doing|handling|signing|running|covering)|"
    r"(?:has|have) taken over|took over|stepped in)\b",
    re.IGNORECASE,
)


def _people_in(clause: str, *, skip: Iterable[str | None]) -> list[str]:
    """Capitalized names in a clause that stand as the one who does it ("by Y", "Y signs it"):
    not clause openers or labels ("Offline sync: ..."), not `skip`, not someone away."""
    skipped = set().union(*(_person_words(s) for s in skip)) if skip else set()
    out: list[str] = []
    for m in _PERSON_RE.finditer(clause):
        who = m.group("who").removesuffix("'s")
        first = who.split()[0].lower()
        if first in _NOT_A_NAME or first in STOPWORDS or _person_words(who) & skipped:
            continue
        after = clause[m.start() + len(who) :]
        if _AWAY_AFTER_RE.match(after) or _THING_BEFORE_RE.search(clause[: m.start()]):
            continue
        placed = _APPOSITION_RE.match(after)
        does = after[placed.end() :] if placed else after
        if _BY_BEFORE_RE.search(clause[: m.start()]) or _DOES_AFTER_RE.match(does):
            out.append(who)
    return out


def rerouted_to(sentence: str, *, old: str | None, author: str | None) -> str | None:
    """Who can clear a blocker now, when the sentence moves it to someone new ("Dana is on leave,
    so Femi signs it now"); None when it does not. The person is read from the clause after "so"
    when there is one: the clause before it names who is away."""
    if not _REROUTE_RE.search(sentence):
        return None
    # "Meenakshi sent the request, and now Vikram has to confirm it": what happened first is
    # not the news; the last clause says who it waits on now (and whether it is cleared).
    clauses = re.split(r"\bso\b|\b(?:and|but) now\b", sentence, flags=re.IGNORECASE)
    if says_resolved(clauses[-1]):
        return None
    people = _people_in(clauses[-1], skip=(old, author))
    if people:
        return people[0]
    # "approvals have moved to the finance systems team", "from here on the agent's brokerage
    # team deals with releases"
    team = _TEAM_NOW_RE.search(sentence) or _TEAM_ACTS_NOW_RE.search(sentence)
    return " ".join(team.group("team").split()) if team else None


# A blocker moved to a team rather than a person.
_TEAM_HEAD = r"(?:team|desk|office|department|squad|group|committee|board|pool|hub|centre|center)"
_TEAM_NOW_RE = re.compile(
    r"\b(?:(?:has|have)\s+moved\s+to|moved\s+over\s+to|now\s+go(?:es)?\s+(?:to|through)|"
    r"requests?\s+(?:now\s+)?go(?:es)?\s+(?:to|through)|"
    r"(?:we\s+)?wait(?:ing)?\s+on)\s+(?:the\s+|their\s+)?"
    rf"(?P<team>(?:[\w'-]+\s+){{0,3}}?{_TEAM_HEAD})\b",
    re.IGNORECASE,
)
_TEAM_ACTS_NOW_RE = re.compile(
    r"\b(?:from\s+here\s+on|from\s+now\s+on|now|instead),?\s+(?:the\s+|their\s+)?"
    rf"(?P<team>(?:[\w'-]+\s+){{0,3}}?{_TEAM_HEAD})\s+(?:deals?\s+with|handles?|does|takes?)\b",
    re.IGNORECASE,
)
_THING = r"(?P<thing>[^,;.:!?]+?)"
_GIVEN_RE = re.compile(
    rf"\b(?:pass|hand|reassign)(?:es|s|ing|ed)?\s+(?:over\s+)?{_THING}\s+(?:over\s+|off\s+)?"
    rf"to\s+(?P<who>(?-i:{_TITLE_NAME}))",
    re.IGNORECASE,
)
_TAKEN_RE = re.compile(
    rf"\b(?:pick(?:s|ing|ed)\s+up|t(?:ake|akes|aking|ook|aken)\s+over)\s+{_THING}\s+"
    # a recognizer writes the giver in lowercase ("i took over dynamic pricing from elif")
    rf"from\s+(?P<giver>(?-i:{_TITLE_NAME})|(?-i:[a-z][a-z'-]{{2,}})(?=\s+(?:today|yesterday|"
    rf"this|last|on|since|who|she|he|they|as|$)))",
    re.IGNORECASE,
)
_TAKER_RE = re.compile(rf"(?P<who>{_TITLE_NAME})\s+(?:(?:is|has|will|just)\s+)*$")
# "I've taken the exporter over from Noa": the particle after the thing.
_TAKEN_SPLIT_RE = re.compile(
    rf"\bt(?:ake|akes|aking|ook|aken)\s+{_THING}\s+over\s+from\s+(?P<giver>(?-i:{_TITLE_NAME}))",
    re.IGNORECASE,
)
# "Noa handed me the exporter", "passed the exporter to me": the author takes it.
_TO_ME_RES = (
    re.compile(
        rf"\b(?:hand|pass|give|gave)(?:s|es|ed|ing)?\s+(?:over\s+)?me\s+{_THING}(?=[,;.:!?]|$)",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b(?:hand|pass)(?:s|es|ed|ing)?\s+{_THING}\s+(?:over\s+)?to\s+me\b", re.IGNORECASE
    ),
)
# "The exporter is mine now", "the crane hire came over to me", "it's with me now": the author
# says they own it.
_MINE_RE = re.compile(
    rf"{_THING}(?:\s+(?:(?:is|are)\s+(?:now\s+)?(?:all\s+)?(?:mine\b|with\s+me\s+now\b)|"
    rf"came\s+over\s+to\s+me\b)|\s*:\s*(?:now\s+)?(?:mine|with\s+me)\s+now\b)",
    re.IGNORECASE,
)
# "Callum takes over the crane hire from tomorrow": the giver names the taker and a time.
_TAKES_OVER_RE = re.compile(
    rf"(?P<who>(?-i:{_TITLE_NAME}))\s+(?:takes|will\s+take|is\s+taking|'ll\s+take)\s+over\s+"
    rf"{_THING}(?=\s+{_FROM_WHEN}|\s*[,;.:!?]|\s*$)",
    re.IGNORECASE,
)
# "From tomorrow Kai owns the exporter", "Kai owns the exporter from Monday".
_OWNS_FROM_RES = (
    re.compile(
        rf"{_FROM_WHEN},?\s+(?P<who>(?-i:{_TITLE_NAME}))\s+owns\s+{_THING}(?=[,;.:!?]|$)",
        re.IGNORECASE,
    ),
    re.compile(rf"(?P<who>(?-i:{_TITLE_NAME}))\s+owns\s+{_THING}\s+{_FROM_WHEN}", re.IGNORECASE),
)


def _author_takes(sentence: str, author: str | None) -> tuple[str, str] | None:
    """The author's own voice of a hand-over: handed to me, taken over, "it's mine now"."""
    if not author:
        return None
    for pattern in (*_TO_ME_RES, _MINE_RE):
        m = pattern.search(sentence)
        if m is not None and strong_terms(m.group("thing") or ""):
            return _tidy(m.group("thing")), author
    return None


def handed_over(sentence: str, *, author: str | None) -> tuple[str, str] | None:
    """(the work, its new owner) when the sentence hands work over, in either voice: the giver's
    ("passing the exporter to Kai from tomorrow") or the taker's ("picked up the exporter from
    Noa": the taker is the sentence's subject, the author when that is "I" or left out)."""
    if not says_owner_change(sentence):
        return None
    m = _GIVEN_RE.search(sentence)
    if m is not None and m.group("who").split()[0].lower() not in _NOT_A_NAME:
        return _tidy(m.group("thing")), m.group("who")
    for pattern in (*_OWNS_FROM_RES, _TAKES_OVER_RE):
        m = pattern.search(sentence)
        if m is not None and m.group("who").split()[0].lower() not in _NOT_A_NAME:
            return _tidy(m.group("thing")), m.group("who")
    m = _TAKEN_RE.search(sentence) or _TAKEN_SPLIT_RE.search(sentence)
    if m is None:
        return _author_takes(sentence, author)
    taker = _TAKER_RE.search(sentence[: m.start()])
    who = taker.group("who") if taker is not None else None
    if who is None or who.split()[0].lower() in _NOT_A_NAME:
        who = author
    return (_tidy(m.group("thing")), who) if who else None


_GIVER_RES = (
    re.compile(rf"\bfrom\s+(?P<who>(?-i:{_TITLE_NAME}))"),
    re.compile(
        rf"(?P<who>(?-i:{_TITLE_NAME}))\s+(?:has\s+|just\s+)*(?:handed|passed|gave|reassigned)\b"
    ),
)


def giver(sentence: str, *, taker: str, author: str | None) -> str | None:
    """Who handed work over, as a hand-over sentence names them ("picked it up from Noa", "Noa
    handed me the exporter"); the author when they hand it to someone else in their own voice."""
    taken = {w.lower() for w in taker.split()}
    for pattern in _GIVER_RES:
        for m in pattern.finditer(sentence):
            who = m.group("who")
            first = who.split()[0].lower()
            if first not in _NOT_A_NAME and first not in STOPWORDS and first not in taken:
                return who
    if author and author.split()[0].lower() not in taken:
        return author
    return None


# A blocker sentence that continues one already known rather than naming a new one.
_CONTINUES_RE = re.compile(
    r"\b(?:still|stays?|remains?|staying)\s+(?:\w+\s+)?blocked\b|"
    r"^\W*(?:so\s+)?(?:it|this|that|they)\s+(?:still\s+)?(?:waits?|is waiting|sits?|stays?)\b|"
    r"\buntil (?:she|he|they) \w+",
    re.IGNORECASE,
)


def continues_blocker(description: str) -> bool:
    """A blocker said as the continuation of one already known ("so it waits on Bea now", "the
    alerts stay blocked until she does"): news about that blocker, not a new one."""
    return _CONTINUES_RE.search(description) is not None
