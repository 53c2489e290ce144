"""The protocol's metrics, computed from the system of record (never estimated).

scope.py      the team, period and person a metric covers; SQL that differs between databases
table.py      what a metric answers (rows of a small table) and the CSV form of all of them
handoffs.py   completeness, missing fields, time to publish, time to acknowledge
context.py    time to context (shift start -> first acknowledgment)
ledger.py     blocker age, time to resolve, decisions re-litigated
usage.py      questions asked, answered vs "no record", citations followed
questions.py  the questions log those come from
items.py      per-item acknowledgment, routed blockers escalated and resolved, delivery failures
quantiles.py  medians and 90th percentiles ranked in the database
report.py     the registry of metrics (`METRICS`) and a team's report
"""

from handoff.metrics.report import METRICS, Metric, Report, team_report
from handoff.metrics.scope import Scope
from handoff.metrics.table import Row, Table

__all__ = ["METRICS", "Metric", "Report", "Row", "Scope", "Table", "team_report"]
