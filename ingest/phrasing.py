"""Generic handoff phrasing, in spoken form, for the offline recognizer's language model.

The sentences are built from templates that describe how engineers talk at the end of a shift
(what shipped, what is in flight and how far along, decisions and why, blockers and who can clear
them, next steps, when they are back). They never contain a particular clip's text; the team's own
words (people, items, ticket prefixes) are added separately from its vocabulary.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from handoff.text import WEEKDAYS

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def say_number(n: int) -> str:
    """0..9999 as a person says it ("eighteen forty two" for 1842, "four twelve" for 412)."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        head = _ONES[n // 100] + " hundred"
        return (
            head
            if rest == 0
            else f"{_ONES[n // 100]} {say_number(rest) if rest >= 10 else 'oh ' + _ONES[rest]}"
        )
    if n % 1000 == 0:
        return _ONES[n // 1000] + " thousand"
    hi, lo = divmod(n, 100)
    if lo == 0:
        return say_number(hi) + " hundred"
    return f"{say_number(hi)} {say_number(lo) if lo >= 10 else 'oh ' + _ONES[lo]}"


# Letters and digits apart: "arm64" is said "arm sixty four".
_TOKEN = re.compile(r"[a-z']+|[0-9]+")
_DOT_NUMBER = re.compile(r"(?<=\d)\.(?=\d)")
_DOT_WORD = re.compile(r"(?<=[A-Za-z0-9]{2})\.(?=[A-Za-z]{2})")
# A short word without a vowel is said letter by letter: "css", "crm", "pr".
_SPELLED_OUT = re.compile(r"[b-df-hj-np-tv-xz]{2,5}")


def spoken_words(text: str) -> list[str]:
    """Lower-case words as they would be spoken: digits become words, punctuation goes."""
    out: list[str] = []
    # Accents folded ("Tomás" is said "tomas"): a letter outside a-z would split the word.
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    # A dot inside a name or a version is said: "api dot example dot com", "one point thirty".
    folded = _DOT_WORD.sub(" dot ", _DOT_NUMBER.sub(" point ", folded))
    for token in _TOKEN.findall(folded.lower().replace("%", " percent ")):
        if token.isdigit():
            out.extend(
                say_number(int(token)).split()
                if len(token) <= 4
                else list(itertools.chain.from_iterable(_ONES[int(d)].split() for d in token))
            )
        elif _SPELLED_OUT.fullmatch(token):
            out.extend(token)
        else:
            out.append(token.strip("'"))
    return [w for w in out if w]


_ITEMS = (
    "the login page",
    "the billing service",
    "the search index",
    "the deploy pipeline",
    "the mobile app",
    "the onboarding flow",
    "the data migration",
    "the api gateway",
    "the reporting job",
    "the cache layer",
    "the notification service",
    "the dashboard",
)
# The parts of a software system engineers name in any wrap (a general list, not any team's or
# clip's words), so the general model's rarer technical words are not drowned by common ones
# ("backend", not "back and").
_PARTS = (
    "backend",
    "frontend",
    "endpoint",
    "database",
    "schema",
    "query",
    "index",
    "cache",
    "queue",
    "worker",
    "cron job",
    "scheduler",
    "pipeline",
    "build",
    "release",
    "deploy",
    "rollout",
    "rollback",
    "hotfix",
    "patch",
    "branch",
    "repo",
    "pull request",
    "code review",
    "unit tests",
    "integration tests",
    "test suite",
    "staging",
    "production",
    "cluster",
    "node",
    "container",
    "load balancer",
    "gateway",
    "proxy",
    "firewall",
    "certificate",
    "token",
    "session",
    "login",
    "password",
    "permissions",
    "api",
    "webhook",
    "callback",
    "client",
    "server",
    "service",
    "microservice",
    "library",
    "dependency",
    "upgrade",
    "migration",
    "backfill",
    "refactor",
    "feature flag",
    "toggle",
    "config",
    "settings",
    "dashboard",
    "alert",
    "monitoring",
    "metrics",
    "logs",
    "logging",
    "tracing",
    "latency",
    "timeout",
    "retry",
    "error rate",
    "outage",
    "incident",
    "postmortem",
    "runbook",
    "on call rotation",
    "ticket",
    "backlog",
    "sprint",
    "roadmap",
    "spec",
    "design doc",
    "prototype",
    "experiment",
    "analytics",
    "report",
    "export",
    "import",
    "upload",
    "download",
    "search",
    "pagination",
    "filter",
    "sorting",
    "validation",
    "parser",
    "serializer",
    "encryption",
    "storage",
    "bucket",
    "replica",
    "failover",
    "throughput",
    "memory leak",
    "crash",
    "bug",
    "regression",
    "workaround",
    "vendor",
    "customer",
    "account",
    "invoice",
    "payment",
    "checkout",
    "notification",
    "email",
    "mobile app",
    "web app",
    "user interface",
    "layout",
    "onboarding",
    "documentation",
)
_PEOPLE_ROLES = (
    "the product owner",
    "the security team",
    "the platform team",
    "the on call",
    "the database team",
    "design",
    "legal",
    "the tech lead",
    "ops",
    "q a",
)
_STATUS = (
    "in progress",
    "in review",
    "blocked",
    "not started",
    "almost done",
    "done",
    "waiting on review",
    "ready to merge",
    "on hold",
    "deployed to staging",
)
_DAYS = (
    *WEEKDAYS,
    "tomorrow",
    "tomorrow morning",
    "next week",
    "after the weekend",
)
_TIMES = (
    "nine a m",
    "ten a m",
    "eight thirty",
    "two p m",
    "fourteen hundred",
    "noon",
    "nine thirty",
    "seven p m",
    "six a m",
    "eleven",
    # "am" and "pm" as words: the dictionary says them both as letters and as "am".
    "nine am",
    "eight am",
    "ten am",
    "seven thirty am",
    "three pm",
    "five pm",
)
_ZONES = (
    "",
    " s g t",
    " u t c",
    " pacific",
    " eastern",
    " central european",
    " my time",
    " india time",
    " sydney time",
    " london time",
    " i s t",
    " c e t",
    " g m t",
    " e s t",
    " p s t",
)

_TEMPLATES: tuple[str, ...] = (
    "shipped {item} today",
    "i shipped {item} and it is live",
    "nothing shipped today",
    "merged the pull request for {item} this morning",
    "p r {num} is merged",
    "p r hash {num} is in review",
    "merged p r hash {num}",
    "m r {num} is waiting on review",
    "see hash {num} for the details",
    "p r number {num} is open and waiting on review",
    "{item} is {status}",
    "{item} is {status} about {pct} percent done",
    "{item} is about {pct} percent complete",
    "in flight {item} {status}",
    "still working on {item}",
    "i am halfway through {item}",
    "{num2} of {num3} reviewers approved",
    "two of three reviewers approved waiting on {role}",
    "targeting completion by end of my next shift",
    "should be done by {day}",
    "decision we chose {item} over the old approach because it is simpler to test",
    "we decided to keep {item} as a separate service call rather than inline",
    "decision no decisions today",
    "the reason is better isolation for testing and acceptable performance overhead",
    "we went with the cheaper option because the write volume is too high",
    "decided to roll back {item} since the error rate went up",
    "blocker {item} is blocked on a decision from {role}",
    "blocker waiting on {role} to approve the access request",
    "no blockers right now",
    "the staging environment is down which is blocking {item}",
    "need a product decision on the session timeout",
    "{role} owns this decision",
    "{role} can unblock this",
    "next i will write the integration tests for {item}",
    "next start on {item} after the handler is done",
    "next ping {role} if there is no review by the end of their shift",
    "next pair with {role} on {item} tomorrow",
    "i will pick up {item} first thing",
    "back {day} at {time}{zone}",
    "i am back {day} {time}{zone}",
    "out until {day}",
    "back online {day}",
    "ticket {num} is done",
    "the ticket for {item} is not started",
    "currently twenty four hours as a placeholder",
    "the tests are green but the build is flaky",
    "there is a regression in {item} after the last deploy",
    "the fix is in review",
    "rolled out to ten percent of users",
    "the alert fired twice overnight and i silenced it",
    "handing over {item} to the next shift",
    "please keep an eye on {item}",
    "the on call should watch the error budget",
    "that is it for my shift",
    "okay so that is my wrap for today",
    "this is my handoff for today",
    "quick handoff from {role}",
    "handing off {item} to the next shift",
    "quick update on {item}",
    "the migration ran in staging without errors",
    "waiting on the vendor to reply",
    "the deadline moved to {day}",
    "the d b a has to approve the schema change",
    "the e t l job failed overnight",
    "the t l s certificate expires on {day}",
    "the c s v export for {item} shipped",
    "the p d f report is done",
    "s s o login is broken for some users",
    "the a p i is returning errors",
    "the v p c peering is not set up yet",
    "c i is red on {item}",
    "the {part} is {status}",
    "fixed the {part} for {item}",
    "the {part} changes for {item} are in review",
    "working on the {part} today",
    "the {part} went out this morning",
    "there is a bug in the {part}",
    "we moved the {part} to the new cluster",
    # Terse wraps read aloud, labelled with the declaration's parts.
    "shipped {item}",
    "done {item}",
    "w i p {item} {pct} percent",
    "in flight {item} {pct} percent",
    "blockers none",
    "blockers {item} is blocked on {role}",
    "decisions none",
    "next {role} to review the {part}",
    "next {role} will pick up {item}",
)


def _fill(template: str, values: dict[str, Sequence[str]], limit: int) -> Iterator[str]:
    keys = [k for k in values if "{" + k + "}" in template]
    if not keys:
        yield template
        return
    # Walk the slots together (each at its own stride) rather than their product, so every value
    # of every slot appears, not only the first few items with every status.
    count = min(limit, max(40, *(len(values[k]) for k in keys)))
    for i in range(count):
        combo = {k: values[k][(i * (j + 1) + j) % len(values[k])] for j, k in enumerate(keys)}
        yield template.format(**combo)


def handoff_corpus(
    *,
    items: Iterable[str] = (),
    people: Iterable[str] = (),
    prefixes: Iterable[str] = (),
    limit_per_template: int = 200,
) -> list[str]:
    """Sentences of generic handoff talk, with the team's items, people and ticket prefixes mixed
    in where a generic item or person would go."""
    team_items = [" ".join(spoken_words(i)) for i in items if spoken_words(i)]
    team_people = [" ".join(spoken_words(p)) for p in people if spoken_words(p)]
    values: dict[str, Sequence[str]] = {
        "item": [*team_items, *_ITEMS],
        "part": _PARTS,
        "role": [*team_people, *_PEOPLE_ROLES],
        "status": _STATUS,
        "pct": [say_number(n) for n in (10, 20, 25, 30, 40, 50, 60, 70, 75, 80, 90)],
        "num": [say_number(n) for n in (1842, 1790, 412, 233, 57, 3021, 96, 1200)],
        "num2": _ONES[1:4],
        "num3": _ONES[2:5],
        "day": _DAYS,
        "time": _TIMES,
        "zone": _ZONES,
    }
    sentences: list[str] = []
    for template in _TEMPLATES:
        sentences.extend(_fill(template, values, limit_per_template))
    for item in team_items:
        sentences += [item, f"{item} is in progress", f"working on {item}", f"{item} is blocked"]
    for person in team_people:
        sentences += [
            person,
            f"waiting on {person}",
            f"{person} owns this",
            f"ping {person} tomorrow",
            f"{person} approved it",
            f"hi {person} here",
            f"thanks {person}",
            f"{person} will pick it up",
            f"{person} needs to sign off",
            f"handing over to {person}",
        ]
    for prefix in prefixes:
        words = " ".join(spoken_words(prefix))
        # Ticket numbers of every size, each said the way people say it.
        for n in (3, 12, 19, 27, 34, 45, 58, 66, 71, 83, 99, 104, 412, 1500, 2048):
            sentences.append(f"{words} {say_number(n)} is done")
            sentences.append(f"ticket {words} {say_number(n)} is in progress")
    return sentences
