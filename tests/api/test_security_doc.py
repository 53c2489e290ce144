"""docs/SECURITY.md lists each route with its policy, generated from `POLICY`: this fails when the
document and the table the app enforces drift apart."""

from __future__ import annotations

from pathlib import Path

from api.auth.policy_doc import BEGIN, END, policy_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "SECURITY.md"


def test_the_security_doc_lists_every_route_with_its_policy() -> None:
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == policy_markdown(), (
        "docs/SECURITY.md is out of date: paste the output of `python -m api.auth.policy_doc`."
    )
