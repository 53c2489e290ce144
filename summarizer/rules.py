"""The offline extractor's reading rules: which part a clause belongs to, its status, its name.
Who owns it, or can clear it, is read by `summarizer.owners`.

Every rule is about how people phrase a handoff in general (status words, modal verbs, "X instead of
Y since ...", "only X can ..."), never about particular sentences. Text reaching these functions is
already normalized (`summarizer.normalize`): fillers gone, corrections applied, numbers as digits.
"""

from __future__ import annotations

import re

from handoff.text import WEEKDAY_PATTERN
from summarizer.participles import TERSE_DONE
from summarizer.rationale import split_rationale
from summarizer.status_words import FUTURE as _FUTURE
from summarizer.status_words import status_of

# -- labels ("Blockers: none", "In flight: ...", "[action] ...") ---------------------------------
LABELS: dict[str, tuple[str, str | None]] = {
    "shipped": ("shipped", None), "done": ("shipped", None), "completed": ("shipped", None),
    "released": ("shipped", None), "deployed": ("shipped", None), "merged": ("shipped", None),
    "in-flight": ("in_flight", None), "in flight": ("in_flight", None),
    "in progress": ("in_flight", "in_progress"), "wip": ("in_flight", "in_progress"),
    "ongoing": ("in_flight", "in_progress"), "in review": ("in_flight", "in_review"),
    "not started": ("in_flight", "not_started"), "current work": ("in_flight", None),
    "review": ("in_flight", "in_review"),
    "decision": ("decisions", None), "decisions": ("decisions", None),
    "decided": ("decisions", None), "call": ("decisions", None), "agreed": ("decisions", None),
    "blocker": ("blockers", None), "blockers": ("blockers", None), "blocked": ("blockers", None),
    "risks": ("blockers", None), "next": ("next_actions", None), "next up": ("next_actions", None),
    "next steps": ("next_actions", None), "next actions": ("next_actions", None),
    "todo": ("next_actions", None), "to do": ("next_actions", None),
    "action": ("next_actions", None),
    "actions": ("next_actions", None), "action items": ("next_actions", None),
    "follow-ups": ("next_actions", None), "follow ups": ("next_actions", None),
    "back": ("returns_at", None), "returning": ("returns_at", None), "ooo": ("returns_at", None),
}  # fmt: skip
LABEL_RE = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:\[(action|decision|blocker|done)\]\s*|"
    r"(" + "|".join(sorted(map(re.escape, LABELS), key=len, reverse=True)) + r")"
    # "decision from this morning: ...", "blockers for today: ..."
    r"(?:\s+(?:from|for|of|made|taken)\s+[^:：]{1,25}?)?(?:\s*[:：]|\s+[—–]|\s+-(?=\s))\s*)",
    re.IGNORECASE,
)
# A label's whole body saying there is nothing: "None.", "Nope, all clear.", "None today."
EMPTY_BODY = re.compile(
    r"^\s*[*_]*\s*(?:(?:none|nothing|n/?a|nil|no|nope|nah|zero|not really|all clear|all good|"
    r"nada|zilch|all quiet|"
    r"clear|-+|—)(?:,?\s+(?:today|yet|so far|at all|this (?:week|time|shift)|new|major|big|"
    r"significant|to report|at the moment|right now|for now|currently|for once|thankfully|"
    r"luckily|as usual|really|atm|tbh))*"
    r"\s*[*_]*\s*[,.!]?\s*)+$",
    re.IGNORECASE,
)

# -- explicit negatives ("nothing blocking", "didn't ship anything") ---------------------------
EMPTY_RES: dict[str, re.Pattern[str]] = {
    "shipped": re.compile(
        r"\b(?:nothing|none)\b[^.;,]{0,25}\b(?:shipped|merged|deployed|released|went out|landed|"
        r"to ship)\b|\b(?:shipped|released|merged|deployed)\s+nothing\b|"
        # said of our own work ("didn't ship anything", "we haven't merged"), not of a delivery
        # ("the new toboggan still hasn't shipped")
        r"(?:^\W*(?:(?:so|and|but|um|uh|yeah|today)\s+)*|\b(?:I|we)\s+)(?:still\s+)?"
        r"(?:didn'?t|did not|haven'?t|have not|hasn'?t)\s+"
        r"(?:get\s+to\s+|manage\s+to\s+)?(?:ship|merge|deploy|releas|"
        r"land)\w*|\bno\s+(?:deploys|deployments|releases|merges)\b|"
        r"^\W*nothing\s+(?:new\s+)?(?:finished|completed|done|got done|landed|went out)\b",
        re.I,
    ),
    "in_flight": re.compile(
        r"\bnothing(?: else| left| still)? (?:in flight|in progress|on the go|ongoing|open|"
        r"pending)\b|"
        r"\bno (?:work|items?|tasks?) in (?:flight|progress)\b",
        re.I,
    ),
    "decisions": re.compile(
        r"\bno\s+(?:new\s+|major\s+|big\s+|real\s+|other\s+)?(?:decisions?|calls)\b|"
        r"\bnothing (?:new |else |major |big )?(?:was |got )?decided\b|\bzero decisions\b|"
        r"\b(?:haven'?t|have not|hasn'?t|has not)\s+(?:yet\s+)?decided\s+anything\b|"
        r"\bdecisions?\s*[-:]?\s*(?:none|nothing|n/?a)\b|"
        r"\bdidn'?t (?:decide anything|make any (?:decisions"
        r"|calls))",
        re.I,
    ),
    "blockers": re.compile(
        r"\bno\s+(?:real\s+|other\s+|new\s+)?(?:blockers?|blocking issues|impediments)\b|"
        r"\b(?:blockers?|impediments?)\s*[-:]?\s*(?:none|nothing|n/?a|nil)\b|"
        r"\b(?:zero|no)\s+(?:blockers?|issues|risks|impediments|roadblocks)\b|\bno help needed\b|"
        r"\bnothing(?:'s|\s+is)?\s+in\s+(?:my|our|the)\s+way\b|"
        r"\ball (?:good|clear) on (?:the )?(?:blockers?|impediments)\b|"
        r"\bnothing(?:'s| is| was)?\s+(?:really\s+)?(?:blocking|blocked|stuck|in the way)\b"
        r"|\bblocked\s+(?:on|by)\s+nothing\b"
        r"|\bnot blocked\b|"
        r"\bno impediments\b|"
        r"\bnothing in (?:my|our) way\b",
        re.I,
    ),
    "next_actions": re.compile(
        r"\bno\s+(?:next\s+(?:steps?|actions?)|follow[- ]ups?|action items?)\b|"
        r"\bnothing (?:else )?(?:to do|left to do|to pick up|planned|scheduled|lined up)\b",
        re.I,
    ),
}

# Text that addresses the system rather than the next shift: content, never a command. Such a
# sentence is kept out of the parts (it is not handoff content either).
INSTRUCTION_RE = re.compile(
    r"^\s*(?:system|assistant|user|developer)\s*[:>]|"
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,30}\b(?:above|previous|prior|earlier|"
    r"instructions?|prompt|rules)\b|\byou are (?:now )?(?:an?|the) (?:ai|assistant|model|system)\b",
    re.I,
)

# -- status and part cues ------------------------------------------------------------------------
DECISION_RE = re.compile(
    r"\b(?:decided|decision was|we chose|chose|we picked|picked(?! up)|went with|going with|"
    r"go with|decision (?:made|taken)|"
    r"settled on|agreed (?:to|on|that)|we agreed|opted|opting|concluded|made the call|"
    r"the call was|made (?:a|the|that) call|we're using|we are using|switched to|"
    r"standardi[sz]ed on|kept|"
    # "change of plan, I'm at the workshop on Monday" is the author's whereabouts, not a decision
    r"change of plan(?![,:]?\s+(?:I'?m|I am|I'?ll be|I will be)\s+(?:at|in|out|off|away|back|on|"
    r"travel))|chang(?:e|ed) (?:our|my|the) (?:mind|plan)|"
    r"revert(?:ing|ed)?\s+to|backed out of|backing out of|"
    r"(?:we'?re|we are|we'?ll be|we will be) (?:staying|sticking) (?:on|with)|sticking with|"
    r"revert(?:ing|ed)? the \w+ decision|switching back to|we'?re switching to|"
    r"switch(?:ed|ing)?\s+(?:the\s+|our\s+)?[\w\s-]{1,40}?\s+back\s+to|"
    r"(?:we|I)\s+landed\s+on|going\s+forward,?\s+we|(?:we\s+)?settled\s+it|agreed\s+with\s+\w+\s+to|"
    r"(?:we|we'?ll|we\s+will|we'?re|we\s+are)\s+(?:stay|staying)\s+with\s+"
    r"(?!(?:me|us|him|her|them|you|it)\b))\b|"
    # A course set for a while: "we'll stop taking pigeons for now", "skip block 9 this round",
    # "we're dropping colour scans from R-14 on"
    r"(?:^|\b(?:we|we'?ll|we\s+will|we'?re|we\s+are|we'?ve|I'?ve)\s+)(?:stop|stopping|stopped|"
    r"pause|pausing|paused|drop|dropping|dropped|skip|skipping|skipped|hold(?:ing)?\s+off|"
    r"no\s+more)\b[^.;]{0,60}?\b(?:for\s+now|this\s+(?:round|time|season|cycle|batch|year|"
    r"month|week|winter|summer)|from\s+now\s+on|from\s+[\w-]+(?:\s+[\w-]+)?\s+on(?:wards)?|"
    r"going\s+forward|until\s+further\s+notice|instead(?:\s+of)?)\b|"
    # the course taken in place of another: "It goes into the API gateway instead"
    r"\b(?:goes|go|going|moves?|moving|runs?|running|lives?|sits?|will\s+(?:use|run|go|move)|"
    r"'ll\s+(?:use|run|go|move)|use|using)\b[^.;]{1,60}?\binstead\s*[.!]?$|"
    # a closure or postponement with its reason: "we're closing the park tomorrow because ..."
    r"\b(?:we'?re|we\s+are|we'?ll|we\s+will)\s+(?:clos|shut|cancel|postpon|delay|call(?:ing)?\s+off)"
    r"\w*\b[^.;]{0,60}?\b(?:because|since|due\s+to)\b",
    re.I,
)
_DECISION_LEAD = re.compile(
    r"^(?:so\s+|and\s+|also\s+)?(?:we\s+|i\s+|the team\s+)?(?:have\s+|'ve\s+)?(?:decided|chose"
    r"|picked|"
    r"went with|are going with|'re going with|going with|settled on|agreed(?:\s+with\s+[\w@.-]+)?|"
    r"opted|landed on|settled it\s*[:,-]?|going forward,?\s+we)\s*"
    r"(?:to\s+|on\s+|for\s+|that\s+)?",
    re.I,
)
BLOCKER_RE = re.compile(
    # "blocks" as a verb, not a noun ("choose the blocks")
    r"\b(?:blocked|blocker|blocking|(?<!the )(?<!these )(?<!those )(?<!\d )blocks|stuck|held up|"
    r"on hold|can'?t (?:\w+ ){0,2}until|"
    # "no slots till mid-Dec", "no stock until January"
    r"no\s+(?:\w+\s+){0,2}?(?:slots?|space|capacity|appointments?|availability|stock|parts?|"
    r"dates?)\b[^.;,]{0,40}?\s(?:till|until|til|before)\b|"
    r"still waiting\b(?!\s+(?:on|for)\s+(?:a\s+|the\s+)?review)|"
    r"cannot (?:\w+ ){0,2}until|can'?t (?:proceed|continue|move forward|ship|release|deploy|merge)|"
    r"waiting (?:on|for)|waits (?:on|for)|"
    r"pending (?:a |an |the )?(?:reply|approval|answer|review|sign-?off"
    r"|decision|"
    r"confirmation)|need(?:s)? (?:a |an |the )?(?:\w+ ){0,3}(?:decision|approval|sign-?off|answer|"
    r"reply|go-ahead|access|credentials|budget|confirmation|metadata|secret|key|fix|quota|"
    r"permission|role|review|input|help|spec|data|green light|ok|okay)s? (?:from|on)\b"
    r"|needs? sign-?off|"
    r"before (?:I|we|they|you) can (?:\w+\s+)?\w+|"
    r"can'?t (?:\w+ ){1,6}until|(?:is|are) (?:out of|down|full)\b|"
    r"(?:is|are|'s|keeps?|been) (?:still\s+)?(?:broken|failing|erroring|crashing|timing out)\b|"
    r"keeps? (?:on\s+)?(?:firing|paging|flapping|dropping|tripping|cutting\s+out|leaking|"
    r"disconnecting|rebooting|failing|crashing)\b|"
    # a fault still there: "the shower in 214 is leaking", "mic 6 crackles", "a brake fault on"
    r"\b(?:is|are|'s)\s+(?:still\s+)?leaking\b|\bcrackl(?:es|ing)\b|\bfaulty\b|"
    r"\bfault\s+(?:on|in|with)\b|"
    # what someone else has yet to deliver: "on backorder", "spare pack on order"
    r"\bon\s+back-?order\b|\bbackordered\b|\b(?:is|are|'s|still)\s+on\s+order\b|"
    r"\b(?:spare|replacement|new)\s+[\w-]+(?:\s+[\w-]+)?\s+on\s+order\b|"
    r"\bcan'?t (?:process|access|reach|log in|run|build|test|get)\b|"
    # "no idea who owns the signing keys": an owner nobody can name is a blocker with no resolver
    r"(?:no idea|nobody knows|no one knows)\s+who\s+(?:owns|is\s+responsible\s+for)\b|"
    # "the oil change has stalled", "the job waits on them"
    r"(?:has|have|is|are)\s+(?:\w+\s+)?stalled\b|(?<!\bun)stalled\b|"
    r"(?:couldn'?t|can'?t|cannot)\s+tell\s+you\s+who\b|"
    # "customs won't let them go until ...", "it can't go up yet", "recording can't begin"
    r"(?:won'?t|will\s+not)\s+(?:\w+\s+){0,4}until\b|"
    r"(?:can'?t|cannot)\s+(?:begin|start|go\s+ahead|go\s+up|go\s+out|happen|move)\b|"
    r"(?:can'?t|cannot)\s+(?:\w+\s+){1,2}yet\b|"
    r"(?:can'?t|cannot)\s+find\s+out\s+who\b|"
    # waiting said as what someone else has not done yet: "the museum hasn't signed", "still
    # unsigned", "still no filtration cart", "held in the cargo shed"
    r"(?:hasn'?t|haven'?t|has\s+not|have\s+not)\s+(?:yet\s+)?(?:signed|approved|confirmed|"
    r"replied|answered|responded|issued|released|delivered|arrived|shown\s+up|shipped|"
    r"come\s+(?:in|through|back))\b|"
    r"\b(?:still\s+)?not\s+(?:yet\s+)?(?:pushed|delivered|issued|approved|signed|granted|"
    r"renewed)\b(?!\s+(?:yet\s+)?(?:by\s+)?(?:me|us)\b)|"
    r"\bstill\s+(?:unsigned|unanswered|not\s+(?:here|signed|arrived|delivered|released))\b|"
    r"\bstill\s+no\s+(?:sign\s+of\s+)?(?:the\s+)?[\w-]+|"
    r"\bheld\s+(?:up\s+)?(?:in|at)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}(?:customs|cargo|port|shed|"
    r"warehouse|depot)\b)",
    re.I,
)
STRONG_BLOCKER_RE = re.compile(
    r"\b(?:blocked|blocker|blocking|(?<!the )(?<!these )(?<!those )(?<!\d )blocks|stuck|on hold|"
    r"stalled)\b",
    re.I,
)

#: A word that may be a person's name or handle, as the owner and resolver rules match it.
NAME = r"@?[A-Za-zÀ-ÿ][\w'’.-]*"
#: "I'll ...", "I need to ...", a bare "will ...": the author commits to the work.
SELF_RE = re.compile(
    r"^(?:and\s+|also\s+|then\s+|so\s+|tomorrow\s+|next\s+)*(?:I'?ll|I\s+will|I'?m\s+going\s+to|"
    r"I\s+am\s+going\s+to|I'?m\s+gonna|I\s+need\s+to|I\s+have\s+to|I\s+plan\s+to|I\s+should|"
    r"I\s+can|I\s+must|I'?d\s+like\s+to|I\s+want\s+to|will(?!\s+(?:someone|somebody|anyone|you|"
    r"we|they|it|this|that)\b))\b",
    re.I,
)
#: The verbs that give a named person, role or "someone" the work that follows.
MODAL = (
    r"(?:will|'ll|to(?!\s+(?-i:[A-Z0-9]))|should|needs?\s+to|has\s+to|have\s+to|must|"
    r"is\s+going\s+to|are\s+going\s+to|"
    r"can(?!'t|’t|not)|could(?!n't|n’t)|please|is\s+taking|is\s+picking\s+up|picks\s+up|is\s+on|owns|"
    r"is\s+doing)"
)
_IRREGULAR_PAST = (
    r"(?:wrote|built|sent|made|did|ran|put|cut|got|took|gave|found|left|met|spoke|went|came|"
    r"bought|brought|caught|taught|thought|sold|told|kept|lost|paid|said|read|hit|shut|set|let|"
    r"began|drew|drove|ate|fed|held|led|won|was|were|had|saw|knew|rang|sang|swam|stood|woke)"
)
NEXT_RE = re.compile(
    rf"(?:{SELF_RE.pattern})|^(?:next|then|tomorrow|todo|to do|follow[- ]up|after that|later)\b|"
    rf"\b(?:tomorrow|next|then|later) I\b|\b(?:someone|somebody|anyone|we)\s+{MODAL}\b|"
    # "Someone need update the screenshots": the duty said without its "to"
    rf"^(?:someone|somebody|anyone)\s+(?:need|needs|must|should)\s+[a-z]+\b|"
    # the present for the future: "Ujang continues pruning tomorrow" (not where someone goes)
    rf"^(?:I|we|(?-i:[A-ZÀ-Þ][a-zß-ÿ]+))\s+(?!(?:{_IRREGULAR_PAST}|flies|fly|leaves?|travels?|"
    rf"heads?|goes|go|drives?|returns?|comes?|arrives?|is|are|am|be|has|have)\b)"
    rf"(?-i:[a-z]{{3,}})(?<!ed)\b"
    rf"[^.;]{{0,60}}?"
    rf"\b(?:tomorrow|tonight|next\s+(?:week|shift)|on\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b|"
    rf"\bcan (?:someone|somebody|anyone|you)\b|\bplease\b|^@\w|"
    rf"\b(?-i:[A-ZÀ-Þ][a-zß-ÿ]+)\s+{MODAL}\b|"
    rf"\b(?:need to|needs to|should|must|has to)\b|"
    rf"\b(?:handing|passing|giving|hand(?:ing)? off)\b[^.]{{0,60}}?\bto\s+"
    rf"(?-i:@?[A-ZÀ-Þ][a-zß-ÿ]+)|"
    rf"^(?:the\s+)?(?:(?:day|night|morning|evening|next|incoming)\s+shift|on-?call)\s+{MODAL}\b|"
    rf"^(?:(?:next(?:\s+up)?|then)\s*[:,]?\s*)?(?-i:[A-ZÀ-ÞŠŽČĆŁ][a-zß-ÿščžćłńśźż]+)\s+"
    rf"(?!(?:has|is|was|does|says)\b)(?-i:[a-z]+(?<!s)(?<!')s)\s+"
    rf"(?:the|a|an|it|them|this|that|to|(?-i:[A-Z]{{2,}}-\d+))\b",
    re.IGNORECASE,
)


#: "we undid yesterday's call", "scratch that decision": a decision taken back; the words after
#: it say the one now in force.
REVERSAL_RE = re.compile(
    r"^\s*(?:(?:no|nope|actually|so)[,.]?\s+)*(?:we|I)\s+(?:have\s+|'ve\s+)?(?:undid|undone|"
    r"reversed|took\s+back|walked\s+back|overturned|dropped)\s+(?:yesterday'?s|last\s+\w+'?s|"
    r"the|that|our|this\s+morning'?s)\s+(?:call|decision)\s*[.!]?\s*$",
    re.I,
)
#: "The schema part is done, the migration part isn't": one item, in progress, said in two
#: clauses that must not be read apart (the first alone would be shipped work).
PARTIAL_RE = re.compile(
    r"\b(?:done|works|work|working|approved|finished|complete|fine|live)\b[^.;]{0,40}?"
    r"(?:,|\s+but)\s*(?:but\s+)?(?:the\s+)?(?:[\w-]+\s+){0,4}?(?:isn'?t|aren'?t|doesn'?t|don'?t|"
    r"hasn'?t|haven'?t|not|still\s+to\s+(?:do|come|go)|(?:is\s+|are\s+)?(?:still\s+)?left|"
    # "raw water ones done, the settled-water ones still running"
    r"(?:is\s+|are\s+)?still\s+(?:need|needs|running|going|being|pending|waiting|to\s+be|"
    r"in\s+progress))\b"
    r"(?!\s+(?:only|just)\b)|"
    # "mitigated with restarts, but the leak is still open": worked around, not fixed
    r"\b(?:mitigated|worked\s+around|papered\s+over|band-?aided)\b[^.;]{0,100}?(?:,|\s+but)\s+"
    r"[^.;]{0,50}?\b(?:still\s+open|not\s+(?:yet\s+)?(?:fixed|found|resolved)|remains\s+open)\b",
    re.I,
)


#: "Decision: X. Why: Y" — the sentence after a decision that gives its reason.
REASON_LEAD = re.compile(r"^\s*(?:why|reason|rationale|because)\s*[:：,-]\s*", re.I)


def stated_empty(text: str) -> set[str]:
    return {part for part, pattern in EMPTY_RES.items() if pattern.search(text)}


def is_instruction(text: str) -> bool:
    return INSTRUCTION_RE.search(text) is not None


CONTINUATION_RE = re.compile(
    r"^\s*(?:since|because|as|so|so that|given|due to|which|the reason being|reason being|"
    r"mainly|mostly|"
    r"partly|largely|that way|should|will|expected to|hopefully|targeting|aiming|hoping|probably|"
    r"likely|otherwise|currently|just|paused|mitigated|worked around|still open|left open|"
    # "paused, PM says not now but keep the ticket open": the pause's terms, not new work
    r"(?:but\s+)?keep(?:ing)?\s+(?:the\s+|it\s+|its\s+)?(?:[\w-]+\s+)?open|"
    # "..., and Huda, the feed's owner, has to fix it": the predicate after an aside
    r"has to|have to|needs to|must|is the one|"
    r"(?:but\s+)?not (?:yet )?(?:dropped|cancell?ed)|"
    # "lazy-loading PR, Amrit Dhillon has it": who holds the item just named
    r"(?-i:[A-ZÀ-Þ][\w'-]+)(?:\s+(?-i:[A-ZÀ-Þ][\w'-]+))?\s+(?:has|has\s+got|'s\s+got|is\s+on|"
    r"is\s+reviewing|is\s+checking|is\s+testing)\s+(?:it|them|that)(?=\s*[.!]?$))\b",
    re.I,
)
#: "I'll be working from Halifax, so that's Atlantic time": where the author will be, said for
#: the return time's zone, not work to do.
WHEREABOUTS_RE = re.compile(
    r"^\s*(?:and\s+|but\s+|oh\s+)*(?:I'?ll\s+be|I\s+will\s+be|I'?m|I\s+am)\s+(?:working\s+|"
    r"based\s+|dialling\s+in\s+|dialing\s+in\s+)?(?:from|in|at)\s+(?-i:[A-Z])[\w'-]+"
    r"(?:\s+(?-i:[A-Z])[\w'-]+)?(?:\s*(?:,|—|–|-)?\s*(?:so\s+)?(?:that'?s|it'?s)\s+[\w\s]{1,30}"
    r"\btime)?\s*[.!]?$",
    re.I,
)
ABSENCE_RE = re.compile(
    r"^\s*(?:and\s+|then\s+)?(?:(?:oh\s+)?(?:and\s+)?(?:I'?m|I\s+am|I'?ll\s+be)\s+)?(?:off|out|away|done|"
    r"signing off|logging off|heading out|offline|on leave|ooo)\b"
    # "Out Monday", "I'm out Wednesday and Thursday": the return clause beside it says when
    r"(?:\s+(?:now|today|tomorrow|for the day|for the weekend|next week|"
    r"(?:for\s+)?the rest of the (?:day|week)|(?:on\s+)?"
    rf"{WEEKDAY_PATTERN}(?:\s+(?:and|to|through|-)\s+{WEEKDAY_PATTERN})?))?\s*[.!]?$",
    re.I,
)


# "waiting on review from Chloe" is the in-review status, not a blocker.
_REVIEW_WAIT = re.compile(
    r"^(?:waiting\s+(?:on|for)|pending)\s+(?:a\s+|the\s+|\w+'s\s+)?(?:code\s+)?review\b", re.I
)


def _blocker_cue(text: str) -> bool:
    """A blocker cue, except waiting that is the review itself ('in review, waiting on Dana')."""
    in_review = status_of(text) == "in_review"
    for m in BLOCKER_RE.finditer(text):
        waiting = m.group(0).lower().startswith("waiting")
        if _REVIEW_WAIT.match(text[m.start() :]) or (waiting and in_review):
            continue
        return not re.search(r"\bunblock", text, re.I)
    return False


# "today was mostly meetings": how the day went, not an item.
_NARRATIVE = re.compile(
    r"^(?:(?:so|and|right|well|yeah)\s+)*(?:today|yesterday|the day|this (?:shift|week|morning|"
    r"afternoon|evening)|my (?:day|shift))\s+(?:was|has been|went)\b",
    re.I,
)


# "nothing we can do": a shrug, not an action.
_NOTHING_TO_DO = re.compile(r"\bnothing (?:that )?(?:we|I|anyone|you) can do\b", re.I)
# Work the author did, told in the past tense ("I answered 52 tickets"), is work that shipped.
# A handle, then what they did in the past tense (status notes written about others).
_HANDLE_DID = re.compile(
    r"^@[\w.-]+\s+(?:also\s+)?(?!(?:needed|wanted|tried|asked|said|hoped|planned)\b)"
    r"(?:[a-z]{2,}ed|wrote|built|sent|made|ran|set up|put|cut|got)\b\s+\S",
    re.I,
)
_DID = re.compile(
    r"^(?:(?:so|and|also|today|then)\s+)*(?:I|we)\s+(?:also\s+)?(?!(?:needed|wanted|tried|talked|"
    r"waited|decided|planned|hoped|asked|looked|started|worked|spent|used|called|noticed|"
    r"realized|realised|learned|heard|paired|met|attended|chatted|discussed)\b)"
    r"(?:(?!(?:need|needed|feed|speed|proceed|seed|succeed|exceed)\b)[a-z]{2,}ed|wrote|built|sent|"
    r"made|did|ran|set up|put|cut|got)\b\s+\S",
    re.I,
)


# "we haven't decided on the timing yet": a decision not taken is no decision.
_UNDECIDED = re.compile(
    r"\b(?:haven'?t|have\s+not|hasn'?t|has\s+not|didn'?t|did\s+not|not|never|yet\s+to)\s+"
    r"(?:really\s+|actually\s+|yet\s+)?(?:decided|decide|made\s+a\s+(?:decision|call))\b",
    re.I,
)


def part_of(text: str) -> str | None:
    """The part a clause speaks to from its own words (labels are handled by the caller)."""
    if _NARRATIVE.match(text):
        return None
    if _blocker_cue(text):
        # "need a decision from Carla" is a blocker, not a decision.
        return "blockers"
    if (
        DECISION_RE.search(text)
        and not re.search(r"\b(?:should|will|to)\s+decide\b", text, re.I)
        and not _UNDECIDED.search(text)
    ):
        return "decisions"
    status = status_of(text)
    if status in ("in_review", "in_progress", "not_started"):
        return "in_flight"
    asks = _NOTHING_TO_DO.sub("", text)
    if _HANDLE_DID.match(text) and not _FUTURE.search(text):
        return "shipped"  # "@kai moved the cache out of the request path": done, not a request
    if SELF_RE.match(asks) or (
        NEXT_RE.search(asks) and not (status == "done" and not _FUTURE.search(text))
    ):
        return "next_actions"
    if status == "done" or _DID.match(text) or TERSE_DONE.match(text):
        return "shipped"
    return None


# -- clauses -------------------------------------------------------------------------------------
_HARD_SPLIT = re.compile(r"\s*;\s+|\s*;\s*$")
_SOFT_SPLIT = re.compile(
    r",\s+(?=(?:and|but|then|plus|while|whereas)\b)|\s+(?=(?:and then|but)\s)|"
    r"\s+(?:—|–|--)\s+|,\s+"
)
_STARTS_CLAUSE = re.compile(
    rf"^(?:and\s+|but\s+|then\s+|plus\s+|also\s+|and\s+then\s+)*(?:I'?ll|I\b|we\b|we'll|"
    rf"someone|somebody|anyone|can\s+(?:someone|you)|@\w+|(?-i:[A-ZÀ-Þ][a-zß-ÿ]+)\s+{MODAL}\b|"
    rf"(?:the\s+)?(?:day|night|next)\s+shift)",
    re.IGNORECASE,
)


def starts_clause(fragment: str) -> bool:
    return _STARTS_CLAUSE.match(fragment.strip()) is not None


def split_hard(text: str) -> list[str]:
    return [p for p in _HARD_SPLIT.split(text) if p.strip(" ,.")]


def split_soft(text: str) -> list[tuple[str, str]]:
    """Comma/dash/conjunction pieces, each with the separator that preceded it."""
    out: list[tuple[str, str]] = []
    pos = 0
    sep = ""
    for m in _SOFT_SPLIT.finditer(text):
        if text.count("(", 0, m.start()) > text.count(")", 0, m.start()):
            continue  # "tracery (roughed out, ~40 %)": an aside in parentheses is one piece
        piece = text[pos : m.start()]
        if piece.strip(" ,.;"):
            out.append((sep, piece))
            sep = m.group(0)
        else:
            sep = sep + m.group(0)
        pos = m.end()
    tail = text[pos:]
    if tail.strip(" ,.;"):
        out.append((sep, tail))
    return out


# -- decisions -----------------------------------------------------------------------------------
# "Change of plan on the A/B test: we'll stop it after one week": the header announces the change
# and names its subject; the decision is what follows the colon.
_CHANGE_HEADER = re.compile(
    r"^(?P<head>(?:change of plan|chang(?:e|ed) (?:our|my|the) (?:mind|plan)|"
    r"revert(?:ing|ed)? the [\w/-]+ decision|decision change|new decision|"
    r"(?:[\w-]+\s+){0,3}decision\s+(?:made|taken))[^:]{0,60}):\s*"
    r"(?P<body>.{8,})$",
    re.I,
)


def decision_text(text: str) -> str:
    m = _CHANGE_HEADER.match(text.strip())
    if m:
        body, rationale = split_rationale(m.group("body"))
        head = m.group("head").strip()
        tail = f" because {rationale}" if rationale else ""
        return f"{body.strip(' ,;.')} ({head[0].lower()}{head[1:]}){tail}"
    return _DECISION_LEAD.sub("", text.strip(), count=1).strip(" ,;.") or text.strip(" ,;.")


# -- items ---------------------------------------------------------------------------------------
_FILLER_LEAD = re.compile(
    r"^(?:(?:so|and|also|oh|oh and|then|plus|now|okay|ok|right|well|today|still)\s*,?\s+)+", re.I
)
_ITEM_LEAD = re.compile(
    r"^(?:(?:I'?m|I\s+am|I'?ve\s+been|I\s+was|we'?re|we\s+are|we\s+were|I|we|"
    # "@kai is continuing to work on X", "Priya has nearly finished X": the person is the owner,
    # the work is the item
    r"(?:@[\w.-]+|(?-i:[A-ZÀ-Þ][a-zß-ÿ]+))\s+(?:is|has|has\s+been|was|'s)|"
    # "There is ongoing work on X"
    r"there(?:'s|\s+is|\s+are)\s+(?:ongoing\s+|some\s+|still\s+)?work)\s+)?"
    r"(?:(?:maybe|about|around|roughly|still|currently|now|just|mostly|mainly|nearly|almost|"
    r"about\s+to)\s+)*"
    r"(?:(?:\d{1,3}%|halfway|half|a\s+third|a\s+quarter)\s+(?:of\s+the\s+way\s+)?)?"
    r"(?:(?:working on|work on|doing|through|started on|starting on|spent the day on|on|in|"
    r"finishing|finish|finished|continuing to work on|continuing with|continuing|resurrecting|"
    r"rewriting|looking into|refactoring|porting|migrating|implementing|interning|"
    r"picking up|picked up|took over|taking over|investigating|reviewing|testing|drafting|"
    r"writing|building)\s+){1,2}",
    re.I,
)
# What follows a contracted "is" ("the export's done") rather than a possessive's noun.
_IS_WORDS = (
    r"(?:done|blocked|in\b|on\b|still|been|not|almost|nearly|half|ready|live|waiting|stuck|"
    r"pending|going|getting|about|finished|merged|shipped|deployed|working|running|fine|broken|"
    r"failing|paused|mitigated|out|up|down|now|currently|\d)"
)
_ITEM_END = re.compile(
    r"\s+(?:is|are|was|were|has|have|hasn'?t|haven'?t|had|'s|still|now|currently)\b|"
    # "the payroll export's done" ends the name; "the city's permit database" is one name
    rf"(?:'s|’s)\s(?={_IS_WORDS})|"
    r"[,;]|\s+(?:—|–|--)\s+|\s+\(|\s+~?\d{1,3}\s*%|"
    # "Ticket printer outage: mitigated by a spare printer": the name ends at its colon
    r":\s+|"
    r"\s+(?:in review|in progress|under review|about|around|roughly|maybe|\d{1,3}%|~|not started|"
    r"at \d|with the|with|being|that|which|should|will|for review|went|got|shipped|merged|"
    r"deployed|done|finished|completed|blocked|waiting|pending|needs?)\b",
    re.I,
)
_ARTICLE = re.compile(r"^(?:the|a|an|my|our|this|that|their|his|her)\s+", re.I)


def item_name(text: str) -> str:
    """The thing a status clause is about: its subject, or the object of 'working on'."""
    text = text.strip(" ,.;:")
    text = _FILLER_LEAD.sub("", text, count=1)
    text = _ITEM_LEAD.sub("", text, count=1)
    m = _ITEM_END.search(text)
    name = text[: m.start()] if m and m.start() > 0 else text
    name = _ARTICLE.sub("", name.strip(" ,.;:"))
    words = name.split()
    if not words:
        return text[:60]
    return " ".join(words[:8])
