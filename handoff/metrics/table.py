"""What every metric answers: a small table (one row per week, day, person, field or age), its
unit and its definition, in a form the page plots and the API exports as JSON or CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # the week's Monday, the day, the person, the field or the age bucket
    values: dict[str, float | int | None]

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, **self.values}


@dataclass(frozen=True, slots=True)
class Table:
    """One metric over one dimension. `measures` names the values of each row, the first being
    the headline (what a chart plots); `unit` is the headline's unit."""

    name: str
    title: str
    dimension: str  # week | day | person | field | age
    unit: str  # "%", "hours", "minutes", "count"
    measures: tuple[str, ...]
    definition: str
    rows: list[Row] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "dimension": self.dimension,
            "unit": self.unit,
            "measures": list(self.measures),
            "definition": self.definition,
            "rows": [r.to_json() for r in self.rows],
        }

    def column(self, measure: str) -> list[float | int | None]:
        return [r.values.get(measure) for r in self.rows]


def to_csv(tables: Iterable[Table]) -> str:
    """Every table in one tidy CSV: metric, dimension, key, measure, value, unit (one value a
    line), which any spreadsheet pivots back into the tables."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["metric", "dimension", "key", "measure", "value", "unit"])
    for t in tables:
        for r in t.rows:
            for m in t.measures:
                value = r.values.get(m)
                unit = t.unit if m == t.measures[0] else _unit_of(m)
                writer.writerow(
                    [t.name, t.dimension, r.key, m, "" if value is None else value, unit]
                )
    return out.getvalue()


def _unit_of(measure: str) -> str:
    if measure.endswith("_hours"):
        return "hours"
    if measure.endswith("_minutes"):
        return "minutes"
    if measure.endswith("_pct"):
        return "%"
    return "count"


def rows(
    keys: Sequence[str], values: dict[str, dict[str, Any]], empty: dict[str, Any]
) -> list[Row]:
    """A row for every key, in order; a key with no data gets `empty` (zeros or None)."""
    return [Row(k, dict(values.get(k, empty))) for k in keys]
