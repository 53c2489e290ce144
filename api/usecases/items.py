"""The item ledger as people read it: a team's items (work, blockers, decisions, actions,
returns) with their state, one item with its timeline; and rebuilding the derived data (the
ledger, then the index) from the system of record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from api.usecases.teams import team_name
from api.wiring.index import ledger_fields
from api.wiring.services import Services
from handoff.ledger import ItemView


def items(
    svc: Services,
    team: str | None = None,
    *,
    kind: str | None = None,
    state: str | None = None,
    as_of: datetime | None = None,
    limit: int = 500,
) -> list[ItemView]:
    """The team's ledger items, newest activity first."""
    from handoff.ledger import read_items

    with svc.store.session() as session:
        return read_items(
            session,
            team_name(svc, team),
            kinds=[kind] if kind else None,
            states=[state] if state else None,
            as_of=as_of,
            limit=limit,
        )


def item(
    svc: Services, item_id: str, *, team: str | None = None, as_of: datetime | None = None
) -> ItemView:
    """One ledger item with its timeline and events (`NotFound` outside the team)."""
    from handoff.ledger import read_item

    with svc.store.session() as session:
        return read_item(session, item_id, team=team, as_of=as_of)


def fields(svc: Services, handoff_id: str) -> dict[str, str]:
    """Which ledger item each field of a handoff became ({"blockers[0]": item id, ...})."""
    return ledger_fields(svc.store, handoff_id)


def rebuild(
    svc: Services, *, team: str | None = None, progress: Callable[[int], None] | None = None
) -> tuple[int, int]:
    """Rebuild the ledger, then the index, from the system of record; returns how many
    handoffs each took in."""
    ledgered = svc.ledger.rebuild(svc.store, team=team)
    indexed = svc.index.rebuild(svc.store, team=team, progress=progress)
    return ledgered, indexed
