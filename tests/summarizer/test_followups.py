"""Follow-up questions and answers merged into a stored draft, through services and the CLI."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from click.testing import CliRunner

from api.cli import cli
from api.usecases import followups, posting
from handoff.errors import InvalidInput

WRAP = (
    "The notification refactor is in progress. The staging database is full and blocks deploys. "
    "We decided to drop IE11 support. Someone should look at the flaky checkout test."
)
AT = datetime.fromisoformat("2026-11-19T17:00:00+01:00")


def stored(services: Any) -> str:
    return str(posting.ingest_text(services, WRAP, author="Olu", team="web", recorded_at=AT).id)


def test_every_flag_has_one_short_question(services: Any) -> None:
    items = followups.followups(services, stored(services), team="web")
    assert [i["field"] for i in items] == [
        "shipped", "returns_at", "blockers[0].needed_from", "next_actions[0].owner",
        "decisions[0].rationale",
    ]  # fmt: skip
    assert all(i["question"].endswith("?") and len(i["question"]) < 90 for i in items)
    assert "Who will look at the flaky checkout test?" in {i["question"] for i in items}


def test_answers_merge_and_flags_are_recomputed(services: Any) -> None:
    hid = stored(services)
    h = followups.answer_followup(
        services,
        hid,
        field="blockers.needed_from",
        answer="only the DBA team, Marco specifically, can grow it",
    )
    assert h.declaration.blockers[0].needed_from == "Marco"
    h = followups.answer_followup(services, hid, field="next_actions[0].owner", answer="I will")
    assert h.declaration.next_actions[0].owner == "Olu"
    h = followups.answer_followup(
        services, hid, field="decisions[0].rationale", answer="because usage is under 0.1%"
    )
    assert h.declaration.decisions[0].rationale == "usage is under 0.1%"
    h = followups.answer_followup(
        services, hid, field="shipped", answer="nothing shipped this shift"
    )
    assert "shipped" in h.declaration.stated_empty
    h = followups.answer_followup(services, hid, field="returns_at", answer="Monday 9am CET")
    assert h.declaration.returns_at_iso == datetime.fromisoformat("2026-11-23T09:00:00+01:00")
    assert h.declaration.missing == []
    trail = services.store.audit_trail(hid, team="web")
    assert [e["action"] for e in trail].count("edited") == 5


def test_part_answers_are_read_as_items(services: Any) -> None:
    hid = stored(services)
    h = followups.answer_followup(
        services, hid, field="shipped", answer="merged the login fix, PR #812"
    )
    assert h.declaration.shipped[0].refs == ["#812"]
    assert h.declaration.shipped[0].evidence[0].quote == "merged the login fix, PR #812"


def test_bad_answers_are_one_sentence_errors(services: Any) -> None:
    hid = stored(services)
    with pytest.raises(InvalidInput, match="no open question"):
        followups.answer_followup(services, hid, field="in_flight", answer="x")
    with pytest.raises(InvalidInput, match="Could not read a time"):
        followups.answer_followup(services, hid, field="returns_at", answer="whenever")
    with pytest.raises(InvalidInput, match="names nobody"):
        followups.answer_followup(services, hid, field="next_actions[0].owner", answer="nobody yet")


def test_cli_followups_and_answer(services: Any) -> None:
    hid = stored(services)
    runner = CliRunner()
    out = runner.invoke(cli, ["followups", hid, "--team", "web"])
    assert out.exit_code == 0 and "blockers[0].needed_from: Who can resolve" in out.output
    out = runner.invoke(cli, ["answer", hid, "blockers[0].needed_from", "Marco", "--team", "web"])
    assert out.exit_code == 0, out.output
    assert '"needed_from": "Marco"' in out.output
    bad = runner.invoke(cli, ["answer", hid, "returns_at", "whenever", "--team", "web"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
