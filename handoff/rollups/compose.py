"""A team's rollup: the team's state now, for a lead who was away, rather than a pile of handoffs.

Open blockers oldest first with who can clear each, in-flight work grouped by owner with its
status and last change, the period's decisions with their why, what shipped, who is back when,
which handoffs nobody has acknowledged, and which members have not posted. Every line names the
handoff it comes from (and the quote, with its moment in the clip), so a reader can check it.

It is composed from the item ledger and the system of record only; nothing is summarized by a
model, so a rollup never says something no handoff said.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from handoff.ledger.queries import EventView, ItemView, read_items
from handoff.models import HandoffRecord
from handoff.text import normalize

#: Work states a rollup shows as in flight (everything but done).
IN_FLIGHT = ("not_started", "in_progress", "in_review", "blocked")


@dataclass(frozen=True, slots=True)
class Cite:
    """Where a line comes from: the handoff, and the words it used."""

    handoff_id: str
    quote: str | None = None
    start_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"handoff_id": self.handoff_id, "quote": self.quote, "start_s": self.start_s}


@dataclass(frozen=True, slots=True)
class Line:
    """One fact of a rollup: what, about whom, since when, and its citation."""

    text: str
    cite: Cite | None
    item_id: str | None = None
    who: str | None = None
    at: datetime | None = None
    status: str | None = None
    detail: str | None = None
    age_hours: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "item_id": self.item_id,
            "who": self.who,
            "at": self.at.isoformat() if self.at else None,
            "status": self.status,
            "detail": self.detail,
            "age_hours": round(self.age_hours, 1) if self.age_hours is not None else None,
            "cite": self.cite.to_json() if self.cite else None,
        }


@dataclass(frozen=True, slots=True)
class Member:
    """A team member the rollup checks for a post: their account and the name wraps use."""

    user_id: str
    username: str
    display_name: str


@dataclass(slots=True)
class TeamRollup:
    team: str
    since: datetime
    until: datetime
    blockers: list[Line] = field(default_factory=list)
    in_flight: dict[str, list[Line]] = field(default_factory=dict)
    decisions: list[Line] = field(default_factory=list)
    shipped: list[Line] = field(default_factory=list)
    returns: list[Line] = field(default_factory=list)
    unacknowledged: list[Line] = field(default_factory=list)
    not_posted: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "blockers": [x.to_json() for x in self.blockers],
            "in_flight": {k: [x.to_json() for x in v] for k, v in self.in_flight.items()},
            "decisions": [x.to_json() for x in self.decisions],
            "shipped": [x.to_json() for x in self.shipped],
            "returns": [x.to_json() for x in self.returns],
            "unacknowledged": [x.to_json() for x in self.unacknowledged],
            "not_posted": list(self.not_posted),
        }

    @property
    def is_empty(self) -> bool:
        parts = (self.blockers, self.in_flight, self.decisions, self.shipped, self.returns)
        return not any(parts) and not self.unacknowledged


def team_rollup(
    session: Session,
    team: str,
    *,
    since: datetime,
    until: datetime,
    members: Sequence[Member] = (),
) -> TeamRollup:
    """The team's state at `until`, with what changed since `since`."""
    since, until = _aware(since), _aware(until)
    items = read_items(session, team, as_of=until)
    by_kind: dict[str, list[ItemView]] = defaultdict(list)
    for it in items:
        by_kind[it.kind].append(it)
    out = TeamRollup(team=team, since=since, until=until)
    out.blockers = _blockers(by_kind["blocker"], until)
    out.in_flight = _in_flight(by_kind["work"])
    out.decisions = _decisions(by_kind["decision"], since)
    out.shipped = _shipped(by_kind["work"], since)
    out.returns = _returns(by_kind["return"], since)
    out.unacknowledged = _unacknowledged(session, team, since, until)
    out.not_posted = _not_posted(session, team, members, since, until)
    return out


def _blockers(blockers: Iterable[ItemView], until: datetime) -> list[Line]:
    """Open blockers, oldest first: what, who can clear it, who raised it, how long it waits."""
    rows = sorted((b for b in blockers if b.state == "open"), key=lambda b: _aware(b.first_at))
    out = []
    for b in rows:
        opened = _first_event(b.events, ("opened", "mentioned")) or b.events[0]
        out.append(
            Line(
                text=b.name,
                cite=_cite(opened),
                item_id=b.id,
                who=b.needed_from,
                at=_aware(b.first_at),
                detail=f"raised by {opened.author}" if opened.author else None,
                age_hours=(until - _aware(b.first_at)).total_seconds() / 3600,
            )
        )
    return out


def _in_flight(work: Iterable[ItemView]) -> dict[str, list[Line]]:
    """Work still moving, grouped by owner (owners in name order; unowned last)."""
    groups: dict[str, list[Line]] = defaultdict(list)
    for w in sorted(work, key=lambda w: _aware(w.last_at), reverse=True):
        if w.state not in IN_FLIGHT or not w.events:
            continue
        last = w.events[-1]
        line = Line(w.name, _cite(last), w.id, w.owner, _aware(w.last_at), w.state, w.summary)
        groups[w.owner or ""].append(line)
    ordered = sorted(groups, key=lambda owner: (owner == "", owner.lower()))
    return {owner or "no owner named": groups[owner] for owner in ordered}


def _decisions(decisions: Iterable[ItemView], since: datetime) -> list[Line]:
    """Decisions made in the period with their why; a replaced one says so."""
    out = []
    for d in sorted(decisions, key=lambda d: _aware(d.first_at)):
        decided = _first_event(d.events, ("decided",))
        if decided is None or _aware(decided.at) < since:
            continue
        why = decided.detail.get("rationale")
        out.append(
            Line(
                text=d.name,
                cite=_cite(decided),
                item_id=d.id,
                who=decided.author,
                at=_aware(decided.at),
                status="superseded" if d.state == "superseded" else "accepted",
                detail=str(why) if why else None,
            )
        )
    return out


def _shipped(work: Iterable[ItemView], since: datetime) -> list[Line]:
    """Work that became done in the period, most recent first."""
    out = []
    for w in work:
        done = [(at, hid) for at, state, hid in w.timeline if state == "done" and hid]
        if w.state != "done" or not done or _aware(done[-1][0]) < since:
            continue
        at, hid = done[-1]
        said = next((e for e in reversed(w.events) if e.handoff_id == hid), None)
        cite = _cite(said) if said else Cite(hid)
        out.append(Line(w.name, cite, w.id, w.owner, _aware(at), "done"))
    return sorted(out, key=lambda x: x.at or since, reverse=True)


def _returns(returns: Iterable[ItemView], since: datetime) -> list[Line]:
    """Who said when they are back, for returns still ahead of the period's start."""
    out = []
    for r in returns:
        said = _last_event(r.events, ("returns",))
        iso = said.detail.get("returns_at_iso") if said else None
        back = _parse(iso)
        if said is None or (back is not None and back < since):
            continue
        if back is None and _aware(said.at) < since:
            continue  # words like "tomorrow" said before the period: stale, not a return time
        out.append(Line(said.text, _cite(said), r.id, r.owner or r.name, back, detail=iso))
    return sorted(out, key=lambda x: (x.at is None, x.at or since))


def _unacknowledged(session: Session, team: str, since: datetime, until: datetime) -> list[Line]:
    """Handoffs published by `until` and not acknowledged by then, recorded (or, lacking a
    recording time, published) in the period: older ones are the previous rollup's."""
    h = HandoffRecord
    wrapped = func.coalesce(h.recorded_at, h.published_at)
    rows = session.scalars(
        select(h)
        .where(
            h.team == team,
            h.published_at <= until,
            wrapped >= since,
            or_(h.status == "published", h.acknowledged_at > until),
        )
        .order_by(h.published_at)
    )
    out = []
    for row in rows:
        published = _aware(row.published_at) if row.published_at else until
        out.append(
            Line(
                text=f"Handoff from {row.author or 'someone'}",
                cite=Cite(row.id),
                who=row.author,
                at=published,
                age_hours=(until - published).total_seconds() / 3600,
            )
        )
    return out


def _not_posted(
    session: Session, team: str, members: Sequence[Member], since: datetime, until: datetime
) -> list[str]:
    """Members with no handoff recorded (or posted) in the period, by the name people know."""
    if not members:
        return []
    when = HandoffRecord.recorded_at
    rows = session.execute(
        select(HandoffRecord.author, HandoffRecord.author_user_id).where(
            HandoffRecord.team == team,
            or_(
                when.between(since, until),
                when.is_(None) & HandoffRecord.created_at.between(since, until),
            ),
        )
    )
    posted_ids, posted_names = set(), set()
    for author, user_id in rows:
        posted_ids.add(user_id)
        posted_names.add(normalize(author or ""))
    return sorted(
        m.display_name
        for m in members
        if m.user_id not in posted_ids
        and normalize(m.display_name) not in posted_names
        and normalize(m.username) not in posted_names
    )


def _cite(event: EventView) -> Cite:
    return Cite(event.handoff_id, event.quote or event.text or None, event.start_s)


def _first_event(events: Sequence[EventView], actions: tuple[str, ...]) -> EventView | None:
    return next((e for e in events if e.action in actions), None)


def _last_event(events: Sequence[EventView], actions: tuple[str, ...]) -> EventView | None:
    return next((e for e in reversed(events) if e.action in actions), None)


def _parse(iso: Any) -> datetime | None:
    if not isinstance(iso, str):
        return None
    try:
        return _aware(datetime.fromisoformat(iso))
    except ValueError:
        return None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
