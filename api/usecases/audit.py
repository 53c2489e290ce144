"""Audit rows for changes that live outside the handoff store's transaction.

A handoff's post, edit, answer, publish, unpublish, delete and acknowledgment are logged by the
store in the change's own transaction. A vocabulary edit (the vocabulary's own storage) and a
job retry (the job table, then the queue) are logged here, right after the change: one
append-only row each, who, what, which team and resource, from where.
"""

from __future__ import annotations

from typing import Any

from api.wiring.services import Services
from handoff.audit import Actor, record
from handoff.db import session_scope


def log(
    svc: Services,
    actor: Actor,
    action: str,
    *,
    team: str | None,
    resource: tuple[str, str] | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write one audit row now (its own transaction)."""
    with session_scope(svc.settings.resolved_database_url) as session:
        record(session, actor, action, team=team, resource=resource, detail=detail)
