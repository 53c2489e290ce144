"""The item ledger over HTTP: every item of a team's work with its state and timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Query

from api.deps import ServicesDep
from api.params import IsoDateTime
from api.usecases import items
from handoff.errors import InvalidInput
from handoff.ledger import ItemView

router = APIRouter(tags=["items"])


def item_json(value: ItemView) -> dict[str, Any]:
    return value.to_json()


@router.get("/items", summary="The team's items (work, blockers, decisions, actions) and state")
def list_items(
    svc: ServicesDep,
    team: str | None = None,
    kind: Literal["work", "blocker", "decision", "action", "return"] | None = None,
    state: str | None = None,
    as_of: IsoDateTime | None = Query(default=None, description="State as it stood then."),
) -> list[dict[str, Any]]:
    as_of = _aware(as_of)
    found = items.items(svc, team, kind=kind, state=state, as_of=as_of)
    return [i.to_json(with_events=False) for i in found]


@router.get("/items/{item_id}", summary="One item with its timeline")
def get_item(
    item_id: str,
    svc: ServicesDep,
    team: str | None = None,
    as_of: IsoDateTime | None = Query(default=None, description="State as it stood then."),
) -> dict[str, Any]:
    return items.item(svc, item_id, team=team, as_of=_aware(as_of)).to_json()


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput("'as_of' needs a time zone, e.g. 2026-11-20T09:00:00+08:00.")
    return value
