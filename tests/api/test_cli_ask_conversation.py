"""`handoff ask` conversations: --follow-up, --conversation NAME and -i keep earlier questions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from api.cli import cli
from tests.search.conftest import load_history

WHEN = "2026-11-17T20:00:00+00:00"  # two open blockers: Priya's and Sarah's


def ask(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, ["ask", *args, "--team", "core", "--as-of", WHEN], input=input)


def answer(out: Any) -> dict[str, Any]:
    assert out.exit_code == 0, out.output
    return dict(json.loads(out.stdout))


def test_plain_ask_is_unchanged_and_follow_up_keeps_the_subject(services: Any) -> None:
    load_history(services)
    first = answer(ask("what's blocking auth?", "--json"))
    assert "Sarah" in first["answer"] and not first["understood"]["follow_up"]
    text = ask("what's blocking auth?")
    assert text.exit_code == 0 and "Sarah" in text.stdout and "[1] Leo" in text.stdout
    alone = answer(ask("and who can unblock it?", "--json"))
    assert "Priya" in alone["answer"]  # a plain question starts afresh: both blockers
    ask("what's blocking auth?")
    got = answer(ask("and who can unblock it?", "--follow-up", "--json"))
    assert got["understood"]["follow_up"] and got["understood"]["inherited"]["subject"]
    assert "Sarah" in got["answer"] and "Priya" not in got["answer"]


def test_named_conversations_survive_other_questions(services: Any, home: Path) -> None:
    load_history(services)
    ask("what's blocking auth?", "--conversation", "auth")
    ask("what's blocking the migration?")  # the unnamed one, now the last
    got = answer(ask("and who can unblock it?", "--conversation", "auth", "--json"))
    assert "Sarah" in got["answer"] and "Priya" not in got["answer"]
    again = answer(ask("who can unblock it?", "--follow-up", "--json"))  # continues 'auth'
    assert "Sarah" in again["answer"] and "Priya" not in again["answer"]
    kept = json.loads((home / "conversations" / "core.json").read_text())
    assert kept["current"] == "auth" and len(kept["questions"]["auth"]) == 3


def test_interactive_keeps_context_and_survives_a_bad_question(services: Any) -> None:
    load_history(services)
    out = CliRunner().invoke(
        cli,
        ["ask", "-i", "--team", "core", "--as-of", WHEN],
        input="what's blocking auth?\n\nand who can unblock it?\n/new\n"
        "who can unblock it?\n/quit\n",
    )
    assert out.exit_code == 0, out.output
    answers = [line for line in out.stdout.splitlines() if line and not line.startswith("  [")]
    assert len(answers) == 3, out.stdout
    assert "Priya" not in answers[1] and "Sarah" in answers[1]  # followed up auth
    assert "Priya" in answers[2]  # after /new: both blockers
    later = answer(ask("what about it?", "--follow-up", "--json"))  # -i saved its conversation
    assert later["understood"]["follow_up"]


def test_interactive_ends_at_end_of_input(services: Any) -> None:
    load_history(services)
    out = CliRunner().invoke(
        cli, ["ask", "-i", "--team", "core", "--as-of", WHEN], input="what's blocking auth?\n"
    )
    assert out.exit_code == 0 and "Sarah" in out.stdout


def test_conversation_errors_are_one_sentence_exit_2(home: Path) -> None:
    nothing = ask("and who owns it?", "--follow-up")
    assert nothing.exit_code == 2 and "no earlier question" in nothing.stderr
    assert len(nothing.stderr.strip().splitlines()) == 1
    bad = ask("what?", "--conversation", "../etc")
    assert bad.exit_code == 2 and "conversation name" in bad.stderr
    empty = ask()
    assert empty.exit_code == 2 and "Ask a question." in empty.stderr
    assert not (home / "conversations").exists()
