"""Metrics of the handoffs themselves: how complete they are when published, what people leave
out, and how long publishing and acknowledging take.

A person filter selects that person's handoffs (by author).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import case, func, literal, literal_column, select, true
from sqlalchemy.orm import Session

from handoff.metrics.quantiles import Spread, concatenated, spread_of, spread_values
from handoff.metrics.scope import Scope, Sql, median, p90, rounded, weeks_in
from handoff.metrics.table import Row, Table, rows
from handoff.models import AuditEvent, HandoffRecord
from handoff.protocol.models import Assignment

#: Routings a person answers by acknowledging: all but the leads' "who can clear this?".
ACKNOWLEDGED_REASONS = ("blocker", "action", "handover", "taken")

H = HandoffRecord

#: Missing-field flags as a lead reads them.
FIELD_LABELS = {
    "shipped": "What shipped",
    "in_flight": "Work in flight",
    "decisions": "Decisions",
    "blockers": "Blockers",
    "next_actions": "Next actions",
    "returns_at": "When the author is back",
    "blockers[].needed_from": "Who can clear a blocker",
    "next_actions[].owner": "Owner of a next action",
    "decisions[].rationale": "Why a decision was made",
}


def _published(scope: Scope) -> list[Any]:
    where = [H.team == scope.team, H.published_at >= scope.since, H.published_at < scope.until]
    if scope.who:
        where.append(func.lower(H.author) == scope.who)
    return where


@dataclass(frozen=True, slots=True)
class Published:
    """The period's published handoffs as the handoff metrics see them, aggregated in the
    database: (published, overridden) by week and by author, and the spread of hours to publish
    and to the first acknowledgment by week (seconds; a handoff nobody acknowledged counts in
    `total` without a value)."""

    weekly: dict[str, list[int]]
    people: dict[str, list[int]]
    to_publish: dict[str, Spread]
    to_acknowledge: dict[str, Spread]
    #: Seconds until every item the handoff put in front of someone was acknowledged; `total`
    #: counts the handoffs that put anything out, `n` those whose items are all taken.
    items_taken: dict[str, Spread]


#: Marks, among a week's joined values, a handoff with an item nobody has acknowledged yet.
WAITING = -1e12


def published(session: Session, scope: Scope) -> Published:
    """Read once per report (kept in the session's `info`) from the covering index:
    completeness, time to publish and time to acknowledge share it. The first acknowledgment
    comes from the handoff's trail (a later one replaces the handoff's own `acknowledged_at`)."""
    key = ("metrics.published", scope)
    if key in session.info:
        return cast(Published, session.info[key])
    sql = Sql(session)
    e = AuditEvent
    first_ack = (
        select(func.min(e.at))
        .where(e.handoff_id == H.id, e.action == "acknowledged", e.at >= H.published_at)
        .correlate(H)
        .scalar_subquery()
    )
    a = Assignment
    all_taken = (
        select(
            case(
                (func.count() == 0, None),
                (func.count(a.acknowledged_at) < func.count(), literal(WAITING)),
                else_=sql.seconds(H.published_at, func.max(a.acknowledged_at)),
            )
        )
        # one range of the index per handoff (an IN list would seek once per reason)
        .where(a.handoff_id == H.id, a.reason != "who_can_clear")
        .correlate(H)
        .scalar_subquery()
    )
    week = sql.week(H.published_at)
    forced = func.sum(case((H.force_reason.is_not(None), 1), else_=0))
    by_author = select(H.author, func.count(), forced).where(*_published(scope))
    people = {
        author or "(no author)": [int(n), int(f or 0)]
        for author, n, f in session.execute(by_author.group_by(H.author))
    }
    # one pass over the index: counts, and both durations of every handoff, a week a row
    by_week = select(
        week,
        func.count(),
        forced,
        concatenated(session, sql.seconds(H.created_at, H.published_at)),
        concatenated(session, sql.seconds(H.published_at, first_ack)),
        concatenated(session, all_taken),
    ).where(*_published(scope))
    weekly: dict[str, list[int]] = {}
    to_publish: dict[str, Spread] = {}
    to_ack: dict[str, Spread] = {}
    taken: dict[str, Spread] = {}
    for w, n, f, pub, ack, items in session.execute(by_week.group_by(week)):
        weekly[str(w)] = [int(n), int(f or 0)]
        to_publish[str(w)] = spread_of(pub, int(n))
        to_ack[str(w)] = spread_of(ack, int(n))
        taken[str(w)] = _taken(items)
    out = Published(weekly, people, to_publish, to_ack, taken)
    session.info[key] = out
    return out


def _taken(joined: str | None) -> Spread:
    """A week's handoffs that put items out: all of them (`total`), and the seconds until every
    item was taken of those whose items all are."""
    xs = [float(x) for x in joined.split(",")] if joined else []
    done = [max(0.0, x) for x in xs if x > WAITING / 2]
    return Spread(len(xs), len(done), median(done), p90(done))


def completeness(session: Session, scope: Scope) -> list[Table]:
    """Handoffs published without an override, over all published, per week and per person."""
    got = published(session, scope)
    definition = (
        "Handoffs published without an override (every required field present) divided by all "
        "handoffs published, by the week (UTC, from Monday) or the author."
    )
    empty = {"rate_pct": None, "published": 0, "overridden": 0}
    return [
        Table(
            "completeness_weekly",
            "Handoff completeness by week",
            "week",
            "%",
            ("rate_pct", "published", "overridden"),
            definition,
            rows(weeks_in(scope), {w: _rate(v) for w, v in got.weekly.items()}, empty),
        ),
        Table(
            "completeness_by_person",
            "Handoff completeness by person",
            "person",
            "%",
            ("rate_pct", "published", "overridden"),
            definition,
            [Row(p, _rate(v)) for p, v in sorted(got.people.items(), key=lambda kv: kv[0].lower())],
        ),
    ]


def _rate(counts: list[int]) -> dict[str, Any]:
    published, forced = counts
    rate = 100.0 * (published - forced) / published if published else None
    return {"rate_pct": rounded(rate, 1), "published": published, "overridden": forced}


def missing_fields(session: Session, scope: Scope) -> list[Table]:
    """Which required fields wraps leave out: flags on the extracted draft of wraps posted in the
    period, and flags still open on handoffs published over an override."""
    flagged = _flag_counts(session, scope, H.draft, H.created_at, forced_only=False)
    forced = _flag_counts(session, scope, H.declaration, H.published_at, forced_only=True)
    fields = sorted(set(flagged) | set(forced), key=lambda f: (-flagged.get(f, 0), f))
    return [
        Table(
            "missing_fields",
            "Fields most often missing",
            "field",
            "count",
            ("wraps_flagged", "published_missing"),
            "Wraps posted in the period whose extracted draft was flagged as missing the field "
            "(a field of several items counts once per wrap), and handoffs published over an "
            "override with the field still missing.",
            [
                Row(
                    FIELD_LABELS.get(f, f),
                    {"wraps_flagged": flagged.get(f, 0), "published_missing": forced.get(f, 0)},
                )
                for f in fields
            ],
        )
    ]


def _flag_counts(
    session: Session, scope: Scope, document: Any, when: Any, *, forced_only: bool
) -> dict[str, int]:
    """{field without item index: handoffs flagged}, read from the JSON documents by SQL."""
    sql = Sql(session)
    where = [H.team == scope.team, when >= scope.since, when < scope.until]
    if forced_only:
        where.append(H.force_reason.is_not(None))
    if scope.who:
        where.append(func.lower(H.author) == scope.who)
    raw: Any
    if sql.sqlite:  # the expression the migration indexes: read from the index
        missing = func.json_extract(document, literal_column("'$.missing'"))
        flags = func.json_each(missing).table_valued("value").alias("flag")
        raw = func.json_extract(flags.c.value, "$.field")
    else:
        flags = func.json_array_elements(document.op("->")("missing")).table_valued("value")
        flags = flags.alias("flag")
        raw = flags.c.value.op("->>")("field")
    # each flag's field read once (materialized), then its item index dropped: the expression
    # that drops it names the field several times
    found = (
        select(H.id.label("id"), raw.label("field"))
        .select_from(H)
        .join(flags, true())
        .where(*where)  # a document without flags (or none) joins no rows
        .cte("flagged")
        .prefix_with("MATERIALIZED")
    )
    name = sql.unindexed_field(found.c.field)
    q = select(name, func.count(func.distinct(found.c.id))).group_by(name)
    return {str(f): int(n) for f, n in session.execute(q) if f}


def time_to_publish(session: Session, scope: Scope) -> list[Table]:
    """Hours from a wrap being posted to its handoff being published, by week of publishing."""
    return [
        _durations(
            "time_to_publish",
            "Time to publish",
            "From the wrap being posted (the handoff created) to its publication; median and "
            "90th percentile of the handoffs published that week.",
            scope,
            published(session, scope).to_publish,
        )
    ]


def time_to_acknowledge(session: Session, scope: Scope) -> list[Table]:
    """Hours from publication to the first acknowledgment, and how many wait unacknowledged."""
    table = _durations(
        "time_to_acknowledge",
        "Time to acknowledge",
        "From a handoff's publication to its first acknowledgment by the incoming shift; "
        "median and 90th percentile of the handoffs published that week, and how many of them "
        "nobody has acknowledged.",
        scope,
        published(session, scope).to_acknowledge,
        waiting=True,
    )
    return [table]


def _durations(
    name: str,
    title: str,
    definition: str,
    scope: Scope,
    by_week: dict[str, Spread],
    *,
    waiting: bool = False,
) -> Table:
    measures: tuple[str, ...] = ("median_hours", "p90_hours", "handoffs")
    if waiting:
        measures += ("unacknowledged",)
    out = []
    for w in weeks_in(scope):
        spread = by_week.get(w)
        s = spread_values(spread, 3600)
        values: dict[str, Any] = {
            "median_hours": s["median"],
            "p90_hours": s["p90"],
            "handoffs": s["n"],
        }
        if waiting:
            values["unacknowledged"] = spread.total - spread.n if spread else 0
        out.append(Row(w, values))
    return Table(name, title, "week", "hours", measures, definition, out)
