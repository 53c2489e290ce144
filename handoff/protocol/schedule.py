"""The protocol's clock: escalations, shift-end reminders and shift-start digests, as plain
functions of `now` (tests freeze it; a Celery task passes the real one). Each writes outbox rows
whose keys name the assignment, or the person, team and local day, so a second run at the same
moment, or five minutes later, queues nothing again.

The team rollup goes to the team's channels at the local times its lead set (`send_rollups`),
keyed by team, local day and time.

Everything is in the person's own time zone and working hours; a day off (set by them, or marked
by "back Monday" in their wrap) has no shift, so nothing reaches them on it.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from handoff.identity.models import MembershipRecord, UserRecord
from handoff.ledger.models import LedgerEvent, LedgerItem
from handoff.models import HandoffRecord
from handoff.protocol import messages
from handoff.protocol.hours import Schedule, zone
from handoff.protocol.messages import Links
from handoff.protocol.models import Assignment, OutboxRow, TeamRules
from handoff.protocol.outbox import write
from handoff.protocol.people import (
    addresses,
    leads,
    members,
    names_of,
    person_name,
    profile,
    rules,
    schedule,
    team_addresses,
)
from handoff.protocol.routing import is_handoff_id
from handoff.rollups.compose import Member, team_rollup
from handoff.rollups.render import team_markdown

#: A digest goes out in the first two hours of a shift (the task runs every few minutes).
DIGEST_WINDOW = timedelta(hours=2)
#: A digest lists the team's unacknowledged handoffs of the last week (not only those since the
#: person's last shift: one published during their shift may still be waiting for them).
UNACKNOWLEDGED_WINDOW = timedelta(days=7)
LIVE = ("open", "in_progress", "blocked", "in_review")
#: A team rollup goes out within this long after its time (the tick runs every few minutes; a
#: beat that was down longer skips that rollup rather than sending a stale one late).
ROLLUP_WINDOW = timedelta(hours=1)


def _people(session: Session) -> list[tuple[UserRecord, str]]:
    """(account, team) for every enabled member of every team."""
    q = (
        select(UserRecord, MembershipRecord.team)
        .join(MembershipRecord, MembershipRecord.user_id == UserRecord.id)
        .where(UserRecord.disabled.is_(False))
        .order_by(UserRecord.username, MembershipRecord.team)
    )
    return [(u, t) for u, t in session.execute(q)]


def escalate(session: Session, now: datetime, links: Links) -> int:
    """A blocker its resolver has not acknowledged within the team's N working hours (theirs)
    goes to the team's leads; after twice that, to the team's channels too."""
    made = 0
    q = select(Assignment).where(
        Assignment.reason == "blocker",
        Assignment.closed_at.is_(None),
        Assignment.acknowledged_at.is_(None),
    )
    for row in session.scalars(q.order_by(Assignment.id)).all():
        item = session.get(LedgerItem, row.item_id)
        resolver = session.get(UserRecord, row.user_id)
        if item is None or resolver is None or item.state != "open":
            continue
        limit = rules(session, row.team).escalate_after_hours
        worked = schedule(profile(session, resolver.id)).working_hours_between(row.routed_at, now)
        if worked < limit:
            continue
        note = messages.escalated(item, person_name(session, row.team, resolver), limit, links)
        if row.escalated_at is None:
            row.escalated_at = now
            made += 1
            for lead in leads(session, row.team):
                if lead.id == resolver.id:
                    continue  # a lead who is the resolver is not told about themselves
                write(
                    session,
                    team=row.team,
                    event=f"escalated:{row.id}",
                    recipient=lead.id,
                    user_id=lead.id,
                    to=addresses(session, lead),
                    note=note,
                    handoff_id=row.handoff_id,
                    item_id=item.id,
                    now=now,
                )
        if worked >= 2 * limit:
            write(
                session,
                team=row.team,
                event=f"escalated-team:{row.id}",
                recipient=f"team:{row.team}",
                user_id=None,
                to=team_addresses(session, row.team),
                note=note,
                handoff_id=row.handoff_id,
                item_id=item.id,
                now=now,
            )
    return made


def _posted_today(
    session: Session, user: UserRecord, team: str, since: datetime, now: datetime
) -> bool:
    names = names_of(session, team, user)
    said = func.coalesce(HandoffRecord.recorded_at, HandoffRecord.created_at)
    q = select(HandoffRecord.author_user_id, HandoffRecord.author).where(
        HandoffRecord.team == team, said >= since, said <= now
    )
    return any(
        uid == user.id or (author or "").strip().casefold() in names
        for uid, author in session.execute(q)
    )


def _open_items(session: Session, user: UserRecord, team: str) -> list[LedgerItem]:
    names = names_of(session, team, user)
    q = select(LedgerItem).where(
        LedgerItem.team == team,
        LedgerItem.kind.in_(("work", "blocker", "action")),
        LedgerItem.state.in_(LIVE),
    )
    return [
        i
        for i in session.scalars(q.order_by(LedgerItem.first_at))
        if (i.owner or "").casefold() in names
    ]


def remind(session: Session, now: datetime, links: Links) -> int:
    """N minutes before a person's shift ends, if they have not posted a wrap that (local) day:
    a reminder with a link to record one and their open items (what the wrap should cover)."""
    made = 0
    for user, team in _people(session):
        sched = schedule(profile(session, user.id))
        day = sched.local_day(now)
        span = sched.shift(day)
        if span is None:
            continue
        end = span[1]
        before = timedelta(minutes=rules(session, team).reminder_minutes)
        if not end - before <= now < end:
            continue
        day_start = datetime.combine(day, datetime.min.time(), tzinfo=sched.tz)
        if _posted_today(session, user, team, day_start, now):
            continue
        note = messages.reminder(
            person_name(session, team, user), _open_items(session, user, team), links
        )
        made += len(_note(session, user, team, f"reminder:{team}:{day.isoformat()}", note, now))
    return made


def _note(
    session: Session, user: UserRecord, team: str, event: str, note: messages.Note, now: datetime
) -> list[OutboxRow]:
    rows = write(
        session,
        team=team,
        event=event,
        recipient=user.id,
        user_id=user.id,
        to=addresses(session, user),
        note=note,
        now=now,
    )
    return rows[:1]  # one notification (on every channel) counts once


def digest(session: Session, now: datetime, links: Links) -> int:
    """At the start of a person's shift: what changed since their last one."""
    made = 0
    for user, team in _people(session):
        sched = schedule(profile(session, user.id))
        span = sched.shift(sched.local_day(now))
        if span is None or not span[0] <= now < span[0] + DIGEST_WINDOW:
            continue
        since = sched.previous_shift_end(span[0]) or span[0] - timedelta(days=1)
        sections = _digest_sections(session, user, team, since, now, tz=sched.tz.key)
        if not any(sections.values()):
            continue
        note = messages.digest(person_name(session, team, user), sections, links)
        day = sched.local_day(now).isoformat()
        made += len(_note(session, user, team, f"digest:{team}:{day}", note, now))
    return made


def _digest_sections(
    session: Session, user: UserRecord, team: str, since: datetime, now: datetime, *, tz: str
) -> dict[str, list[str]]:
    rows = session.execute(
        select(Assignment, LedgerItem)
        .join(LedgerItem, LedgerItem.id == Assignment.item_id)
        .where(
            Assignment.user_id == user.id, Assignment.team == team, Assignment.closed_at.is_(None)
        )
        .order_by(Assignment.routed_at)
    ).all()
    said = func.coalesce(HandoffRecord.recorded_at, HandoffRecord.published_at)
    handoffs = session.execute(
        select(HandoffRecord.author, said)
        .where(
            HandoffRecord.team == team,
            HandoffRecord.status == "published",  # nobody acknowledged it yet
            said >= now - UNACKNOWLEDGED_WINDOW,
            said <= now,
            or_(HandoffRecord.author_user_id.is_(None), HandoffRecord.author_user_id != user.id),
        )
        .order_by(said)
    ).all()
    mine = {i.id: i for i in _open_items(session, user, team)}
    moved = set(
        session.scalars(
            select(LedgerEvent.item_id).where(
                LedgerEvent.item_id.in_(mine), LedgerEvent.at > since, LedgerEvent.at <= now
            )
        )
    )
    names = names_of(session, team, user)
    return {
        "Handoffs to acknowledge": [
            f"{author or 'someone'}'s wrap of {messages.when_in(at, tz)}"
            for author, at in handoffs
            if (author or "").casefold() not in names
        ],
        "Blockers routed to you": [
            i.name for a, i in rows if a.reason == "blocker" and i.state == "open"
        ],
        "Items to acknowledge": [
            i.name
            for a, i in rows
            if a.reason in ("action", "handover") and a.acknowledged_at is None
        ],
        "Who can clear these?": [i.name for a, i in rows if a.reason == "who_can_clear"],
        "Items you own that moved": [
            mine[i].name
            for i in moved
            if any(is_handoff_id(h) for h in _handoffs_of(session, i, since))
        ],
    }


def _handoffs_of(session: Session, item_id: str, since: datetime) -> list[str]:
    return list(
        session.scalars(
            select(LedgerEvent.handoff_id).where(
                LedgerEvent.item_id == item_id, LedgerEvent.at > since
            )
        )
    )


def overdue_handoffs(session: Session, team: str, now: datetime) -> list[dict[str, str]]:
    """Published handoffs nobody acknowledged by the start of the next shift after them (the
    earliest next shift of the team's other members): flagged on the board."""
    if not rules(session, team).flag_unacknowledged:
        return []
    members = [u for u, t in _people(session) if t == team]
    out = []
    q = select(HandoffRecord).where(HandoffRecord.team == team, HandoffRecord.status == "published")
    for rec in session.scalars(q.order_by(HandoffRecord.published_at)):
        at = rec.recorded_at or rec.published_at
        if at is None:
            continue
        starts = [
            s
            for u in members
            if u.id != rec.author_user_id
            for s in _next_start(schedule(profile(session, u.id)), at)
        ]
        if starts and min(starts) <= now:
            out.append(
                {"handoff_id": rec.id, "author": rec.author or "", "due": min(starts).isoformat()}
            )
    return out


def _next_start(sched: Schedule, after: datetime) -> list[datetime]:
    for start, _ in sched.shifts(after, after + timedelta(days=14)):
        if start > after:
            return [start]
    return []


def rollup_slots(times: tuple[str, ...], tz: str, now: datetime) -> list[datetime]:
    """The rollup's moments (aware) on the local days of yesterday, today and tomorrow."""
    where = zone(tz)
    today = now.astimezone(where).date()
    out = []
    for offset in (-1, 0, 1):
        day = today + timedelta(days=offset)
        for t in times:
            hour, minute = (int(x) for x in t.split(":"))
            out.append(datetime.combine(day, time(hour, minute), tzinfo=where))
    return sorted(out)


def due_rollup(times: tuple[str, ...], tz: str, now: datetime) -> tuple[datetime, datetime] | None:
    """(since, slot) when a rollup slot began within ROLLUP_WINDOW before `now`: it covers the
    time since the slot before it (a day, for one time a day)."""
    slots = rollup_slots(times, tz, now)
    for i, slot in enumerate(slots):
        if slot <= now < slot + ROLLUP_WINDOW:
            since = slots[i - 1] if i > 0 else slot - timedelta(days=1)
            return since, slot
    return None


def send_rollups(session: Session, now: datetime, links: Links) -> int:
    """The team rollup to each team's channels (Slack channel, team email, webhook) at the local
    times its lead set, once per team, local day and time (the outbox key names them, so a tick
    five minutes later queues nothing). The text is the rollup's Markdown, as the page reads."""
    made = 0
    for row in session.scalars(select(TeamRules).order_by(TeamRules.team)).all():
        r = rules(session, row.team)
        found = due_rollup(r.rollup_times, r.rollup_timezone, now) if r.rollup_times else None
        to = team_addresses(session, row.team) if found else []
        if found is None or not to:
            continue
        since, slot = found
        local = slot.astimezone(zone(r.rollup_timezone))
        people = [
            Member(u.id, u.username, u.display_name or u.username)
            for u in members(session, row.team)
        ]
        rollup = team_rollup(session, row.team, since=since, until=slot, members=people)
        note = messages.team_rollup(
            row.team, team_markdown(rollup, base_url=links.base), local, links
        )
        rows = write(
            session,
            team=row.team,
            event=f"rollup:{row.team}:{local.date().isoformat()}:{local:%H:%M}",
            recipient=f"team:{row.team}",
            user_id=None,
            to=to,
            note=note,
            now=now,
        )
        made += 1 if rows else 0
    return made


def run_all(session: Session, now: datetime, links: Links) -> dict[str, int]:
    return {
        "escalated": escalate(session, now, links),
        "reminders": remind(session, now, links),
        "digests": digest(session, now, links),
        "rollups": send_rollups(session, now, links),
    }
