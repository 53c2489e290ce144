"""Answering a follow-up question by voice: a short clip (spoken by espeak-ng) goes through the
real upload, probe and decode; the recognizer is the configured one, swapped at its seam
(`api.wiring.asr.make_transcriber`) for one that hears what the clip says, so the test is fast."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ingest.transcript import Segment, Transcript
from tests.api.test_web_pages import HX, Page
from tests.ingest.conftest import need, speak

SAID = "merged the login fix, PR #812"


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speak(SAID, tmp_path_factory.mktemp("answer") / "answer.wav")


@pytest.fixture
def heard(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, float]]:
    """(engine asked for, seconds of audio it got) per recognition; it hears `SAID`."""
    calls: list[tuple[str, float]] = []

    class Hears:
        name, model = "fake", None

        def transcribe(self, audio: Any, **_: Any) -> Transcript:
            seconds = len(audio.samples) / audio.sample_rate
            calls.append((engine, seconds))
            seg = Segment(text=SAID, start_s=0.2, end_s=round(seconds - 0.1, 2))
            return Transcript(text=SAID, segments=[seg], engine="fake", duration_s=seconds)

    engine = ""

    def make(name: str, options: Any) -> Hears:
        nonlocal engine
        engine = name
        return Hears()

    monkeypatch.setattr("api.wiring.asr.make_transcriber", make)
    return calls


def answer(client: TestClient, hid: str, clip: Path, field: str = "shipped", **kw: Any) -> Any:
    with clip.open("rb") as fh:
        return client.post(
            f"/api/handoffs/{hid}/answers/recording",
            data={"field": field, "by": "Maya"},
            files={"file": (clip.name, fh, "audio/wav")},
            **kw,
        )


def test_a_spoken_answer_is_merged_with_evidence_in_its_clip(
    client: TestClient,
    posted: dict[str, Any],
    spoken: Path,
    heard: list[tuple[str, float]],
    settings: Any,
) -> None:
    hid = posted["id"]
    before = client.get(f"/api/handoffs/{hid}").json()
    assert "shipped" in {f["field"] for f in before["declaration"]["missing"]}
    r = answer(client, hid, spoken)
    assert r.status_code == 200, r.text
    decl = r.json()["declaration"]
    assert "shipped" not in {f["field"] for f in decl["missing"]}
    (item,) = decl["shipped"]
    assert item["refs"] == ["#812"] and "login fix" in item["summary"]
    (ev,) = item["evidence"]
    assert ev["quote"] == SAID and ev["speaker"] == "Maya" and ev["clip"]
    # The configured recognizer heard the whole clip; the evidence's times are in it.
    ((engine, seconds),) = heard
    assert engine == settings.asr and 1.0 < seconds < 10.0
    assert ev["start_s"] == 0.2 and ev["end_s"] == pytest.approx(seconds - 0.1, abs=0.01)
    clip = client.get(f"/media/{hid}/answers/{ev['clip']}")
    assert clip.status_code == 200 and clip.content == spoken.read_bytes()
    assert clip.headers["content-type"] == "audio/wav"
    trail = client.get(f"/api/handoffs/{hid}/audit").json()
    assert trail[-1]["action"] == "edited" and trail[-1]["actor"] == "Maya"


def test_bad_spoken_answers_are_one_sentence_4xx_and_keep_nothing(
    client: TestClient,
    posted: dict[str, Any],
    spoken: Path,
    heard: list[tuple[str, float]],
    tmp_path: Path,
    home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hid = posted["id"]
    typed = tmp_path / "answer.txt"
    typed.write_text("merged the login fix")
    long = tmp_path / "long.wav"
    subprocess.run(
        [need("ffmpeg"), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:duration=125",
         "-ar", "8000", str(long)],
        check=True,
    )  # fmt: skip
    cases = [
        (answer(client, hid, typed), 415, "audio or video clip"),
        (answer(client, hid, long), 413, "at most 120 seconds"),
        (answer(client, hid, spoken, field="vibes"), 422, "no open question"),
        (answer(client, "no-such-id", spoken), 404, "no-such-id"),
        (client.post(f"/api/handoffs/{hid}/answers/recording", data={"field": "shipped"}), 415,
         "multipart/form-data"),
        (client.post(f"/api/handoffs/{hid}/answers/recording", files={"x": ("a", b"b")}), 422,
         "'field'"),
    ]  # fmt: skip
    for r, status, words in cases:
        assert r.status_code == status, r.text
        detail = r.json()["detail"]
        assert words in detail and detail.endswith(".") and "\n" not in detail
    assert len(heard) == 1  # only the refused field was recognized; the rest failed before
    kept = list((home / "uploads").rglob("*"))
    assert not [p for p in kept if p.is_file() and ".incoming" not in p.parts]
    # An answer that keeps no evidence (the part is stated empty) keeps no clip either.
    monkeypatch.setattr("tests.api.test_answer_recording.SAID", "nothing shipped this shift")
    r = answer(client, hid, spoken)
    assert r.status_code == 200 and "shipped" in r.json()["declaration"]["stated_empty"]
    kept = list((home / "uploads").rglob("*"))
    assert not [p for p in kept if p.is_file() and ".incoming" not in p.parts]
    for name in ("nope", "..%2Fhandoff.db", "0" * 32 + ".wav"):
        assert client.get(f"/media/{hid}/answers/{name}").status_code == 404


def test_review_page_records_or_uploads_an_answer_next_to_each_question(
    client: TestClient, posted: dict[str, Any], spoken: Path, heard: list[tuple[str, float]]
) -> None:
    hid = posted["id"]
    p = Page(client.get(f"/handoffs/{hid}").text).check()
    boxes = [a for t, a in p.tags if "data-voice-answer" in a]
    questions = [a for t, a in p.tags if t == "form" and "answer" in str(a.get("class"))]
    assert boxes and len(boxes) == len(questions)
    assert {b["data-url"] for b in boxes} == {f"/handoffs/{hid}/answer-recording"}
    assert "shipped" in {b["data-field"] for b in boxes}
    assert any("data-voice-record" in a for _, a in p.tags)
    assert any(
        t == "input" and a.get("type") == "file" and "data-voice-file" in a for t, a in p.tags
    )
    with spoken.open("rb") as fh:
        r = client.post(
            f"/handoffs/{hid}/answer-recording",
            data={"field": "shipped"},
            files={"file": ("answer.webm", fh, "audio/webm")},
            headers=HX,
        )
    assert r.status_code == 200, r.text
    done = Page(r.text).check()
    assert f"Answer recorded: “{SAID}”." in r.text
    players = [a for t, a in done.tags if t == "audio"]
    assert players and players[0]["src"].startswith(f"/media/{hid}/answers/")
    bad = client.post(
        f"/handoffs/{hid}/answer-recording",
        data={"field": "shipped"},
        files={"file": ("answer.webm", b"not audio", "audio/webm")},
        headers=HX,
    )
    assert bad.status_code == 415 and "audio or video" in bad.json()["detail"]
