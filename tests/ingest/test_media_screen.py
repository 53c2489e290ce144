"""`check_media` before storing: a probe, then one decode to nothing that refuses corrupt,
truncated and silent clips (clips made by ffmpeg's sources; real recordings must pass)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import MediaDecodeError, MediaTooLong, SilentMedia
from ingest.loader import MediaLimits, check_media
from ingest.media import probe, screen
from tests.ingest.clips import make_clip


@pytest.fixture(scope="module")
def tone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("tone") / "tone.webm", "sine=frequency=440:duration=4")


def test_a_clip_passes_and_its_decoded_length_is_measured(tone: Path) -> None:
    info = check_media(tone, limits=MediaLimits(max_seconds=60))
    assert screen(tone, info) == pytest.approx(4.0, abs=0.1)


@pytest.mark.parametrize("keep", [0.5, 0.8])
def test_a_truncated_clip_is_refused(tmp_path: Path, tone: Path, keep: float) -> None:
    data = tone.read_bytes()
    cut = tmp_path / "cut.webm"
    cut.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(MediaDecodeError, match="truncated"):
        check_media(cut)


def test_a_truncated_wav_is_refused(tmp_path: Path) -> None:
    wav = make_clip(tmp_path / "tone.wav", "sine=frequency=440:duration=3")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(wav.read_bytes()[:30_001])  # an odd byte count: a sample cut in half
    with pytest.raises(MediaDecodeError):
        check_media(cut)


def test_silence_is_refused_by_its_peak(tmp_path: Path) -> None:
    quiet = make_clip(tmp_path / "quiet.webm", "anullsrc=r=16000:cl=mono", seconds=3)
    with pytest.raises(SilentMedia, match="silent"):
        check_media(quiet)
    faint = make_clip(tmp_path / "faint.wav", "sine=frequency=440:duration=2,volume=-60dB")
    with pytest.raises(SilentMedia):
        check_media(faint)


def test_the_decode_stops_at_the_duration_limit(tone: Path) -> None:
    info = probe(tone)
    unbounded = type(info)(info.container, None, 1, 1, info.sample_rate, info.size_bytes)
    with pytest.raises(MediaTooLong, match="HANDOFF_MAX_MEDIA_SECONDS"):
        screen(tone, unbounded, max_seconds=2)  # a header that named no duration


def test_real_recordings_pass(shared_data: Path) -> None:
    clips = sorted((shared_data / "speech").rglob("*.mp3"))[:2]
    clips += sorted((shared_data / "speech").rglob("*.flac"))[:1]
    assert clips
    for clip in clips:
        assert check_media(clip, limits=MediaLimits(max_seconds=900)).duration_s
