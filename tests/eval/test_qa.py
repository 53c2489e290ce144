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
