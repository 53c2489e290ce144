"""One-click actions from an email or a Slack message: what a signed link offers (the confirm
page) and doing it (the link used up and the action in one transaction).

The link is the credential: it names the person, the team, the item and the action, and it is
signed, expiring and single-use (`api.notify.links`). The action runs as the person it names,
whoever (if anyone) is signed in on the browser that opened it, and through the same domain
functions as the inbox's buttons, so the same checks apply (only the routed person, whom the
blocker names, or a lead resolves). An account disabled, or no longer in the team, or an item
not of the link's team, answers like a missing item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from api.notify.links import (
    ActionClaim,
    ActionLinkUsed,
    ActionTokenRecord,
    consume,
    read_action_token,
)
from api.usecases.protocol_delivery import queue_delivery
from api.wiring.services import Services
from api.wiring.store import links_for
from handoff.audit import Actor
from handoff.db import session_scope
from handoff.errors import NotFound
from handoff.identity.errors import Forbidden
from handoff.identity.models import UserRecord
from handoff.identity.roles import Role
from handoff.ledger.models import LedgerItem
from handoff.models import utcnow
from handoff.protocol import actions
from handoff.protocol.people import person_name, role_of

#: What each action is called on the confirm page, and the field it asks for (if any).
LABELS = {
    "acknowledge": ("I've got it", "read_back"),
    "resolve": ("Resolve", "note"),
    "not_mine": ("Not mine", "belongs_to"),
    "reassign": ("Name who can clear it", "to"),
}

_USED = "This action link was already used; each link works once, so open the item in handoff."


@dataclass(frozen=True, slots=True)
class Offer:
    """What the confirm page shows: which item, which action, for whom."""

    action: str
    label: str
    field: str
    item_id: str
    item: str
    kind: str
    state: str
    team: str
    person: str
    expires_at: datetime


def _subject(session: Session, claim: ActionClaim) -> tuple[UserRecord, LedgerItem]:
    """The person and the item the link names, both still in the link's team."""
    missing = NotFound(f"No item with id '{claim.item_id}'.")
    user = session.get(UserRecord, claim.user_id)
    if user is None or user.disabled or role_of(session, claim.team, user.id) is None:
        raise missing
    item = session.get(LedgerItem, claim.item_id)
    if item is None or item.team != claim.team:
        raise missing
    return user, item


def offer(svc: Services, token: str, *, now: datetime | None = None) -> Offer:
    """What the link offers; a link already used is refused here too (409), so the page never
    offers what the POST would refuse. Changes nothing."""
    claim = read_action_token(svc.settings, token, now=now or datetime.now(UTC))
    with session_scope(svc.settings.resolved_database_url) as session:
        if session.get(ActionTokenRecord, claim.token_id) is not None:
            raise ActionLinkUsed(_USED)
        user, item = _subject(session, claim)
        label, field = LABELS[claim.action]
        return Offer(
            action=claim.action,
            label=label,
            field=field,
            item_id=item.id,
            item=item.name,
            kind=item.kind,
            state=item.state,
            team=item.team,
            person=person_name(session, item.team, user),
            expires_at=claim.expires_at,
        )


def perform(
    svc: Services,
    token: str,
    form: dict[str, str],
    *,
    address: str | None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Use the link: mark it used and do its action as its person, in one transaction (an
    action refused rolls the mark back, so the link still works); then ask for delivery."""
    settings = svc.settings
    claim = read_action_token(settings, token, now=datetime.now(UTC))
    links = links_for(settings)
    at = now or utcnow()
    with session_scope(settings.resolved_database_url) as session:
        try:
            consume(session, claim, now=datetime.now(UTC))
        except ActionLinkUsed as exc:
            raise ActionLinkUsed(_USED) from exc
        user, item = _subject(session, claim)
        if claim.action == "reassign" and (role_of(session, claim.team, user.id) or 0) < Role.LEAD:
            raise Forbidden("Only a lead of the team names who can clear a blocker.")
        actor = Actor(user_id=user.id, name=f"{user.username} (action link)", address=address)
        common: dict[str, Any] = {"team": claim.team, "user": user, "actor": actor, "now": at}
        value = (form.get(LABELS[claim.action][1]) or "").strip()
        if claim.action == "acknowledge":
            done = actions.acknowledge(session, item.id, read_back=value or None, **common)
        elif claim.action == "resolve":
            done = actions.resolve(session, item.id, note=value, links=links, **common)
        elif claim.action == "not_mine":
            done = actions.not_mine(session, item.id, belongs_to=value, links=links, **common)
        else:
            done = actions.reassign(session, item.id, to=value, links=links, **common)
        out = {"item_id": done.item_id, "item": item.name, "action": done.action, **done.detail}
    queue_delivery(settings)
    return out
