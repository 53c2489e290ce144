"""Understanding a question: what is asked (the intent), about what (subject words, refs, people)
and when (a window such as "this week", or the moment to answer as of).

Rules, not a model: the same reading works offline and decides what the LLM is shown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from handoff.refs import find_refs
from handoff.text import MONTHS, STOPWORDS, WEEKDAYS, stem, terms

#: "Whose job is X?": asks for the owner; the words are never the subject.
_WHOSE_JOB = r"whose (?:job|task|responsibility|baby|area|patch|thing)"
#: (intent, pattern), first match wins; ordered from the most specific.
_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    (
        "returns",
        re.compile(
            r"\bwhen(?:'s| is| will| does)\b.*\b(?:back|return|returning|online|available|in)\b|"
            # ("sign off", "kick off", "hand off" are things done, not someone away)
            r"\bback (?:when|online)\b|\b(?:out of office|ooo|on leave|away|(?<!sign )"
            r"(?<!signs )(?<!signed )(?<!kick )(?<!hand )(?<!log )(?<!tip )off)\b"
            # "an export off the old cluster": "off" before a thing is where from, not away
            r"(?!\s+(?:the|a|an|our|their|its)\b).*\?|"
            # "is Priya around on Monday?": a name (capitalized, whatever the flags) is asked about
            r"\b(?:is|will) (?-i:[A-Z])[\w'-]+ (?:be )?(?:around|available|reachable|out|away)\b|"
            # ...but "the returns portal" names a thing, not someone's return
            r"(?<!the )(?<!our )(?<!a )\b(?:return|returns|returning)\b",
            re.I,
        ),
    ),
    (
        "who_can",
        re.compile(
            r"\bwho (?:can|could|should|needs to|has to|must) (?:unblock|clear|resolve|fix|approve|"
            r"sign off|decide|help|answer)\b|\bwho(?:'s| is) (?:it|that|this) (?:waiting|"
            r"blocked) on\b|"
            r"\bwho (?:are|is) (?:we|they|it|he|she) waiting (?:on|for)\b|\bwaiting on whom\b|"
            # "who has to register us?", "who can grant the access?": whoever can make it happen
            r"\bwho (?:can|could|has to|have to|needs to|must|is able to|is the one)\b",
            re.I,
        ),
    ),
    (
        "blockers",
        re.compile(
            r"\bblock(?:s|ed|er|ers|ing)?\b|\bstuck\b|\bwaiting (?:on|for)\b|"
            # "when was the replica restored?": when a blocker cleared
            r"\bwhen (?:was|were|did|has|have) .{0,60}\b(?:restored|resolved|fixed|approved|"
            r"granted|cleared|sorted|unblocked|get unblocked|come through)\b|"
            r"\bholding (?:\w+ )?up\b|"
            # "who got the VPN request approved?": who cleared a blocker
            r"\bwho (?:resolved|cleared|unblocked|sorted out|got .{1,60}\b(?:approved|through|"
            r"sorted|unblocked|cleared))\b|"
            r"\bin the way\b|\bimpediments?\b|\bheld up\b|"
            # "what's stopping the crate delivery?", "what was the hold-up on X?"
            r"\b(?:stopping|preventing|delaying|hold-?ups?)\b",
            re.I,
        ),
    ),
    (
        "decisions",
        re.compile(
            r"\bdecid\w*|\bdecision\w*|\bwhy (?:did|do|are|is|was|were)\b|\bchose\b|\bchoice\b|"
            r"\brationale\b|\bagreed\b|\bsettled on\b|\bwhich (?:approach|option)\b|"
            # "why aren't we X any more?"; "how long do entries live?" is a setting someone decided
            r"\bwhy (?:aren't|isn't|weren't|wasn't|don't|doesn't|didn't|won't|wouldn't|can't|"
            r"not|no longer)\b|"
            r"\bhow (?:long|often|frequently)\b|"
            # "where do the alerts go?", "how are alerts routed?", "do alerts go to e-mail?": a
            # rule someone decided
            r"\bwhere (?:do|does|did|should) (?:the |our )?[\w-]+(?: [\w-]+){0,4} go\b|"
            r"\bhow (?:are|is|do|does) (?:the |our )?[\w-]+(?: [\w-]+){0,4} (?:routed|sent|"
            r"stored|handled|kept|configured|generated|scheduled|shown|displayed)\b|"
            r"^\W*(?:do|does) (?:the |our )?[\w-]+(?: [\w-]+){0,4} go (?:to|out|by)\b|"
            # "where are we keeping the spares?", "how are we doing the survey from now on?":
            # the way chosen for it
            r"\b(?:where|how) (?:are|will) we (?:keeping|storing|putting|doing|handling|running|"
            r"shipping|sending|keep|store|put|do|handle|run|ship|send)\b|"
            r"\b(?:going forward|from now on)\b|"
            # "which sync protocol are we using?", "are we on PTP or NTP?": a choice made
            r"\bwhich [\w-]+(?: [\w-]+){0,3} (?:are|do|did|will|should) we (?:use|using|run|"
            r"running|go with)\b|\bare we (?:on|using|going with) [\w-]+(?: [\w-]+){0,3} or\b|"
            # "when is the SEPA file generated?": a schedule someone decided (someone's return
            # and a blocker cleared are read above)
            r"\bwhen (?:is|are|does|do) (?:the |our |a |an )?[\w-]+(?: [\w-]+){0,5} "
            r"(?:[a-z]+ed|sent|paid|run|held|set|done|made|issued|go(?:es)? out|due)\b|"
            r"\bgo(?:ing)? with\b|\bwent with\b|\bopt(?:ed)? for\b|"
            r"\b(?:pick|picked|choose|chosen)\b(?! up)|\band why\b|"
            r"\bapproach\b",
            re.I,
        ),
    ),
    (
        # "what is Kai doing next?" asks for Kai's next actions, not the work in flight
        "next",
        re.compile(
            r"\b(?:doing|do|working on|tackling|taking on|up to) next\b|\bnext for\b|"
            # "what's on Tobias's plate next?"
            r"\bplate next\b|\bnext on (?:\w+(?:'s)? )?plate\b|"
            r"\bwhat will (?-i:[A-Z])[\w'-]+ do\b",
            re.I,
        ),
    ),
    (
        "owner",
        re.compile(
            r"\bwho(?:'s| is| are| was| were)? (?:owns?|owned|owning|on|handling|handled|"
            r"responsible|doing|driving|leading|taking|working on)\b|\bowner\b|"
            r"\bwho (?:has|had|took|picked up)\b|\bassigned\b|"
            # "whose job is the drill now?"
            rf"\b{_WHOSE_JOB}\b",
            re.I,
        ),
    ),
    (
        "working_on",
        re.compile(
            r"\bwhat(?:'s| is| are)? (?:\w+ ){0,2}(?:working on|doing|up to|busy with|on (?:his|"
            r"her|"
            r"their) plate)\b|\bwhat does \w+ have\b",
            re.I,
        ),
    ),
    (
        "next",
        re.compile(
            r"\bnext (?:steps?|actions?|up)\b|\bwhat(?:'s| is) next\b|\bto ?dos?\b|"
            r"\bfollow[- ]ups?\b|"
            r"\bplan(?:ned)?\b|\bwhat (?:needs|has) to (?:be done|happen)\b|\bwhat should\b",
            re.I,
        ),
    ),
    (
        "shipped",
        re.compile(
            r"\bship(?:ped|s)?\b|\bmerged\b|\breleased?\b|\bdeploy(?:ed)?\b|\bwent out\b|"
            r"\blaunched\b|"
            r"\blanded\b|\bcompleted\b|\bfinished\b|\bwhat got done\b|\bgo live\b|\bwent live\b",
            re.I,
        ),
    ),
    (
        "status",
        re.compile(
            r"\bstatus\b|\bwhere (?:are|is|do)\b|\bhow(?:'s| is| are)\b|\bprogress\b|\bstate of\b|"
            r"\bupdate on\b|\bin review\b|\bin flight\b|\bdone yet\b|\bready\b|\bany news\b|"
            r"\bwhat(?:'s| is) (?:happening|going on)\b",
            re.I,
        ),
    ),
]
_QUESTION_WORDS = frozenset(
    [
        "what",
        "whats",
        "what's",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "which",
        "is",
        "are",
        "was",
        "were",
        "does",
        "do",
        "did",
        "the",
        "any",
        "anything",
        "everything",
        "status",
        "blocking",
        "blocked",
        "blocker",
        "blockers",
        "stuck",
        "waiting",
        "holding",
        "decided",
        "decision",
        "decisions",
        "owns",
        "owned",
        "owner",
        "own",
        "working",
        "doing",
        "shipped",
        "ship",
        "merged",
        "released",
        "deployed",
        "back",
        "return",
        "returns",
        "next",
        "steps",
        "step",
        "actions",
        "action",
        "plan",
        "planned",
        "update",
        "progress",
        "currently",
        "forward",
        "onwards",
        "anymore",
        "list",
        "agenda",
        "keeping",
        "storing",
        "putting",
        "handling",
        "stopping",
        "right",
        "now",
        "team",
        "us",
        "we",
        "our",
        "everyone",
        "anyone",
        "someone",
        "people",
        "handing",
        "handoff",
        "handoffs",
        "latest",
        "current",
        "open",
        "tell",
        "know",
        "happening",
        "going",
        "about",
        "around",
        "on",
        "unblock",
        "unblocks",
        "unblocked",
        "clear",
        "resolve",
        "resolves",
        "approve",
        "sign",
        "decide",
        "help",
        "answer",
        "responsible",
        "handling",
        "driving",
        "leading",
        "taking",
        "picked",
        "assigned",
        "holding",
        "held",
        "way",
        "stuck",
        "impediment",
        "impediments",
        "plate",
        "busy",
        "status",
        "state",
        "things",
        "still",
        "left",
        "remaining",
        "new",
        "latest",
        "recently",
        "ago",
        "done",
        "yet",
        "ready",
        "news",
        "happen",
        "happened",
        "restored",
        "resolved",
        "approved",
        "granted",
        "cleared",
        "pick",
        "picked",
        "chose",
        "choose",
        "chosen",
        "opted",
        "why",
        "around",
        "available",
        "reachable",
        "long",
        "often",
        "frequently",
        "more",
        "anymore",
        "drop",
        "dropped",
        "stop",
        "stopped",
        "abandon",
        "abandoned",
        "aren't",
        "isn't",
        "no",
        "longer",
        "has",
        "have",
        "must",
        "needs",
        "one",
        "use",
        "uses",
        "using",
    ]
)
_FOLLOW_UP_RE = re.compile(
    r"^\s*(?:and|also|what about|how about|ok(?:ay)?|so|then)\b|\b(?:it|that|this|they|them|"
    r"those|its|their|he|she|his|her)\b",
    re.I,
)


@dataclass(frozen=True)
class Question:
    text: str
    intent: str  # returns | who_can | blockers | decisions | owner | working_on | next | shipped
    # | status | general
    subject: tuple[str, ...] = ()  # identifying words, stemmed
    subject_text: str = ""
    refs: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    as_of: datetime | None = None
    since: datetime | None = None
    until: datetime | None = None
    window: str | None = None  # the words that set since/until, e.g. "this week"
    follow_up: bool = False
    inherited: dict[str, str] = field(default_factory=dict)

    @property
    def has_subject(self) -> bool:
        return bool(self.subject or self.refs)


def _intent(text: str) -> str:
    for name, pattern in _INTENTS:
        if pattern.search(text):
            return name
    return "general"


def _day_start(moment: datetime) -> datetime:
    return datetime.combine(moment.date(), time(0), tzinfo=moment.tzinfo)


def _window(text: str, now: datetime) -> tuple[datetime | None, datetime | None, str | None]:
    lowered = text.lower()
    today = _day_start(now)
    if re.search(r"\byesterday\b", lowered):
        return today - timedelta(days=1), today, "yesterday"
    if re.search(r"\btoday\b|\bthis (?:morning|afternoon|evening)\b|\btonight\b", lowered):
        return today, None, "today"
    if re.search(r"\blast week\b", lowered):
        start = today - timedelta(days=today.weekday() + 7)
        return start, start + timedelta(days=7), "last week"
    if re.search(r"\bthis week\b|\bso far\b", lowered):
        return today - timedelta(days=today.weekday()), None, "this week"
    m = re.search(r"\b(?:in the )?(?:last|past) (\d+|two|three|few) days\b", lowered)
    if m:
        n = {"two": 2, "three": 3, "few": 3}.get(m.group(1)) or int(m.group(1))
        return today - timedelta(days=n), None, m.group(0)
    named = _named_day(lowered, today)
    if named is not None:
        day, said = named
        if said.startswith("since"):
            return day, None, said
        return day, day + timedelta(days=1), said
    m = re.search(r"\b(since|on|last|as of) (" + "|".join(WEEKDAYS) + r")\b", lowered)
    if m:
        back = (today.weekday() - WEEKDAYS.index(m.group(2))) % 7 or 7
        day = today - timedelta(days=back)
        if m.group(1) == "since":
            return day, None, m.group(0)
        return day, day + timedelta(days=1), m.group(0)
    return None, None, None


_MONTH = "|".join(m[:3] + r"[a-z]*" for m in MONTHS)
# "as of 6 January", "on Jan 6th", "on the 13th of January", "since 2027-01-04"
_NAMED_DATE = re.compile(
    rf"\b(?P<lead>as of|on|since|by)\s+(?:the\s+)?(?:"
    rf"(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+(?P<m1>{_MONTH})|"
    rf"(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?|"
    rf"(?P<iso>\d{{4}}-\d{{2}}-\d{{2}}))\b"
)


def _named_day(lowered: str, today: datetime) -> tuple[datetime, str] | None:
    """The day a question names by its date ("who was it waiting on as of 6 January?"): the
    latest such date not after today, at the start of that day in today's zone."""
    m = _NAMED_DATE.search(lowered)
    if m is None:
        return None
    if m.group("iso"):
        try:
            day = datetime.fromisoformat(m.group("iso")).date()
        except ValueError:
            return None
    else:
        month_word = (m.group("m1") or m.group("m2"))[:3]
        month = next(i for i, name in enumerate(MONTHS, 1) if name[:3] == month_word)
        number = int(m.group("d1") or m.group("d2"))
        year = today.year if (month, number) <= (today.month, today.day) else today.year - 1
        try:
            day = today.date().replace(year=year, month=month, day=number)
        except ValueError:
            return None
    return datetime.combine(day, time(0), tzinfo=today.tzinfo), m.group(0)


#: Words around the subject that say when or how it is asked, never what about ("the upgrade
#: stuck behind right now", "who is supposed to sort it out", "the drill at this point").
_ASIDES = re.compile(
    r"\b(?:at (?:this|that) (?:point|stage|moment)|at the moment|these days|right now|"
    r"for now|(?:is|are|was|were) supposed to|sort (?:it|this|that|them) out|sorting it out|"
    r"(?:stuck|held up|waiting) behind|in the end|any more|anymore|"
    rf"{_WHOSE_JOB})\b",
    re.I,
)


def _subject(text: str, people: Sequence[str], refs: Sequence[str]) -> tuple[list[str], str]:
    """Identifying words of the question: not question words, not people, not refs."""
    names = {p.lower() for p in people} | {p.lower().split()[0] for p in people if p.strip()}
    # "Seo-yeon" is one name: its parts ("seo", "yeon") are not subject words either.
    said = text.lower()
    names |= {
        part for p in people if p.lower() in said for part in re.split(r"[-\s]+", p.lower()) if part
    }
    cleaned = text
    for ref in refs:
        cleaned = re.sub(re.escape(ref.lstrip("#")), " ", cleaned, flags=re.I)
    cleaned = re.sub(r"\b(?:PR|MR|pull request|ticket|issue)\b", " ", cleaned, flags=re.I)
    cleaned = _ASIDES.sub(" ", cleaned)
    cleaned = re.sub(r"'s\b", "", cleaned)
    words = [
        t
        for t in terms(cleaned)
        if t not in _QUESTION_WORDS
        and t not in STOPWORDS
        and t not in names
        and t not in WEEKDAYS
        and t not in MONTHS
        and not t.isdigit()
        and len(t) > 1
        and not re.fullmatch(r"yesterday|today|week|weeks|days?|last|past|since|this", t)
    ]
    # Compound names are kept whole and split ("auth-session-refresh" -> auth, session, ...).
    seen: dict[str, None] = {}
    for w in words:
        for part in re.split(r"[-_/]", w):
            if part and part not in _QUESTION_WORDS and part not in STOPWORDS:
                seen[stem(part)] = None
    shown: list[str] = []
    for w in words:
        if not any(re.search(r"[-_/]", c) and w in re.split(r"[-_/]", c) for c in shown):
            shown.append(w)
    return list(seen), " ".join(shown)


def understand(
    text: str,
    *,
    people: Sequence[str] = (),
    as_of: datetime | None = None,
    now: datetime | None = None,
    timezone: str = "UTC",
    previous: Question | None = None,
) -> Question:
    """Read a question. `people` are the team's known names; `previous` is the conversation's last
    understood question, whose subject (and intent) a follow-up ("and who owns it?") keeps."""
    tz = ZoneInfo(timezone)
    moment = (as_of or now or datetime.now(tz)).astimezone(as_of.tzinfo if as_of else tz)
    intent = _intent(text)
    refs = tuple(find_refs(text))
    mentioned = tuple(
        p for p in people if p and re.search(rf"\b{re.escape(p.split()[0])}\b", text, re.I)
    )
    since, until, window = _window(text, moment)
    # the date a question names ("as of 6 January") says when, not what about
    subject, subject_text = _subject(_NAMED_DATE.sub(" ", text.lower()), people, refs)
    q = Question(
        text=text,
        intent=intent,
        subject=tuple(subject),
        subject_text=subject_text,
        refs=refs,
        people=mentioned,
        as_of=as_of,
        since=since,
        until=until,
        window=window,
    )
    if previous is not None:
        q = _follow_up(q, previous)
    # A state question about a past day answers as things stood at the end of that day.
    if q.until is not None and q.intent in ("blockers", "status", "who_can", "owner", "decisions"):
        end = q.until if q.as_of is None else min(q.until, q.as_of)
        q = replace(q, as_of=end)
    return q


def _follow_up(q: Question, prev: Question) -> Question:
    short = len(terms(q.text)) <= 6
    if not (_FOLLOW_UP_RE.search(q.text) or short):
        return q
    inherited: dict[str, str] = {}
    updates: dict[str, object] = {"follow_up": True}
    if not q.has_subject and not q.people and (prev.has_subject or prev.people):
        updates.update(subject=prev.subject, subject_text=prev.subject_text, refs=prev.refs)
        if not q.people:
            updates["people"] = prev.people
        inherited["subject"] = prev.subject_text or " ".join(prev.refs)
    if q.intent == "general":
        updates["intent"] = prev.intent
        inherited["intent"] = prev.intent
    if q.window is None and prev.window is not None and q.intent == prev.intent:
        updates.update(since=prev.since, until=prev.until, window=prev.window)
    updates["inherited"] = inherited
    return replace(q, **updates)  # type: ignore[arg-type]
