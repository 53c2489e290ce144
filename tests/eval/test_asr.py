"""`handoff eval asr`: its data, scoring and table (the full run is `make eval`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval import asr
from eval.asr_data import dev_wraps, real_clips, synthetic_clips


def test_real_clips_have_references(shared_data: Path) -> None:
    clips = {c.name: c for c in real_clips()}
    assert {"jfk", "goforward", "p001", "stereo_diarization"} <= set(clips)
    assert clips["jfk"].reference.startswith("And so my fellow Americans")
    assert len(clips["stereo_diarization"].channel_references) == 2
    assert all(c.reference for c in clips.values())


def test_team_words_come_from_the_whole_dev_set() -> None:
    rows, team = dev_wraps("heldout")
    assert rows and all(r["source"] == "speech" for r in rows)
    assert {"Maya", "Arjun"} <= team.people and "BILL" in team.prefixes
    assert "cache layer" in team.items


def test_scoring_uses_the_standard_normalizer() -> None:
    norm = asr._normalizer()
    errors, words = asr._errors(
        "Back tomorrow at 9, PR #1842!", "back tomorrow at nine pr 1842", norm
    )
    assert (errors, words) == (0, 6)
    assert asr._heard("payments-refund-flow", "the payments refund flow is done", norm)
    assert not asr._heard("Siobhan", "shivon owns it", norm)


def test_the_engine_and_whisper_model_are_chosen_on_the_command_line(tmp_path: Path) -> None:
    args = asr.parser().parse_args(["--engine", "faster-whisper", "--whisper-model", "tiny.en"])
    assert args.asr == ["faster-whisper"] and args.whisper_model == "tiny.en"
    engine = asr.build_engine("faster-whisper", cache=tmp_path, workers=1, whisper_model="tiny.en")
    assert engine.name == "faster-whisper" and engine.model == "tiny.en"


@pytest.mark.slow
def test_the_pulled_base_is_what_whisper_model_base_runs(
    whisper_base: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from handoff.settings import get_settings

    monkeypatch.setenv("HANDOFF_MODEL_CACHE", str(whisper_base.parents[1]))
    get_settings.cache_clear()
    engine = asr.build_engine("faster-whisper", cache=tmp_path, workers=1, whisper_model="base")
    assert engine.model == "base" and engine.folder == whisper_base


@pytest.mark.slow
def test_synthetic_wraps_are_spoken_and_muxed(tmp_path: Path) -> None:
    from ingest.media import probe

    clips, _team = synthetic_clips(tmp_path, limit=2)
    assert [c.path.suffix for c in clips] == [".mp4", ".webm"]
    for clip in clips:
        info = probe(clip.path)
        assert info.audio_streams == 1 and info.duration_s and info.duration_s > 3
        assert clip.kind == "synthetic" and clip.terms
    again, _ = synthetic_clips(tmp_path, limit=2)  # cached, not spoken again
    assert [c.path for c in again] == [c.path for c in clips]


def test_bars_are_reported(capsys: pytest.CaptureFixture[str]) -> None:
    good = asr.SetResult(
        clips=1, audio_s=10, wall_s=1, errors=1, ref_words=10, terms=10, terms_heard=9
    )
    bad = asr.SetResult(clips=1, audio_s=10, wall_s=1, errors=5, ref_words=10)
    assert asr._check_bars({"synthetic": good, "real": good}, 4.0) is False
    assert asr._check_bars({"synthetic": good, "real": bad}, 4.0) is True
    out = capsys.readouterr().out
    assert "PASS" in out and "FAIL" in out


def test_a_roman_numeral_heading_is_scored_as_read_aloud(shared_data: Path) -> None:
    from eval.asr_data import _roman, _spoken_line

    assert [_roman(x) for x in ("I", "II", "IV", "XIV", "Thou", "")] == [1, 2, 4, 14, None, None]
    assert _spoken_line("II") == "two" and _spoken_line("I said so") == "I said so"
    clips = {c.name: c for c in real_clips()}
    assert clips["p002"].reference.startswith("two When forty winters")


def test_pooled_wer_per_voice() -> None:
    result = asr.SetResult(
        per_clip_counts={"h01/rms": (2, 10), "h02/rms": (0, 10), "h03/awb": (5, 10)}
    )
    assert asr.per_voice(result) == {"awb": 0.5, "rms": 0.1}


def test_clock_times_are_scored_as_said() -> None:
    assert asr.speakable("deployed at 02:10, back 13:00 or 8:05") == (
        "deployed at two ten, back thirteen or eight oh five"
    )
    norm = asr._normalizer()
    assert asr._errors("Back 8:30 Amsterdam time", "back eight thirty amsterdam time", norm) == (
        0,
        4,
    )
