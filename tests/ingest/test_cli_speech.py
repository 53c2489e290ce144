"""`handoff transcribe`, `extract`/`ingest` on clips and chat exports, and `handoff vocab`, through
the real console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.ingest.conftest import mux, speak

HANDOFF = str(Path(sys.executable).with_name("handoff"))


def run(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "HANDOFF_HOME": str(home), **env}
    return subprocess.run([HANDOFF, *args], capture_output=True, text=True, env=full, timeout=600)


def invoke(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The same commands in-process (no interpreter start-up), for the quick checks."""
    from click.testing import CliRunner

    from api.cli import cli
    from handoff.settings import get_settings

    get_settings.cache_clear()
    result = CliRunner().invoke(cli, list(args), env=env or None)
    get_settings.cache_clear()
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def one_sentence(stderr: str) -> None:
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("handoff: "), stderr


@pytest.mark.slow
def test_clip_transcribe_extract_ingest(tmp_path: Path, home: Path) -> None:
    wav = speak(
        "Shipped the billing export today. The refund flow is in review, waiting on "
        "Siobhan. Next I will write the integration tests. Back tomorrow at nine.",
        tmp_path / "wrap.wav",
        voice="festival",
    )
    clip = mux(wav, tmp_path / "wrap.webm", ["-c:a", "libopus"])
    added = invoke("vocab", "add-person", "Siobhan", "--team", "payments")
    assert added.returncode == 0, added.stderr

    out = run("transcribe", str(clip), "--json", "--team", "payments", home=home)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"text", "engine", "model", "duration_s", "segments"} <= set(data)
    assert data["engine"] == "faster-whisper" and data["model"] == "tiny.en"  # the default here
    assert 5 < data["duration_s"] < 15
    assert all({"start_s", "end_s", "text", "speaker"} <= set(s) for s in data["segments"])
    assert "review" in data["text"] and "Siobhan" in data["text"]

    decl = run("extract", str(clip), "--author", "Maya", "--team", "payments", home=home)
    assert decl.returncode == 0, decl.stderr
    assert "in_flight" in json.loads(decl.stdout)

    stored = run("ingest", str(clip), "--author", "Maya", "--team", "payments", home=home)
    assert stored.returncode == 0, stored.stderr
    assert json.loads(stored.stdout)["status"] == "draft"
    kept = list((home / "uploads" / "files").iterdir())
    assert len(kept) == 1 and kept[0].read_bytes() == clip.read_bytes()  # original, unchanged
    assert list((home / "cache" / "audio").glob("*.npz"))  # derived audio, regenerable


def test_bad_media_is_refused_and_nothing_is_stored(
    tmp_path: Path, home: Path, clips: dict[str, Path]
) -> None:
    data = bytearray(clips["clip.mp4"].read_bytes())
    data[200:] = bytes(len(data) - 200)
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(bytes(data))
    out = run("ingest", str(bad), "--author", "Maya", home=home)
    assert out.returncode == 2
    one_sentence(out.stderr)
    assert "corrupt" in out.stderr
    assert not (home / "uploads").exists()
    listed = run("list", home=home)
    assert listed.returncode == 0 and json.loads(listed.stdout) == []

    long_clip = run("transcribe", str(clips["clip.wav"]), home=home, HANDOFF_MAX_MEDIA_SECONDS="2")
    assert long_clip.returncode == 2
    one_sentence(long_clip.stderr)
    assert "HANDOFF_MAX_MEDIA_SECONDS" in long_clip.stderr


def test_missing_whisper_model_is_one_sentence(
    tmp_path: Path, home: Path, clips: dict[str, Path]
) -> None:
    out = invoke(
        "transcribe",
        str(clips["clip.wav"]),
        "--asr",
        "whisper",
        HANDOFF_WHISPER_MODEL=str(tmp_path / "nope.pt"),
        XDG_CACHE_HOME=str(tmp_path),
    )
    assert out.returncode == 2
    one_sentence(out.stderr)
    assert "HANDOFF_WHISPER_MODEL" in out.stderr


def test_chat_exports_through_the_cli(home: Path, shared_data: Path) -> None:
    slack = shared_data / "chat" / "slack-export-viewer" / "testarchive.zip"
    out = invoke("transcribe", str(slack), "--channel", "enrique", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["engine"] == "slack-export" and data["segments"][0]["speaker"] == "Hamza Faran"
    assert data["segments"][0]["at"].startswith("2016-01-15")
    irc = shared_data / "chat" / "ubuntu-meetings" / "ubuntu-meeting.0.ascii.txt"
    for path in (slack, irc):
        decl = invoke("extract", str(path), "--team", "ops")
        assert decl.returncode == 0, decl.stderr
        assert "missing" in json.loads(decl.stdout)
    text = invoke("transcribe", str(irc))
    assert "] rodrigo_: the new gnome-control-center panel?" in text.stdout.splitlines()[0]
    bad = invoke("transcribe", str(slack), "--channel", "nope")
    assert bad.returncode == 2
    one_sentence(bad.stderr)


def test_ingest_and_extract_read_only_the_chosen_channel_and_range(
    home: Path, shared_data: Path, services: Any
) -> None:
    slack = shared_data / "chat" / "slack-export-viewer" / "testarchive.zip"
    everything = json.loads(invoke("transcribe", str(slack), "--json").stdout)["segments"]
    out = invoke(
        "ingest",
        str(slack),
        "--team",
        "ops",
        "--channel",
        "enrique",
        "--until",
        "2016-01-15T23:59Z",
    )
    assert out.returncode == 0, out.stderr
    stored = services.store.get(json.loads(out.stdout)["id"]).transcript["segments"]
    assert 0 < len(stored) < len(everything)
    assert {seg["at"][:10] for seg in stored} == {"2016-01-15"}
    empty = invoke("extract", str(slack), "--since", "2030-01-01T00:00Z")
    assert empty.returncode == 2 and "no messages" in empty.stderr
    one_sentence(empty.stderr)
    bad = invoke("ingest", str(slack), "--since", "yesterdayish")
    assert bad.returncode == 2 and "--since must be an ISO-8601 time" in bad.stderr
    assert len(services.store.list(team="ops")) == 1  # the refused ones stored nothing


def test_vocab_commands(home: Path) -> None:
    assert (
        invoke(
            "vocab", "add-person", "Siobhan Kelly", "--handle", "@siobhan", "--team", "pay"
        ).returncode
        == 0
    )
    assert (
        invoke(
            "vocab", "add", "item", "payments-refund-flow", "auth-session-refresh", "--team", "pay"
        ).returncode
        == 0
    )
    assert invoke("vocab", "add", "ticket-prefix", "BILL", "--team", "pay").returncode == 0
    alias = invoke("vocab", "alias", "Shivon", "Siobhan Kelly", "--team", "pay")
    assert json.loads(alias.stdout)["aliases"] == ["Shivon"]
    shown = json.loads(invoke("vocab", "show", "--team", "pay").stdout)
    assert shown["items"] == ["auth-session-refresh", "payments-refund-flow"]
    assert shown["ticket_prefixes"] == ["BILL"]
    missing = invoke("vocab", "alias", "Jon", "Nobody", "--team", "pay")
    assert missing.returncode == 2
    one_sentence(missing.stderr)
    gone = invoke("vocab", "remove", "nothing-here", "--team", "pay")
    assert gone.returncode == 2
    one_sentence(gone.stderr)
