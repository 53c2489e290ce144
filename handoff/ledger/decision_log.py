"""The team's decision log: every decision the ledger holds, numbered in the order it was made,
with its rationale, who made it and when, the quote it came from, and whether a later decision
replaced it.

Numbers follow the order decisions were first made (then the item id), so re-reading the log
after more handoffs gives every earlier decision the number it had: a team can commit the ADRs it
exports and re-export them without renumbering. Deleting a handoff removes its decisions, and
later numbers then move down by one; the log says so rather than keeping holes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from handoff.ledger.models import LedgerItem
from handoff.ledger.queries import EventView, ItemView, read_items


@dataclass(frozen=True, slots=True)
class LoggedDecision:
    """One decision as the log shows it (and as an ADR records it)."""

    number: int
    item_id: str
    team: str
    title: str
    status: str  # "accepted" | "superseded"
    decided_at: datetime
    decided_by: str | None
    rationale: str | None
    quote: str | None
    start_s: float | None
    handoff_id: str
    about: str | None  # the name of the item the decision is about, when the ledger knows it
    superseded_by: int | None = None
    superseded_at: datetime | None = None
    supersedes: tuple[int, ...] = ()
    handoffs: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "item_id": self.item_id,
            "team": self.team,
            "title": self.title,
            "status": self.status,
            "decided_at": self.decided_at.isoformat(),
            "decided_by": self.decided_by,
            "rationale": self.rationale,
            "quote": self.quote,
            "start_s": self.start_s,
            "handoff_id": self.handoff_id,
            "about": self.about,
            "superseded_by": self.superseded_by,
            "superseded_at": self.superseded_at.isoformat() if self.superseded_at else None,
            "supersedes": list(self.supersedes),
            "handoffs": list(self.handoffs),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoggedDecision:
        """The inverse of `to_json` (the remote CLI renders ADRs from the server's JSON)."""
        superseded_at = data.get("superseded_at")
        return cls(
            number=int(data["number"]),
            item_id=str(data["item_id"]),
            team=str(data["team"]),
            title=str(data["title"]),
            status=str(data["status"]),
            decided_at=datetime.fromisoformat(data["decided_at"]),
            decided_by=data.get("decided_by"),
            rationale=data.get("rationale"),
            quote=data.get("quote"),
            start_s=data.get("start_s"),
            handoff_id=str(data["handoff_id"]),
            about=data.get("about"),
            superseded_by=data.get("superseded_by"),
            superseded_at=datetime.fromisoformat(superseded_at) if superseded_at else None,
            supersedes=tuple(int(n) for n in data.get("supersedes", [])),
            handoffs=tuple(str(h) for h in data.get("handoffs", [])),
        )


def read_decision_log(session: Session, team: str) -> list[LoggedDecision]:
    """The team's decisions, oldest first, numbered from 1."""
    found = read_items(session, team, kinds=["decision"])
    found.sort(key=lambda it: (_aware(it.first_at), it.id))
    numbers = {it.id: n for n, it in enumerate(found, start=1)}
    about = _names(session, team, {it.parent_id for it in found if it.parent_id})
    return [_logged(it, numbers, about) for it in found]


def _logged(item: ItemView, numbers: dict[str, int], about: dict[str, str]) -> LoggedDecision:
    decided = _first(item.events, "decided") or item.events[0]
    superseded = _first(item.events, "superseded")
    replaced = [numbers[i] for i in decided.detail.get("supersedes", []) if i in numbers]
    return LoggedDecision(
        number=numbers[item.id],
        item_id=item.id,
        team=item.team,
        title=item.name,
        status="superseded" if item.state == "superseded" else "accepted",
        decided_at=_aware(decided.at),
        decided_by=decided.author,
        rationale=_rationale(item.events),
        quote=decided.quote,
        start_s=decided.start_s,
        handoff_id=decided.handoff_id,
        about=about.get(item.parent_id or ""),
        superseded_by=numbers.get(item.superseded_by or ""),
        superseded_at=_aware(superseded.at) if superseded else None,
        supersedes=tuple(sorted(replaced)),
        handoffs=tuple(dict.fromkeys(e.handoff_id for e in item.events)),
    )


def _first(events: Sequence[EventView], action: str) -> EventView | None:
    return next((e for e in events if e.action == action), None)


def _rationale(events: Sequence[EventView]) -> str | None:
    """The latest reason any handoff gave for the decision (a later wrap may add the why)."""
    reasons = [e.detail.get("rationale") for e in events if e.detail.get("rationale")]
    return str(reasons[-1]) if reasons else None


def _names(session: Session, team: str, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(
        select(LedgerItem.id, LedgerItem.name).where(
            LedgerItem.team == team, LedgerItem.id.in_(tuple(ids))
        )
    )
    return {row.id: row.name for row in rows}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
