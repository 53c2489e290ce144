"""The SVG charts: round ticks, gaps for missing values, escaped text, stacked bars."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

from api.charts import Series, bar_chart, hbar_chart, line_chart, nice_ticks

SVG = "{http://www.w3.org/2000/svg}"


def test_ticks_are_round_and_cover_the_top() -> None:
    assert nice_ticks(27) == [0, 10, 20, 30]
    assert nice_ticks(100) == [0, 20, 40, 60, 80, 100]
    assert nice_ticks(0.7) == [0.0, 0.2, 0.4, 0.6, 0.8]
    assert nice_ticks(6, whole=True) == [0, 2, 4, 6]
    assert nice_ticks(1, whole=True) == [0, 1]  # counts never get a tick at 0.2
    assert nice_ticks(0) == [0.0, 1.0]


def test_a_missing_value_breaks_the_line_and_text_is_escaped() -> None:
    svg = line_chart(
        "Rate <b>&</b>",
        ["2 Nov", "9 Nov", "16 Nov", "23 Nov", "30 Nov"],
        [Series("a<script>", [50, 60, None, 70, 80])],
        unit="%",
        x_title="week",
        y_max=100,
    )
    root = ET.fromstring(str(svg))  # well-formed XML
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Rate <b>&</b>"  # type: ignore[union-attr]
    assert "<script>" not in str(svg) and "&lt;script&gt;" not in str(svg).split("<desc>")[0]
    lines = root.findall(f"{SVG}polyline")
    assert [len(p.get("points", "").split()) for p in lines] == [2, 2]
    assert len(root.findall(f"{SVG}circle")) == 4  # one per known value, none for the gap


def test_stacked_bars_reach_the_total() -> None:
    svg = bar_chart(
        "Questions",
        ["1 Nov", "2 Nov"],
        [Series("answered", [3, 0]), Series("no record", [1, 2])],
        unit="questions",
        x_title="day",
        stacked=True,
    )
    root = ET.fromstring(str(svg))
    rects = [r for r in root.findall(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    tips = [r.find(f"{SVG}title").text for r in rects]  # type: ignore[union-attr]
    assert tips == [
        "answered, 1 Nov: 3 questions",
        "no record, 1 Nov: 1 questions",
        "answered, 2 Nov: 0 questions",
        "no record, 2 Nov: 2 questions",
    ]
    heights = [float(r.get("height", "0")) for r in rects]
    assert heights[0] == 3 * heights[1] and heights[3] == 2 * heights[1]


def test_horizontal_bars_name_each_category() -> None:
    root = ET.fromstring(
        str(hbar_chart("Missing", ["What shipped", "Blockers"], [4, 2], unit="wraps"))
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "What shipped" in texts and "Blockers" in texts and "4" in texts


def test_a_new_metric_gets_a_panel_without_page_changes(tmp_path: Path) -> None:
    """A metric added to `METRICS` later (routed blockers escalated, say) is drawn too."""
    from api.metrics_page import panels
    from handoff.db import migrate, session_scope
    from handoff.metrics import Report, Row, Scope, Table, team_report

    url = f"sqlite:///{tmp_path / 'h.db'}"
    migrate(url)
    scope = Scope("pay", datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 9, tzinfo=UTC))
    with session_scope(url) as s:
        known = team_report(s, scope)
    escalated = Table(
        "escalations",
        "Routed blockers escalated",
        "week",
        "count",
        ("escalated",),
        "Blockers routed to someone and escalated, by week.",
        [Row("2026-11-02", {"escalated": 3})],
    )
    added = Report(scope, [*known.tables, escalated])
    assert len(panels(added)) == len(panels(known)) + 1
    assert "Routed blockers escalated" in str(panels(added)[-1].chart)
