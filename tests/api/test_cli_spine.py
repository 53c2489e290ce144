"""The spine end to end through the real `handoff` console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HANDOFF = str(Path(sys.executable).with_name("handoff"))


def run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HANDOFF_HOME": str(home)}
    return subprocess.run([HANDOFF, *args], capture_output=True, text=True, env=env, timeout=300)


def test_extract_example_wrap(tmp_path: Path, home: Path, example_wrap: str) -> None:
    wrap = tmp_path / "wrap.txt"
    wrap.write_text(example_wrap)
    out = run(
        "extract",
        str(wrap),
        "--author",
        "Maya",
        "--team",
        "payments",
        "--recorded-at",
        "2026-11-19T18:00:00+08:00",
        home=home,
    )
    assert out.returncode == 0, out.stderr
    decl = json.loads(out.stdout)
    assert {i["item"] for i in decl["in_flight"]} == {
        "payments-refund-flow",
        "auth-session-refresh",
    }
    assert decl["in_flight"][0]["refs"] == ["#1842"]
    assert len(decl["decisions"]) == 1 and decl["decisions"][0]["rationale"]
    assert decl["blockers"][0]["needed_from"] == "Sarah"
    assert decl["returns_at_iso"] == "2026-11-20T09:00:00+08:00"
    assert "returns_at" not in {f["field"] for f in decl["missing"]}
    assert not home.exists()  # extract stores nothing


def test_ingest_publish_ask_cites(tmp_path: Path, home: Path, example_wrap: str) -> None:
    wrap = tmp_path / "wrap.txt"
    wrap.write_text(example_wrap)
    refused = run(
        "ingest", str(wrap), "--author", "Maya", "--team", "payments", "--publish", home=home
    )
    assert refused.returncode == 2
    assert "missing" in refused.stderr and "Traceback" not in refused.stderr
    assert json.loads(refused.stdout)["status"] == "draft"  # stored, not lost
    out = run(
        "ingest",
        str(wrap),
        "--author",
        "Maya",
        "--team",
        "payments",
        "--recorded-at",
        "2026-11-19T18:00:00+08:00",
        "--publish",
        "--force",
        "nothing shipped this shift",
        home=home,
    )
    assert out.returncode == 0, out.stderr
    stored = json.loads(out.stdout)
    assert stored["status"] == "published"
    ans = run("ask", "what's blocking auth?", "--team", "payments", "--json", home=home)
    assert ans.returncode == 0, ans.stderr
    result = json.loads(ans.stdout)
    assert "Sarah" in result["answer"]
    assert stored["id"] in {c["handoff_id"] for c in result["citations"]}


@pytest.mark.parametrize(
    "args",
    [
        ["extract", "/nonexistent/wrap.txt"],
        ["extract", "WRAP", "--recorded-at", "yesterday-ish"],
        ["ingest", "WRAP", "--force", "why"],
        ["show", "no-such-id"],
    ],
)
def test_bad_input_is_one_sentence_exit_2(tmp_path: Path, home: Path, args: list[str]) -> None:
    wrap = tmp_path / "wrap.txt"
    wrap.write_text("Back Monday.")
    out = run(*[str(wrap) if a == "WRAP" else a for a in args], home=home)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_jsonl_bulk_import(tmp_path: Path, home: Path) -> None:
    rows = [
        {
            "id": "h1",
            "text": "Shipped: PR #1 merged. No blockers. Back Monday 9am UTC.",
            "author": "A",
            "team": "t",
            "recorded_at": "2026-11-16T17:00:00+00:00",
        },
        {"text": 42},
        {
            "text": "In-flight: billing-export in progress.",
            "author": "B",
            "team": "t",
            "recorded_at": "2026-11-17T17:00:00+00:00",
        },
    ]
    src = tmp_path / "many.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows))
    out = run("ingest", str(src), home=home)
    assert out.returncode == 2  # one line was bad
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert lines[0]["id"] == "h1" and "error" in lines[1] and lines[2]["status"] == "draft"


def test_jsonl_publish_imports_history_recording_the_override(tmp_path: Path, home: Path) -> None:
    rows = [
        {
            "id": "done",
            "text": "Nothing shipped. No blockers. No decisions. In-flight: "
            "billing-export in progress. Next: I'll finish billing-export. Back Monday 9am UTC.",
            "author": "A",
            "team": "t",
            "recorded_at": "2026-11-16T17:00:00+00:00",
        },
        {
            "id": "gaps",
            "text": "In-flight: billing-export in review.",
            "author": "B",
            "team": "t",
            "recorded_at": "2026-11-17T17:00:00+00:00",
        },
    ]
    src = tmp_path / "history.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows))
    out = run("ingest", str(src), "--publish", home=home)
    assert out.returncode == 0, out.stderr
    assert [json.loads(x)["status"] for x in out.stdout.splitlines()] == ["published"] * 2
    shown = json.loads(run("show", "gaps", "--audit", home=home).stdout)
    published = next(e for e in shown["audit"] if e["action"] == "published")
    assert published["detail"]["forced"] is True
    assert "history.jsonl" in published["detail"]["reason"]
    assert shown["missing"]  # the flags stay visible
    clean = json.loads(run("show", "done", "--audit", home=home).stdout)
    assert not next(e for e in clean["audit"] if e["action"] == "published")["detail"]


def test_schema_and_help(home: Path) -> None:
    out = run("schema", home=home)
    assert out.returncode == 0
    assert "in_flight" in json.loads(out.stdout)["properties"]
    for cmd in ["extract", "ingest", "ask", "serve", "worker", "schema"]:
        assert run(cmd, "--help", home=home).returncode == 0
