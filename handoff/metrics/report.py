"""The metrics a team's report holds, in the order the page shows them.

Each metric is a function `(session, scope) -> list[Table]` in `METRICS`. A new one is a
function over its own tables added to this tuple: the page, the JSON and CSV exports and
`handoff metrics` show every table it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from handoff.metrics.context import time_to_context
from handoff.metrics.handoffs import (
    completeness,
    missing_fields,
    time_to_acknowledge,
    time_to_publish,
)
from handoff.metrics.items import (
    blockers_escalated,
    delivery_failures,
    item_acknowledgment,
    routed_to_resolved,
)
from handoff.metrics.ledger import blocker_age, relitigated, time_to_resolve
from handoff.metrics.scope import Scope
from handoff.metrics.table import Table, to_csv
from handoff.metrics.usage import query_usage

Metric = Callable[[Session, Scope], list[Table]]

METRICS: tuple[Metric, ...] = (
    completeness,
    missing_fields,
    time_to_publish,
    time_to_acknowledge,
    time_to_context,
    blocker_age,
    time_to_resolve,
    query_usage,
    relitigated,
    item_acknowledgment,
    blockers_escalated,
    routed_to_resolved,
    delivery_failures,
)


@dataclass(frozen=True, slots=True)
class Report:
    scope: Scope
    tables: list[Table]

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def to_json(self) -> dict[str, Any]:
        s = self.scope
        return {
            "team": s.team,
            "since": s.since.isoformat(),
            "until": s.until.isoformat(),
            "person": s.person,
            "within_days": s.relitigated_days,
            "metrics": {t.name: t.to_json() for t in self.tables},
        }

    def to_csv(self) -> str:
        return to_csv(self.tables)


def team_report(session: Session, scope: Scope, metrics: Sequence[Metric] = METRICS) -> Report:
    """Every metric of `scope`, computed from the system of record in one read transaction."""
    tables: list[Table] = []
    for metric in metrics:
        tables.extend(metric(session, scope))
    return Report(scope, tables)
