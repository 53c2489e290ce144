"""`handoff eval qa` on the dev scenario: every question right offline, baseline beside it."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.qa import DATA, load_jsonl, run
from eval.qa_score import judge


def test_judge_must_and_must_not() -> None:
    assert judge("Priya can clear the VPN blocker", [["VPN"], ["Priya", "IT"]], [])[0]
    assert not judge("Priya can clear it", [["VPN"]], [])[0]
    assert not judge("VPN, per Priya", [["VPN"]], ["priya"])[0]


def test_dev_scenario_shape() -> None:
    rows = load_jsonl(DATA / "scenario.jsonl")
    qs = load_jsonl(DATA / "questions.jsonl")
    assert len({r["team"] for r in rows}) >= 2 and len(qs) >= 40
    days = sorted({r["recorded_at"][:10] for r in rows})
    assert days[0] <= "2026-11-09" and days[-1] >= "2026-11-16"


@pytest.mark.slow
def test_every_dev_question_right_offline(home: Path) -> None:
    report = run(DATA / "scenario.jsonl", DATA / "questions.jsonl", verbose=False)
    assert report["ingest_problems"] == []
    assert report["ours"]["right"] == report["questions"], [
        d for d in report["details"] if not d["ok"]
    ]
    assert report["baseline"]["right"] < report["questions"]


def test_fresh_scenario_shape() -> None:
    """The second scenario, written apart from the code: natural wraps, three teams."""
    rows = load_jsonl(DATA / "fresh_scenario.jsonl")
    qs = load_jsonl(DATA / "fresh_questions.jsonl")
    assert len({r["team"] for r in rows}) >= 3 and 20 <= len(rows) <= 30 and len(qs) >= 40
    assert len({r["recorded_at"][:10] for r in rows}) >= 10
    assert {q["team"] for q in qs} <= {r["team"] for r in rows}
    assert any(q.get("conversation") for q in qs)


@pytest.mark.slow
def test_fresh_scenario_publishes_like_the_cli_and_answers(home: Path) -> None:
    # Its wraps leave parts unsaid ("nothing shipped" is rarely written): `handoff ingest
    # X.jsonl --publish` still publishes them, so the eval must too, or it scores nothing.
    report = run(DATA / "fresh_scenario.jsonl", DATA / "fresh_questions.jsonl", verbose=False)
    assert report["ingest_problems"] == []
    assert report["ours"]["right"] == report["questions"], [
        d for d in report["details"] if not d["ok"]
    ]
