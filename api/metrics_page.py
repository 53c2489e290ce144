"""The metrics page: a team's report turned into headline figures and charts with their
definitions, in the order a lead reads them (is the protocol followed, is it fast, is it used)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup

from api.charts import Series, bar_chart, hbar_chart, line_chart
from handoff.metrics import Report, Table


@dataclass(frozen=True, slots=True)
class Panel:
    title: str
    chart: Markup
    definition: str
    table: Table | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Tile:
    label: str
    value: str
    detail: str


def short_day(key: str) -> str:
    """'2026-11-16' -> '16 Nov' (axis labels)."""
    d = date.fromisoformat(key)
    return f"{d.day} {d.strftime('%b')}"


def _labels(t: Table) -> list[str]:
    return [short_day(r.key) for r in t.rows]


def _sum(t: Table, measure: str) -> int:
    return int(sum(v or 0 for v in t.column(measure)))


def _last(t: Table, measure: str) -> Any:
    values = [v for v in t.column(measure) if v is not None]
    return values[-1] if values else None


def tiles(report: Report) -> list[Tile]:
    """The figures at the top: each exact over the period (or the last week, where it says so)."""
    people = report.table("completeness_by_person")
    published, forced = _sum(people, "published"), _sum(people, "overridden")
    rate = f"{100 * (published - forced) / published:.0f}%" if published else "–"
    ack = report.table("time_to_acknowledge")
    ctx = report.table("time_to_context")
    usage = report.table("query_usage")
    asked, answered = _sum(usage, "asked"), _sum(usage, "answered")
    ages = report.table("blocker_age")
    old = sum(int(r.values["blockers"] or 0) for r in ages.rows[2:])
    dec = report.table("decisions_relitigated")
    made, redone = _sum(dec, "decisions"), _sum(dec, "relitigated")
    last_ack, last_ctx = _last(ack, "median_hours"), _last(ctx, "median_minutes")
    esc = report.table("blockers_escalated")
    routed, escalated = _sum(esc, "routed"), _sum(esc, "escalated")
    return [
        Tile("Completeness", rate, f"{published - forced} of {published} published complete"),
        Tile(
            "Time to acknowledge",
            f"{last_ack:.1f} h" if last_ack is not None else "–",
            f"median, latest week · {_sum(ack, 'unacknowledged')} never acknowledged",
        ),
        Tile(
            "Time to context",
            f"{last_ctx:.0f} min" if last_ctx is not None else "–",
            "median, latest week",
        ),
        Tile(
            "Open blockers",
            str(_sum(ages, "blockers")),
            f"{old} open for 3 days or more",
        ),
        Tile(
            "Questions asked",
            str(asked),
            f"{100 * answered / asked:.0f}% answered" if asked else "none asked",
        ),
        Tile(
            "Blockers escalated",
            f"{100 * escalated / routed:.0f}%" if routed else "–",
            f"{escalated} of {routed} routed blockers",
        ),
        Tile(
            "Decisions re-litigated",
            f"{100 * redone / made:.0f}%" if made else "–",
            f"{redone} of {made} within {report.scope.relitigated_days} days",
        ),
    ]


#: Tables `panels` draws in its own way; any other a metric returns gets `generic_panel`.
DRAWN = frozenset(
    {
        "completeness_weekly",
        "completeness_by_person",
        "missing_fields",
        "time_to_publish",
        "time_to_acknowledge",
        "time_to_context",
        "time_to_context_by_person",
        "blocker_age",
        "open_blockers_weekly",
        "time_to_resolve",
        "query_usage",
        "decisions_relitigated",
        "item_time_to_acknowledge",
        "handoff_items_acknowledged",
        "blockers_escalated",
        "routed_blocker_resolution",
        "delivery_failures",
    }
)


def panels(report: Report) -> list[Panel]:
    """The known metrics' panels, then one for each table a newer metric adds."""
    return _known(report) + [generic_panel(t) for t in report.tables if t.name not in DRAWN]


def generic_panel(table: Table) -> Panel:
    """A table's headline measure over time as a line, or by category as bars."""
    head = table.measures[0]
    if table.dimension in ("week", "day"):
        chart = line_chart(
            table.title,
            _labels(table),
            [Series(head.replace("_", " "), table.column(head))],
            unit=table.unit,
            x_title="week starting" if table.dimension == "week" else "day",
        )
    else:
        chart = hbar_chart(
            table.title, [r.key for r in table.rows], table.column(head), unit=table.unit
        )
    return Panel(table.title, chart, table.definition, table)


def _known(report: Report) -> list[Panel]:
    t = report.table
    week = "week starting"
    return [
        _completeness(report),
        _missing(report),
        _hours(t("time_to_publish"), "hours from posted to published", week),
        _hours(t("time_to_acknowledge"), "hours from published to acknowledged", week, True),
        _context(report),
        *_blockers(report),
        _hours(t("time_to_resolve"), "hours from first named to resolved", week),
        _usage(report),
        _decisions(report),
        *_items(report),
    ]


def _items(report: Report) -> list[Panel]:
    """The item-level panels: acknowledgment per item and per handoff, escalation, routing to
    resolution, and delivery by channel."""
    t = report.table
    week = "week starting"
    esc = t("blockers_escalated")
    escalated = bar_chart(
        esc.title,
        _labels(esc),
        [Series("routed", esc.column("routed")), Series("escalated", esc.column("escalated"))],
        unit="blockers",
        x_title=week,
    )
    sent = t("delivery_failures")
    channels = bar_chart(
        sent.title,
        [r.key for r in sent.rows],
        [
            Series("delivered", sent.column("delivered")),
            Series("failed", sent.column("failed")),
            Series("pending", sent.column("pending")),
        ],
        unit="notifications",
        x_title="channel",
        stacked=True,
    )
    return [
        _hours(t("item_time_to_acknowledge"), "hours to acknowledge", week, True),
        _hours(t("handoff_items_acknowledged"), "hours until every item is taken", week, True),
        Panel(esc.title, escalated, esc.definition, esc),
        _hours(t("routed_blocker_resolution"), "hours from routed to resolved", week, True),
        Panel(sent.title, channels, sent.definition, sent, notes=_failure_notes(sent)),
    ]


def _failure_notes(sent: Table) -> list[str]:
    """One line: each channel's share of notifications that failed for good."""
    parts = []
    for r in sent.rows:
        v = r.values
        if v.get("failed_pct") is not None:
            parts.append(f"{r.key} {v['failed_pct']:.1f}% ({v['failed']} of {v['notifications']})")
    return ["Failed for good: " + ", ".join(parts) + "."] if parts else []


def _completeness(report: Report) -> Panel:
    comp = report.table("completeness_weekly")
    chart = line_chart(
        comp.title,
        _labels(comp),
        [Series("complete", comp.column("rate_pct"))],
        unit="% published without override",
        x_title="week starting",
        y_max=100,
    )
    return Panel(comp.title, chart, comp.definition, report.table("completeness_by_person"))


def _missing(report: Report) -> Panel:
    missing = report.table("missing_fields")
    chart = hbar_chart(
        missing.title,
        [r.key for r in missing.rows[:8]],
        missing.column("wraps_flagged")[:8],
        unit="wraps flagged",
    )
    return Panel(missing.title, chart, missing.definition, missing)


def _context(report: Report) -> Panel:
    ctx = report.table("time_to_context")
    chart = line_chart(
        ctx.title,
        _labels(ctx),
        [
            Series("median", ctx.column("median_minutes")),
            Series("90th percentile", ctx.column("p90_minutes")),
        ],
        unit="minutes",
        x_title="week starting",
    )
    return Panel(ctx.title, chart, ctx.definition, report.table("time_to_context_by_person"))


def _blockers(report: Report) -> list[Panel]:
    ages, weekly = report.table("blocker_age"), report.table("open_blockers_weekly")
    by_age = hbar_chart(
        ages.title, [r.key for r in ages.rows], ages.column("blockers"), unit="blockers"
    )
    open_at = bar_chart(
        weekly.title,
        _labels(weekly),
        [Series("open", weekly.column("open"))],
        unit="open blockers",
        x_title="week starting",
    )
    return [
        Panel(ages.title, by_age, ages.definition),
        Panel(weekly.title, open_at, weekly.definition),
    ]


def _usage(report: Report) -> Panel:
    usage = report.table("query_usage")
    chart = bar_chart(
        usage.title,
        _labels(usage),
        [
            Series("answered", usage.column("answered")),
            Series("no record", usage.column("no_record")),
        ],
        unit="questions",
        x_title="day",
        stacked=True,
    )
    followed = (
        f"{_sum(usage, 'citations_followed')} of {_sum(usage, 'citations')} citations given "
        "were followed."
    )
    return Panel(usage.title, chart, usage.definition, notes=[followed])


def _decisions(report: Report) -> Panel:
    dec = report.table("decisions_relitigated")
    chart = bar_chart(
        dec.title,
        _labels(dec),
        [
            Series("decisions made", dec.column("decisions")),
            Series("re-litigated", dec.column("relitigated")),
        ],
        unit="decisions",
        x_title="week starting",
    )
    notes = ["Decisions are the team's: the person filter does not apply to them."]
    return Panel(dec.title, chart, dec.definition, notes=notes if report.scope.person else [])


def _hours(table: Table, unit: str, x_title: str, with_figures: bool = False) -> Panel:
    chart = line_chart(
        table.title,
        _labels(table),
        [
            Series("median", table.column("median_hours")),
            Series("90th percentile", table.column("p90_hours")),
        ],
        unit=unit,
        x_title=x_title,
    )
    return Panel(table.title, chart, table.definition, table if with_figures else None)
