"""The protocol's use-cases: what the API, the pages and the CLI call. Each opens one
transaction for the change and its notifications (the outbox), then asks a worker to deliver.

Links in messages start at HANDOFF_PUBLIC_URL (the address people use).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.usecases.protocol_delivery import queue_delivery
from api.wiring.services import Services
from api.wiring.store import links_for
from handoff.audit import Actor, record
from handoff.db import session_scope
from handoff.errors import NotFound
from handoff.identity.models import UserRecord
from handoff.ledger.models import LedgerEvent, LedgerItem
from handoff.models import HandoffRecord, utcnow
from handoff.protocol import actions, inbox, people, schedule
from handoff.protocol.messages import Links
from handoff.protocol.models import OutboxRow
from handoff.protocol.outbox import status_json
from handoff.settings import Settings
from handoff.teams import validate_team

T = TypeVar("T")
LIVE_STATES = ("open", "in_progress", "blocked", "in_review")


def links(settings: Settings) -> Links:
    return links_for(settings)


def _user(session: Session, user_id: str) -> UserRecord:
    user = session.get(UserRecord, user_id)
    if user is None or user.disabled:
        raise NotFound("No such account.")
    return user


def _act(svc: Services, work: Callable[[Session], T]) -> T:
    with session_scope(svc.settings.resolved_database_url) as session:
        out = work(session)
    queue_delivery(svc.settings)
    return out


def _done(done: actions.Done) -> dict[str, Any]:
    return {
        "item_id": done.item_id,
        "action": done.action,
        "at": done.at.isoformat(),
        **done.detail,
    }


def acknowledge(
    svc: Services,
    item_id: str,
    *,
    team: str | None,
    user_id: str,
    actor: Actor,
    read_back: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    return _act(
        svc,
        lambda s: _done(
            actions.acknowledge(
                s,
                item_id,
                team=team,
                user=_user(s, user_id),
                actor=actor,
                now=now or utcnow(),
                read_back=read_back,
            )
        ),
    )


def not_mine(
    svc: Services,
    item_id: str,
    *,
    team: str | None,
    user_id: str,
    actor: Actor,
    belongs_to: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    return _act(
        svc,
        lambda s: _done(
            actions.not_mine(
                s,
                item_id,
                team=team,
                user=_user(s, user_id),
                belongs_to=belongs_to,
                actor=actor,
                links=links(svc.settings),
                now=now or utcnow(),
            )
        ),
    )


def resolve(
    svc: Services,
    item_id: str,
    *,
    team: str | None,
    user_id: str,
    actor: Actor,
    note: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    return _act(
        svc,
        lambda s: _done(
            actions.resolve(
                s,
                item_id,
                team=team,
                user=_user(s, user_id),
                note=note,
                actor=actor,
                links=links(svc.settings),
                now=now or utcnow(),
            )
        ),
    )


def reassign(
    svc: Services,
    item_id: str,
    *,
    team: str | None,
    user_id: str,
    actor: Actor,
    to: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    return _act(
        svc,
        lambda s: _done(
            actions.reassign(
                s,
                item_id,
                team=team,
                user=_user(s, user_id),
                to=to,
                actor=actor,
                links=links(svc.settings),
                now=now or utcnow(),
            )
        ),
    )


def acknowledge_handoff_items(
    svc: Services, handoff_id: str, *, user_id: str, actor: Actor, now: datetime | None = None
) -> int:
    """The whole-handoff acknowledgment as a shortcut: each live item the handoff spoke of
    (in-flight work, open blockers and next actions) is acknowledged by the caller."""

    def work(s: Session) -> int:
        user = _user(s, user_id)
        ids = set(
            s.scalars(select(LedgerEvent.item_id).where(LedgerEvent.handoff_id == handoff_id))
        )
        live = s.scalars(
            select(LedgerItem.id)
            .where(
                LedgerItem.id.in_(ids),
                LedgerItem.kind.in_(("work", "blocker", "action")),
                LedgerItem.state.in_(LIVE_STATES),
            )
            .order_by(LedgerItem.first_at, LedgerItem.id)
        ).all()
        for item_id in live:
            actions.acknowledge(s, item_id, team=None, user=user, actor=actor, now=now or utcnow())
        return len(live)

    return _act(svc, work)


def inbox_of(svc: Services, user_id: str, *, teams: list[str] | None = None) -> dict[str, Any]:
    with session_scope(svc.settings.resolved_database_url) as session:
        return inbox.inbox(session, _user(session, user_id), teams=teams)


def items_of_handoff(svc: Services, handoff_id: str) -> list[dict[str, Any]]:
    """The ledger items a published handoff spoke of, for its page's per-item actions."""
    with session_scope(svc.settings.resolved_database_url) as session:
        ids = set(
            session.scalars(select(LedgerEvent.item_id).where(LedgerEvent.handoff_id == handoff_id))
        )
        rows = session.scalars(
            select(LedgerItem)
            .where(LedgerItem.id.in_(ids), LedgerItem.kind.in_(("work", "blocker", "action")))
            .order_by(LedgerItem.kind, LedgerItem.first_at, LedgerItem.id)
        )
        acks = inbox.acknowledgments(session, handoff_id)["items"]
        taken = {a["item_id"]: a["acknowledgments"] for a in acks}
        return [
            {
                "acknowledgments": taken.get(i.id, []),
                "id": i.id,
                "kind": i.kind,
                "name": i.name,
                "state": i.state,
                "owner": i.owner,
                "needed_from": i.needed_from,
            }
            for i in rows
        ]


def inbox_count(svc: Services, user_id: str) -> int:
    return int(inbox_of(svc, user_id)["count"])


def handoff_notifications(svc: Services, handoff_id: str) -> dict[str, Any]:
    """Delivery status of every notification a handoff caused, with publish -> delivered
    latency per row and the slowest per channel."""
    with session_scope(svc.settings.resolved_database_url) as session:
        rec = session.get(HandoffRecord, handoff_id)
        if rec is None:
            raise NotFound(f"No handoff with id '{handoff_id}'.")
        rows = session.scalars(
            select(OutboxRow).where(OutboxRow.handoff_id == handoff_id).order_by(OutboxRow.id)
        ).all()
        out = [status_json(r, r.created_at) for r in rows]
    by_status: dict[str, int] = {}
    slowest: dict[str, float] = {}
    for r in out:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
        if r["latency_s"] is not None:
            slowest[r["channel"]] = max(slowest.get(r["channel"], 0.0), r["latency_s"])
    return {
        "handoff_id": handoff_id,
        "counts": by_status,
        "latency_s": slowest,
        "notifications": out,
    }


def handoff_acknowledgments(svc: Services, handoff_id: str) -> dict[str, Any]:
    with session_scope(svc.settings.resolved_database_url) as session:
        return inbox.acknowledgments(session, handoff_id)


# -- the person's settings and the team's rules -------------------------------------------------
def profile_of(svc: Services, user_id: str) -> dict[str, Any]:
    with session_scope(svc.settings.resolved_database_url) as session:
        user = _user(session, user_id)
        return people.profile_json(people.profile(session, user.id), user)


def set_profile(
    svc: Services, user_id: str, patch: dict[str, Any], *, actor: Actor
) -> dict[str, Any]:
    with session_scope(svc.settings.resolved_database_url) as session:
        user = _user(session, user_id)
        row = people.update_profile(session, user.id, patch)
        record(
            session,
            actor,
            "profile.set",
            resource=("user", user.id),
            detail={"fields": sorted(patch)},
        )
        return people.profile_json(row, user)


def rules_of(svc: Services, team: str) -> dict[str, Any]:
    with session_scope(svc.settings.resolved_database_url) as session:
        return people.rules(session, validate_team(team)).to_json()


def set_rules(svc: Services, team: str, patch: dict[str, Any], *, actor: Actor) -> dict[str, Any]:
    slug = validate_team(team)
    with session_scope(svc.settings.resolved_database_url) as session:
        out = people.update_rules(session, slug, patch).to_json()
        record(session, actor, "team.rules", team=slug, resource=("team", slug), detail=dict(patch))
        return out


def overdue(svc: Services, team: str, *, now: datetime | None = None) -> list[dict[str, str]]:
    with session_scope(svc.settings.resolved_database_url) as session:
        return schedule.overdue_handoffs(session, validate_team(team), now or utcnow())


# -- the clock's work ---------------------------------------------------------------------------
def tick(settings: Settings, *, now: datetime | None = None) -> dict[str, int]:
    """Escalations, reminders and digests due at `now`, written to the outbox."""
    at = now or utcnow()
    with session_scope(settings.resolved_database_url) as session:
        made = schedule.run_all(session, at, links(settings))
    return made
