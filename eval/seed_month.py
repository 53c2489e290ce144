"""A month of handoffs for two teams in one pod, written through the product's own use cases.

    python -m eval.seed_month --home DIR [--seed 17] [--days 30] [--end 2026-11-30]

Payments (Singapore) and platform (Berlin) form the pod `core`. Every working day each person
starts a shift (signs in, often asks a question), acknowledges the handoffs waiting for them —
some at once, some hours late, a few never — and posts a wrap at the end of their shift that the
product extracts, flags, has answered or overridden, publishes and files in the item ledger.
People skip days (weekends mostly, some weekdays); some forget parts of their wraps; blockers are
cleared after hours, days or not within the month; some decisions are reversed days later.

Moments are simulated (`handoff.models.clock`); everything else is the product's: the wrap is
posted (`posting.accept_wrap`), its declaration attached as the worker attaches an extraction
(here the generator plays the extractor, so the story is known), edited, published
(`lifecycle.publish`, so the ledger is real), acknowledged, asked about (`questions.ask`, so the
questions log is real) and its citations followed.

The protocol runs too, under the same clock: publishing routes each blocker to whom can clear it
and work to its owner (the store's routing hook); at a shift's start each person acknowledges
the items routed to them (`protocol.acknowledge`) — at once, hours late, or (a few blockers)
never, so the team's leads get escalations (`schedule.run_all` every half hour, with reminders
and digests); and the generator plays the channels, as it plays the extractor: each due
notification is claimed and delivered or failed through the outbox's own functions (email to a
few bad addresses bounces, Slack is sometimes rate-limited, platform's team webhook is down for
three days). The same seed gives the same month.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from eval.seed_protocol import TICK, ProtocolPlay, profile, team_rules

#: The generator's story: who is in which team, their shift (UTC hour) and habits.
TEAMS: dict[str, dict[str, Any]] = {
    "payments": {
        "zone": "SGT",
        "people": [  # username, name, shift start (UTC), skip rate, forgets, late acker
            ("priya", "Priya", 0, 0.05, 0.05, False),
            ("maya", "Maya", 2, 0.08, 0.10, False),
            ("tomas", "Tomas", 7, 0.20, 0.30, True),
            ("ines", "Ines", 10, 0.10, 0.12, False),
            ("kenji", "Kenji", 15, 0.25, 0.20, True),
        ],
        "items": [
            "refund flow",
            "ledger export",
            "card vault migration",
            "payout batching",
            "fraud rules engine",
            "invoice emails",
            "chargeback webhooks",
            "currency rounding",
            "settlement reports",
            "3DS challenge flow",
        ],
    },
    "platform": {
        "zone": "CET",
        "people": [
            ("olu", "Olu", 6, 0.05, 0.05, False),
            ("sam", "Sam", 9, 0.10, 0.15, False),
            ("lena", "Lena", 13, 0.15, 0.10, True),
            ("diego", "Diego", 17, 0.25, 0.30, False),
            ("mei", "Mei", 22, 0.10, 0.12, False),
        ],
        "items": [
            "VPN rollout",
            "Postgres upgrade",
            "build cache",
            "log pipeline",
            "k8s node pools",
            "secrets rotation",
            "CI runners",
            "load test harness",
            "DNS failover",
            "metrics retention",
        ],
    },
}
POD = "core"
LEADS = {"priya", "olu"}
BLOCKERS = (
    "Staging VPN access",
    "Sandbox API keys",
    "Security review sign-off",
    "Schema migration approval",
    "Load test environment",
    "Vendor webhook documentation",
    "Firewall rule change",
    "Production read replica",
)
CHOICES = (
    ("Use a separate service", "better isolation for testing"),
    ("Keep the old code path behind a flag", "less risk during the rollout"),
    ("Batch writes every minute", "the database cannot take one write per event"),
    ("Retry three times with backoff", "the vendor drops calls under load"),
    ("Ship behind a feature flag", "we can roll back without a deploy"),
    ("Cache lookups in Redis", "the upstream answers in seconds at peak"),
    ("Drop support for the v1 endpoint", "nobody has called it in a month"),
    ("Page the owner on the third failure", "single failures are noise"),
    ("Run the migration at night in Europe", "traffic is lowest then"),
    ("Pin the client library version", "the last upgrade broke parsing"),
)
#: How long a blocker stays open, in days (the last: not within the month).
BLOCKER_DAYS = (0.3, 0.8, 1.5, 2.5, 4, 6, 9, 13, 20, 60)
STATUSES = ("not_started", "in_progress", "in_review", "done")


@dataclass
class Person:
    username: str
    name: str
    team: str
    start_hour: int
    skip: float
    forgets: float
    late: bool
    user_id: str = ""
    items: list[str] = field(default_factory=list)

    def actor(self) -> Any:
        from handoff.audit import Actor

        return Actor(user_id=self.user_id, name=self.username, address="seed")


@dataclass
class Blocker:
    description: str
    item: str
    needed_from: str | None
    clears_at: datetime
    raised_by: str
    cleared: bool = False


@dataclass
class TeamState:
    slug: str
    zone: str
    people: list[Person]
    status: dict[str, str] = field(default_factory=dict)
    blockers: list[Blocker] = field(default_factory=list)
    decided: dict[str, str] = field(default_factory=dict)  # item -> current decision
    waiting: list[tuple[str, str]] = field(default_factory=list)  # (handoff id, author)
    unused: list[str] = field(default_factory=list)


class Month(ProtocolPlay):
    """The simulation: a queue of timed actions run in order under a simulated clock."""

    def __init__(self, svc: Any, rng: random.Random, start: datetime, days: int) -> None:
        self.svc, self.rng, self.start, self.days = svc, rng, start, days
        self.queue: list[tuple[datetime, int, Callable[[datetime], None]]] = []
        self.seq = itertools.count()
        self.tickets = itertools.count(101)
        self.teams: dict[str, TeamState] = {}
        self.on_shift: dict[tuple[str, date], datetime] = {}
        self.counts: dict[str, int] = dict.fromkeys(
            (
                "wraps",
                "published",
                "overridden",
                "acknowledged",
                "items_acknowledged",
                "escalated",
                "questions",
                "followed",
                "delivered",
                "failed",
            ),
            0,
        )
        self.taking: set[str] = set()  # items someone will acknowledge soon
        from api.usecases.protocol import links

        self.links = links(svc.settings)

    def at(self, when: datetime, action: Callable[[datetime], None]) -> None:
        heapq.heappush(self.queue, (when, next(self.seq), action))

    def run(self) -> None:
        from handoff.models import clock

        while self.queue:
            when, _, action = heapq.heappop(self.queue)
            with clock(partial(_at, when)):
                action(when)

    # -- the plan -----------------------------------------------------------------------------
    def plan(self) -> None:
        tick = self.start
        while tick < self.start + timedelta(days=self.days):
            self.at(tick, self.protocol_tick)
            tick += TICK
        for team in self.teams.values():
            for day in range(self.days):
                d = (self.start + timedelta(days=day)).date()
                for p in team.people:
                    weekend = d.weekday() >= 5
                    if self.rng.random() < (0.85 if weekend else p.skip):
                        continue
                    begin = datetime(d.year, d.month, d.day, p.start_hour, tzinfo=UTC)
                    begin += timedelta(minutes=self.rng.randint(0, 40))
                    self.on_shift[(p.username, d)] = begin
                    self.at(begin, partial(self.shift_start, team=team, p=p))
                    if self.rng.random() > 0.06:  # some days end without a wrap
                        end = begin + timedelta(hours=8, minutes=self.rng.randint(0, 50))
                        self.at(end, partial(self.post_wrap, team=team, p=p))

    # -- a shift's start: sign in, ask, take over ---------------------------------------------
    def shift_start(self, now: datetime, *, team: TeamState, p: Person) -> None:
        from handoff.audit import AuditLog

        AuditLog(self.svc.settings.resolved_database_url).record(p.actor(), "auth.sign_in")
        if self.rng.random() < 0.6:
            self.at(
                now + timedelta(minutes=self.rng.randint(2, 20)), partial(self.ask, team=team, p=p)
            )
        for hours in (0, 3, 6):  # what was routed to them before, and during, their shift
            self.at(now + timedelta(hours=hours), partial(self.take_routed, p=p))
        for hid, author in list(team.waiting):
            if author == p.name:
                continue
            team.waiting.remove((hid, author))
            if self.rng.random() < 0.05:
                continue  # nobody ever acknowledges this one
            delay = self.rng.uniform(60, 420) if p.late and self.rng.random() < 0.6 else None
            minutes = delay if delay is not None else self.rng.uniform(3, 45)
            self.at(now + timedelta(minutes=minutes), partial(self.ack, handoff_id=hid, p=p))

    def ack(self, _now: datetime, *, handoff_id: str, p: Person) -> None:
        from api.usecases import lifecycle

        lifecycle.acknowledge(self.svc, handoff_id, by=p.name, audit=p.actor())
        self.counts["acknowledged"] += 1

    def ask(self, now: datetime, *, team: TeamState, p: Person) -> None:
        from api.usecases import questions

        item = self.rng.choice(p.items or list(team.status) or ["the release"])
        question = self.rng.choice(
            (
                f"what's blocking the {item}?",
                f"who owns the {item}?",
                f"what did we decide about the {item}?",
                f"what is the status of the {item}?",
                "what's blocking the quantum billing rewrite?",  # no record of it
            )
        )
        got = questions.ask(self.svc, question, team=team.slug, as_of=now, asker=p.actor())
        self.counts["questions"] += 1
        if got.get("citations") and self.rng.random() < 0.45:
            qid = int(got["question_id"])
            self.at(now + timedelta(minutes=1), lambda _t: self.follow(team, qid))

    def follow(self, team: TeamState, question_id: int) -> None:
        from api.usecases import questions

        questions.follow_citation(self.svc, team.slug, question_id)
        self.counts["followed"] += 1

    # -- a shift's end: the wrap ----------------------------------------------------------------
    def post_wrap(self, now: datetime, *, team: TeamState, p: Person) -> None:
        from api.usecases import posting
        from ingest.text import transcript_from_text

        decl, text = self.declaration(now, team, p)
        posted = posting.accept_wrap(
            self.svc,
            author=p.name,
            team=team.slug,
            recorded_at=now,
            text=text,
            author_user_id=p.user_id,
            audit=p.actor(),
        )
        self.counts["wraps"] += 1
        extracted = self.svc.store.set_extraction(
            team.slug,
            posted.id,
            transcript=transcript_from_text(text).to_json(),
            declaration=decl,
        )
        quick = self.rng.random() < 0.8
        minutes = self.rng.uniform(5, 40) if quick else self.rng.uniform(90, 300)
        answers = bool(extracted.missing) and self.rng.random() < 0.65
        later = now + timedelta(minutes=minutes)
        self.at(later, lambda _t: self.publish(team, p, posted.id, answers=answers))

    def publish(self, team: TeamState, p: Person, hid: str, *, answers: bool) -> None:
        """The author answers the follow-up questions they can (owners, reasons, return) or
        not, then publishes; what is still missing goes out over an override."""
        from api.usecases import lifecycle

        handoff = self.svc.store.get(hid)
        if answers and handoff.declaration is not None:
            patch = _answers(handoff.declaration.to_json(), p)
            if patch:
                handoff = lifecycle.edit(self.svc, hid, patch, actor=p.name, audit=p.actor())
        reason = "Out of time before the flight; will follow up." if handoff.missing else None
        lifecycle.publish(
            self.svc, hid, actor=p.name, force_reason=reason, index=True, audit=p.actor()
        )
        self.counts["published"] += 1
        self.counts["overridden"] += 1 if reason else 0
        team.waiting.append((hid, p.name))

    def declaration(self, now: datetime, team: TeamState, p: Person) -> tuple[Any, str]:
        """What this wrap says, and the words it says it in (the transcript the ledger reads)."""
        from handoff.declaration import Declaration

        parts: dict[str, Any] = {"author": p.name, "team": team.slug, "recorded_at": now}
        said: list[str] = [f"{p.name} signing off."]
        empty: list[str] = []
        self._work(team, p, parts, said)
        self._blockers(now, team, p, parts, said, empty)
        self._decisions(now, team, p, parts, said, empty)
        actions = []
        for item in p.items[:2]:
            owner = None if self.rng.random() < p.forgets / 2 else self.rng.choice(team.people).name
            actions.append({"action": f"Pick up the {item} review", "item": item, "owner": owner})
            said.append(f"Next: pick up the {item} review{f', {owner}' if owner else ''}.")
        parts["next_actions"] = actions
        if self.rng.random() > p.forgets:
            parts["returns_at"] = f"tomorrow {p.start_hour + 8}:00 {team.zone}"
            said.append(f"Back tomorrow, {team.zone} morning.")
        # A forgetful author never says "no blockers": silence is flagged, a statement is not.
        parts["stated_empty"] = [part for part in empty if self.rng.random() >= p.forgets]
        return Declaration.model_validate(parts), " ".join(said)

    def _work(self, team: TeamState, p: Person, parts: dict[str, Any], said: list[str]) -> None:
        shipped, flight = [], []
        while len(p.items) < 2 and team.unused:
            item = team.unused.pop(0)
            p.items.append(item)
            team.status[item] = "not_started"
        held = {b.item for b in team.blockers if not b.cleared}
        for item in list(p.items):
            now_status = team.status[item]
            if item in held:  # blocked work waits for its blocker
                now_status = team.status[item] = "blocked"
            elif now_status == "blocked":
                now_status = team.status[item] = "in_progress"
            elif self.rng.random() < 0.35:
                now_status = STATUSES[min(3, STATUSES.index(now_status) + 1)]
                team.status[item] = now_status
            if now_status == "done":
                shipped.append({"summary": f"Shipped the {item}"})
                said.append(f"Shipped the {item}.")
                p.items.remove(item)
                team.unused.append(item)
            else:
                flight.append({"item": item, "status": now_status, "owner": p.name})
                said.append(f"The {item} is {now_status.replace('_', ' ')}.")
        parts["shipped"], parts["in_flight"] = shipped, flight
        if not shipped:
            said.append("Nothing shipped today.")

    def _blockers(
        self,
        now: datetime,
        team: TeamState,
        p: Person,
        parts: dict[str, Any],
        said: list[str],
        empty: list[str],
    ) -> None:
        mine = [b for b in team.blockers if b.raised_by == p.name and not b.cleared]
        out = []
        for b in mine:
            if b.clears_at <= now:
                b.cleared = True
                said.append(f"{b.description} is resolved now.")
            else:
                if b.needed_from is None and self.rng.random() < 0.5:  # someone is found
                    b.needed_from = self.rng.choice(team.people).name
                out.append(b)
        free = [i for i in p.items if i not in {b.item for b in team.blockers if not b.cleared}]
        if free and self.rng.random() < 0.3:
            item = self.rng.choice(free)
            who = None if self.rng.random() < 0.1 else self.rng.choice(team.people).name
            # Open blockers name different things, so clearing one is not read as clearing another.
            busy = {b.description.split(" for the ")[0] for b in team.blockers if not b.cleared}
            things = [t for t in BLOCKERS if t not in busy] or list(BLOCKERS)
            text = f"{self.rng.choice(things)} for the {item} (OPS-{next(self.tickets)})"
            lasts = timedelta(days=self.rng.choice(BLOCKER_DAYS) * self.rng.uniform(0.8, 1.2))
            b = Blocker(text, item, who, now + lasts, p.name)
            team.blockers.append(b)
            out.append(b)
        for b in out:
            said.append(
                f"Blocked: {b.description}"
                + (f", {b.needed_from} can clear it." if b.needed_from else ".")
            )
        parts["blockers"] = [
            {"description": b.description, "item": b.item, "needed_from": b.needed_from}
            for b in out
        ]
        if not out:
            empty.append("blockers")
            said.append("No blockers.")

    def _decisions(
        self,
        now: datetime,
        team: TeamState,
        p: Person,
        parts: dict[str, Any],
        said: list[str],
        empty: list[str],
    ) -> None:
        decisions = []
        item = self.rng.choice(p.items) if p.items else None
        # A second decision about the same work replaces the first: a reversal, sometimes.
        # Decisions about other work use other wording, so the ledger keeps them apart.
        taken = {c for i, c in team.decided.items() if i != item}
        free = [c for c in CHOICES if c[0] not in taken and c[0] != team.decided.get(item or "")]
        again = item in team.decided
        if item and free and self.rng.random() < (0.1 if again else 0.3):
            (choice, why) = self.rng.choice(free)
            team.decided[item] = choice
            text = f"{choice} for the {item}"  # about the same work: it replaces the last
            rationale = None if self.rng.random() < p.forgets / 2 else why
            decisions.append({"decision": text, "rationale": rationale, "item": item})
            said.append(f"Decision: {text}" + (f" because {rationale}." if rationale else "."))
        parts["decisions"] = decisions
        if not decisions:
            empty.append("decisions")
            said.append("No decisions today.")
        if not parts.get("shipped"):
            empty.append("shipped")


def _at(moment: datetime) -> datetime:
    return moment


def _answers(current: dict[str, Any], p: Person) -> dict[str, Any]:
    """The author's answers to the follow-up questions they can answer at once: who owns each
    next action, why each decision was made, when they are back."""
    patch: dict[str, Any] = {}
    actions = current.get("next_actions") or []
    if any(not a.get("owner") for a in actions):
        patch["next_actions"] = [{**a, "owner": a.get("owner") or p.name} for a in actions]
    decisions = current.get("decisions") or []
    if any(not d.get("rationale") for d in decisions):
        patch["decisions"] = [
            {**d, "rationale": d.get("rationale") or "agreed with the team"} for d in decisions
        ]
    if not current.get("returns_at"):
        patch["returns_at"] = "tomorrow morning"
    return patch


def seed(home: Path, *, seed_value: int, days: int, end: date) -> dict[str, int]:
    """Write the month into a fresh data directory; the counts of what was written."""
    from api.auth.services import get_identity
    from api.wiring.services import build_services
    from handoff.audit import Actor
    from handoff.errors import InvalidInput
    from handoff.identity.roles import Role
    from handoff.models import clock
    from handoff.rollups.pods import Pods
    from handoff.settings import Settings

    settings = Settings(home=home)
    svc = build_services(settings)
    if svc.store.count() > 0:
        raise InvalidInput(f"{home} already holds handoffs; seed a fresh data directory.")
    rng = random.Random(seed_value)
    start = datetime(end.year, end.month, end.day, tzinfo=UTC) - timedelta(days=days)
    month = Month(svc, rng, start, days)
    op = Actor.operator()
    directory = get_identity(settings).directory
    with clock(lambda: start - timedelta(days=1)):
        pods = Pods(settings.resolved_database_url)
        pods_made = pods.create(POD, actor=op, display_name="Core pod")
        for slug, spec in TEAMS.items():
            directory.create_team(slug, actor=op)
            people = []
            for username, name, hour, skip, forgets, late in spec["people"]:
                user = directory.create_user(username, actor=op, display_name=name)
                role = Role.LEAD if username in LEADS else Role.MEMBER
                directory.add_member(slug, username, role, actor=op)
                people.append(Person(username, name, slug, hour, skip, forgets, late, user.id))
                profile(settings.resolved_database_url, user.id, username, hour)
            team_rules(settings.resolved_database_url, slug)
            month.teams[slug] = TeamState(slug, spec["zone"], people, unused=list(spec["items"]))
            pods.add_team(pods_made.slug, slug, actor=op)
    month.plan()
    month.run()
    return month.counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.seed_month", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--home", required=True, type=Path, help="A fresh data directory.")
    parser.add_argument("--seed", type=int, default=17, help="The same seed, the same month.")
    parser.add_argument("--days", type=int, default=30, help="How many days (1 to 92).")
    parser.add_argument("--end", default="2026-11-30", help="The day after the last (UTC date).")
    args = parser.parse_args(argv)
    try:
        end = date.fromisoformat(args.end)
    except ValueError:
        print("--end must be a date such as 2026-11-30.", file=sys.stderr)
        return 2
    if not 1 <= args.days <= 92:
        print("--days must be between 1 and 92.", file=sys.stderr)
        return 2
    from handoff.errors import HandoffError

    try:
        counts = seed(args.home, seed_value=args.seed, days=args.days, end=end)
    except HandoffError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
