"""The status a clause's words give its work: blocked, in review, in progress, not started, done.

Kept apart from `summarizer.rules` (which decides the part a clause speaks to) because the status
is read on its own in many places: table cells, terse notes ("vault upgrade: blocked"), the
ledger's matching of a later wrap's words. Patterns are tried strongest first.
"""

from __future__ import annotations

import re

#: A clause about the future ("once it's approved", "we'll ship it"): a done word in it is a plan.
FUTURE = re.compile(
    r"\b(?:will|should|shall|to(?!\s+(?:the|a|an|our|my|their|all|both|prod\w*|staging|main|"
    r"master|production|\d|(?-i:[A-Z])))|going to|gonna|'ll|can|could|once|after|before|until|"
    r"if|when|"
    r"need to|needs to|want to|plan to|hope to|aim to|targeting|expect|expected)\b[^,;]*$",
    re.I,
)
STATUS_RES: list[tuple[str, re.Pattern[str]]] = [
    ("blocked", re.compile(r"\b(?:blocked|blocking|stuck|on hold|held up)\b", re.I)),
    # One part done and another not ("iOS done, Android isn't"): the item is in progress.
    ("in_progress", re.compile(
        r"\b(?:done|works|work|working|approved|finished|complete|fine)\b[^.;]{0,40}?,\s*"
        r"(?:but\s+)?(?:the\s+)?(?:[\w-]+\s+){0,4}?(?:isn'?t|aren'?t|doesn'?t|don'?t|hasn'?t|"
        r"haven'?t|not|(?:is\s+|are\s+)?still\s+(?:need|needs|running|going|being|pending|"
        r"waiting|to\s+be|in\s+progress))\b(?!\s+(?:only|just|merged)\b)", re.I)),
    ("not_started", re.compile(
        r"\b(?:not (?:yet )?started|haven'?t (?:yet )?started|hasn'?t (?:yet )?(?:been )?started|"
        r"yet to (?:start|begin)|next in (?:the )?(?:queue|line)|not begun|untouched|queued|"
        r"(?:haven'?t|hasn'?t|have not|has not) (?:yet )?(?:been )?(?:touched|begun|picked up|"
        r"gotten to|got to))\b",
        re.I)),
    ("in_review", re.compile(
        r"\b(?:in (?:code )?review|under review|up for review|out for review|awaiting review|"
        r"ready for review|waiting (?:on|for) (?:a |the )?review|review (?:with|by)|"
        r"in review with|waiting (?:on|for) \w+'s review|(?:is|are|'s|was|got|been) approved|"
        r"(?:pr|mr|pull request|merge request)\b[^,;]{0,12}\b(?:is )?open|"
        r"reviewers? approved|approved by \d|needs? (?:a )?review|submitted for review|"
        r"review (?:is )?(?:still )?pending|pending (?:a |the )?(?:code )?review|"
        # "with the Ministry lawyer for review", "Itzel has it for testing": someone checks it
        r"(?:with|has\s+(?:it|them))\s+[^,;.]{1,40}?\s+for\s+(?:(?:a\s+)?review|checking|"
        r"(?:a\s+)?check|comments|feedback|testing|sign-?off|approval|proof(?:ing|reading)|"
        r"(?:a\s+)?(?:second\s+)?look)|has\s+(?:it|them)\s+for\s+(?:review|testing|checking)|"
        r"with\s+the\s+[\w-]+\s+(?:committee|board|panel)|"
        # "Morag's checking the figures", "Bikash reviewing before we publish"
        r"(?-i:(?<!\bI)(?!(?:Today|Tomorrow|Tonight|Still|Now|Currently|Then|Next|Also|Just|"
        r"Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\b)(?:[A-Z\u00c0-\u00de\u0100-\u017f]"
        r"[a-z\u00df-\u00ff\u0100-\u017f]+|Dr\.?\s+[A-Z][a-z]+))"
        r"(?:'s|’s|\s+is)?\s+"
        r"(?:reviewing|checking|proof-?reading|testing|signing\s+off)(?!\s+(?:of|is|was)\b))\b",
        re.I)),
    # Open work said in a way that sounds finished: mitigated or paused but left open.
    ("in_progress", re.compile(
        r"\b(?:still open|left open|remains open|stays open|kept open|paused|on pause|"
        r"not (?:yet )?(?:dropped|cancell?ed|closed|found|resolved|in production|there yet|"
        r"rolled out|released to))\b", re.I)),
    # "@kai is rewriting the parser", "I'm porting X": a person in the middle of work (a bare
    # name is left out: "Bruno is tracking the shipment" helps with someone else's item)
    ("in_progress", re.compile(
        r"^(?:@[\w.-]+|I|we)\s+(?:is|are|am|'s|'re|'m)\s+(?:still\s+|currently\s+|"
        r"now\s+|slowly\s+)?(?!(?:going|waiting|getting|having|saying|thinking|wondering|trying|"
        r"looking\s+forward|off|out|away|back|missing|coming|leaving)\b)(?-i:[a-z]{3,}ing)\b",
        re.I)),
    ("in_progress", re.compile(
        r"(?:(?<![\d.,])\b\d{1,3}\s*%|~\s*\d{1,3}%|\b(?:half of it|part of it|in progress|"
        r"working on|work on|halfway|half[- ](?:[a-z]+ed|built|written|done|up|there|through)|"
        r"half "
        r"(?:done|way)|"
        r"about half|a (?:third|quarter)|two thirds|mostly|almost|nearly|partially|partly|ongoing|"
        r"underway|under way|(?:is|are) (?:still )?running|"
        r"still (?:running|being|going|working|investigating|in|on|open|"
        r"underway)|still\s+(?!(?:waiting|missing|failing|pending|getting|having|trying|"
        r"thinking|wondering|nothing)\b)(?-i:[a-z]{3,}ing)|"
        r"being (?:investigated|tested|worked|built|written)|investigat\w+|started on|"
        r"just started|wip|in flight|drafting|continuing|(?:part|mid)?way through the|"
        r"(?:(?<![\d.])\d+|one|two|three|four|five|six|seven|eight|nine|ten) of "
        r"(?:\d+|two|three|four|five|six|"
        r"seven|eight|nine|ten|the)\b(?! \w+ (?:approved|reviewers))|polish left|"
        r"edge cases|making progress|progressing|early days|in the middle of)\b)", re.I)),
    ("done", re.compile(
        r"\b(?:shipped|ship|merged|deployed|released|went out|went live|is live|are live|live now|"
        r"rolled out|landed|launched|done|finished|completed|signed off|fixed|resolved|"
        # "UPS-2 load test passed", "the players passed the loudness test" (not "passed to Kai")
        r"passed(?!\s+(?:to|on\s+to|over|along|it|them|the\s+\w+\s+to)\b)|"
        # "they're closed till Monday": a place that is shut, not work that was closed
        r"closed(?!\s+(?:till|until|til|for|on|over|today|tomorrow|tonight|this|all|at\s+the))|"
        r"reran|re-ran|rolled back|mitigated|patched|published|handed (?:off|over|to)|wrapped up|"
        r"delivered|scaled|upgraded|migrated|cut|tagged|green now|is green|cleaned up|restarted|"
        r"(?:'s|is|are|now) live|"
        r"reverted|rebooted|cleared|recovered|sorted out|(?:is|it's) fine now|back to normal|"
        r"(?:got|pushed|put)\b[^,;]{1,60}\bout|submitted(?! for review)|"
        # "Condition report templates | sent": paperwork that went out is done
        r"(?:is|are|was|were|been|it's)\s+(?:sent|filed|posted|paid|signed))\b",
        re.I)),
]  # fmt: skip


_METRIC_BEFORE = re.compile(
    r"\b(?:down|up|by|to|behind|a|reduced|cut|faster|slower|improved|dropped|increased|"
    r"decreased|saved|at|ramp(?:ed)?(?: the flag)? to)\s*~?\s*$",
    re.I,
)
_METRIC_AFTER = re.compile(
    r"^\s*(?:flag|rollout|of (?:traffic|users|requests|the fleet)|faster|slower|"
    r"less|more|fewer|cheaper|error)",
    re.I,
)


def status_of(text: str) -> str | None:
    """The status words say, strongest first; a 'done' word in a future clause does not count,
    nor does a percentage that measures something else ('build times down 35%')."""
    for status, pattern in STATUS_RES:
        for m in pattern.finditer(text):
            if (
                status == "in_progress"
                and "%" in m.group(0)
                and (
                    _METRIC_BEFORE.search(text[: m.start()]) or _METRIC_AFTER.match(text[m.end() :])
                )
            ):
                continue
            if (status == "done" or m.group(0).lower().endswith("approved")) and FUTURE.search(
                text[: m.start()]
            ):
                continue  # "once it's approved": a condition, not the status
            if re.search(r"(?:\bnot|\bnever|n't)\s+(?:\w+\s+)?$", text[: m.start()]) and not (
                m.group(0).lower().startswith("not")
            ):
                continue  # "it's not in review yet": a status denied is not the status
            return status
    return None


# Terse notes: "vault upgrade: blocked", "checkout redesign: in review w/ PM".
_TERSE_STATUS = re.compile(
    r"^(?P<item>[^:]{3,60}?)\s*[:：]\s*(?P<status>(?:done|blocked|stuck|on hold|in review|"
    r"in progress|not started|merged|shipped|deployed|released|wip|ongoing|waiting|"
    r"\d{1,3}\s*%)\b.*)$",
    re.IGNORECASE,
)


def terse_status(text: str) -> str:
    """'item: status' as the sentence it stands for ('item is status')."""
    m = _TERSE_STATUS.match(text)
    return f"{m.group('item')} is {m.group('status')}" if m else text
