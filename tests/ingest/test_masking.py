"""Secrets in a wrap are masked, ordinary technical text is not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.masking import mask_text, mask_transcript, mask_value
from ingest.text import transcript_from_text
from ingest.transcript import Segment, Transcript, Word

REPO = Path(__file__).resolve().parents[2]

# Well-known documentation examples and made-up values, never real credentials.
AWS = "AKIAIOSFODNN7EXAMPLE"
GITHUB = "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"
SLACK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
KEY_BLOCK = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\n"
    "Z1BjP5CE/Wm/Rr500P\n"
    "-----END RSA PRIVATE KEY-----"
)


@pytest.mark.parametrize(
    ("line", "secret", "kind"),
    [
        (f"the deploy user's key is {AWS}, rotate it", AWS, "AWS key"),
        (f"I used {GITHUB} for the release", GITHUB, "GitHub Token"),
        (f"bot token {SLACK}.", SLACK, "Slack Token"),
        ("connect with postgres://user:pass@host/db please", "user:pass@host", "password in a URL"),
        ("the password is hunter2.", "hunter2", "password"),
        ("password: hunter2", "hunter2", "password"),
        ("api_password = 'Tr0ub4dor'", "Tr0ub4dor", "password"),
    ],
)
def test_each_kind_is_masked_and_named(line: str, secret: str, kind: str) -> None:
    masked, found = mask_text(line, where="wrap")
    assert secret not in masked
    assert f"[secret masked: {kind}]" in masked
    assert [(m.kind, m.where, m.line) for m in found] == [(kind, "wrap", 1)]
    assert secret not in json.dumps([m.to_json() for m in found])


def test_a_private_key_block_is_masked_to_its_end_line() -> None:
    text = f"Shift notes.\nHere is the key:\n{KEY_BLOCK}\nVault upgrade is blocked."
    masked, found = mask_text(text, where="wrap")
    assert "MIIEpAIBAAKCAQEA" not in masked and "Z1BjP5CE" not in masked
    assert "[secret masked: private key]" in masked
    assert masked.endswith("Vault upgrade is blocked.")
    assert [(m.kind, m.line) for m in found] == [("private key", 3)]


def test_a_private_key_joined_into_one_line_masks_only_the_key() -> None:
    line = "Notes: " + " ".join(KEY_BLOCK.split()) + " and the vault upgrade is blocked."
    masked, found = mask_text(line, where="transcript")
    assert masked == "Notes: [secret masked: private key] and the vault upgrade is blocked."
    assert [m.kind for m in found] == ["private key"]


@pytest.mark.parametrize(
    "line",
    [
        "merged 3f2a9c1e8b7d6a5f4e3d2c1b0a9f8e7d6c5b4a39 into main",
        "request 123e4567-e89b-12d3-a456-426614174000 failed twice",
        "the password is in the vault",
        "rotate the password for the payments db tomorrow",
        "PAY-1234 is blocked on the 10.0.3.7 firewall rule",
    ],
)
def test_ordinary_technical_text_survives(line: str) -> None:
    assert mask_text(line, where="wrap") == (line, [])


def test_masking_twice_changes_nothing_more() -> None:
    once, _ = mask_text(f"key {AWS} and the password is hunter2", where="wrap")
    assert mask_text(once, where="wrap") == (once, [])


def test_the_eval_wraps_lose_nothing() -> None:
    """The extraction eval's wraps (speech, chat and typed, with ticket ids, hashes, hosts):
    not one line is masked."""
    rows = [
        json.loads(line)
        for path in sorted((REPO / "eval" / "data" / "extraction").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert len(rows) > 20
    found = [m for row in rows for m in mask_text(row["text"], where="wrap")[1]]
    assert found == []


def test_a_transcript_is_masked_in_segments_words_and_text() -> None:
    words = [Word(word=w, start_s=i, end_s=i + 0.5) for i, w in enumerate(["key", f" {AWS}"])]
    transcript = Transcript(
        text=f"All quiet. key {AWS}",
        segments=[Segment(text="All quiet."), Segment(text=f"key {AWS}", words=words)],
    )
    masked, found = mask_transcript(transcript)
    assert AWS not in masked.model_dump_json()
    assert masked.segments[0].text == "All quiet."
    assert masked.segments[1].words[0].word == "key"
    assert [(m.kind, m.where, m.segment) for m in found] == [("AWS key", "transcript", 1)]


def test_a_key_block_across_segments_is_masked_in_each() -> None:
    lines = ["Here is the key:", *KEY_BLOCK.split("\n"), "Vault upgrade is blocked."]
    transcript = Transcript(text=" ".join(lines), segments=[Segment(text=line) for line in lines])
    masked, found = mask_transcript(transcript)
    assert "MIIEpAIBAAKCAQEA" not in masked.model_dump_json()
    assert "Z1BjP5CE" not in masked.model_dump_json()
    assert [s.text for s in masked.segments][-1] == "Vault upgrade is blocked."
    assert masked.text == "Here is the key: [secret masked: private key] Vault upgrade is blocked."
    assert [(m.kind, m.segment) for m in found] == [("private key", 1)]


def test_a_pasted_wrap_keeps_its_sentences() -> None:
    text, _ = mask_text(f"Deploy done.\nUse {GITHUB} for CI.\nNothing blocked.", where="wrap")
    sentences = [s.text for s in transcript_from_text(text).segments]
    assert sentences == [
        "Deploy done.",
        "Use [secret masked: GitHub Token] for CI.",
        "Nothing blocked.",
    ]


def test_json_values_are_masked_with_their_field() -> None:
    value, found = mask_value({"blockers": [{"text": f"needs {SLACK}"}]}, where="edit")
    assert SLACK not in json.dumps(value)
    assert [m.where for m in found] == ["edit: blockers[0].text"]
