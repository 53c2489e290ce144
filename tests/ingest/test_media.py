"""Media in: every container, type from content, clear refusals, the pip-only ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from ingest import media
from ingest.errors import (
    MediaDecodeError,
    MediaTooLarge,
    MediaTooLong,
    NoAudioStream,
    SilentMedia,
)
from ingest.loader import check_media, detect_kind
from tests.ingest.conftest import FORMATS, mux, need


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_container_decodes_to_16k_mono(
    clips: dict[str, Path], speech_wav: Path, name: str
) -> None:
    path = clips[name]
    assert path.suffix == ".bin"  # the name says nothing: the type comes from the content
    assert detect_kind(path) == "media"
    info = media.probe(path)
    assert info.audio_streams == 1 and info.duration_s and 4 < info.duration_s < 12
    audio = media.load_audio(path)
    assert audio.samples.dtype == np.float32 and audio.sample_rate == 16_000
    spoken = media.probe(speech_wav).duration_s or 0.0
    assert abs(audio.duration_s - spoken) < 0.3  # the speech, whatever the video track's length
    assert audio.channels == []  # mono speech stays one channel


def test_headerless_pcm(shared_data: Path) -> None:
    raw = shared_data / "speech" / "pocketsphinx-librivox" / "goforward.raw"
    audio = media.load_audio(raw)
    assert audio.duration_s == pytest.approx(raw.stat().st_size / 32000, abs=0.01)


def test_stereo_with_the_same_speech_is_mixed_down(shared_data: Path) -> None:
    audio = media.load_audio(shared_data / "speech" / "whisper-jfk" / "jfk.flac")
    assert audio.channels == [] and 10.5 < audio.duration_s < 11.5


def test_stereo_with_two_voices_keeps_both_channels(shared_data: Path) -> None:
    audio = media.load_audio(shared_data / "speech" / "faster-whisper" / "stereo_diarization.wav")
    assert len(audio.channels) == 2
    assert all(len(c) == len(audio.samples) for c in audio.channels)


def test_video_without_audio_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "silent-film.mp4"
    subprocess.run(
        [
            need("ffmpeg"),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x64:rate=5:duration=2",
            "-c:v",
            "libx264",
            str(out),
        ],
        check=True,
    )
    with pytest.raises(NoAudioStream, match="no audio track"):
        check_media(out)


def test_corrupt_data_is_refused_with_ffmpeg_text_kept(
    tmp_path: Path, clips: dict[str, Path]
) -> None:
    data = bytearray(clips["clip.mp4"].read_bytes())
    data[200:] = bytes(len(data) - 200)  # header intact, everything after it zeroed
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(bytes(data))
    with pytest.raises(MediaDecodeError) as err:
        media.load_audio(bad)
    assert err.value.stderr  # ffmpeg's own words, for logs
    assert "ffmpeg" not in str(err.value).lower() and "\n" not in str(err.value)


def test_truncated_file_is_refused(tmp_path: Path, clips: dict[str, Path]) -> None:
    data = clips["clip.m4a"].read_bytes()
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(MediaDecodeError, match=r"corrupt|truncated"):
        media.load_audio(cut)


def test_silence_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "quiet.wav"
    subprocess.run(
        [
            need("ffmpeg"),
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=16000:cl=mono",
            "-t",
            "3",
            str(out),
        ],
        check=True,
    )
    with pytest.raises(SilentMedia, match="silent"):
        media.load_audio(out)


def test_limits(clips: dict[str, Path]) -> None:
    with pytest.raises(MediaTooLong, match="HANDOFF_MAX_MEDIA_SECONDS"):
        media.probe(clips["clip.webm" if "clip.webm" in clips else "vp8.webm"], max_seconds=2)
    with pytest.raises(MediaTooLarge, match="HANDOFF_MAX_UPLOAD_BYTES"):
        media.probe(clips["clip.wav"], max_bytes=1000)


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp3"
    empty.touch()
    with pytest.raises(SilentMedia):
        media.probe(empty)


def test_pip_only_ffmpeg_without_ffprobe(
    monkeypatch: pytest.MonkeyPatch, clips: dict[str, Path]
) -> None:
    import imageio_ffmpeg

    bundled = media.Tools(imageio_ffmpeg.get_ffmpeg_exe(), None)
    monkeypatch.setattr(media, "find_tools", lambda: bundled)
    info = media.probe(clips["vp9.webm"])
    assert info.audio_streams == 1 and info.duration_s and info.duration_s > 4
    assert media.load_audio(clips["vp9.webm"]).duration_s > 4


def test_derived_audio_is_cached_and_regenerated(tmp_path: Path, clips: dict[str, Path]) -> None:
    cache = tmp_path / "cache"
    first = media.load_audio(clips["clip.mp3"], cache_dir=cache)
    cached = list(cache.glob("*.npz"))
    assert len(cached) == 1
    again = media.load_audio(clips["clip.mp3"], cache_dir=cache)
    assert np.array_equal(first.samples, again.samples)
    cached[0].unlink()  # deleting the cache loses nothing
    assert np.array_equal(
        media.load_audio(clips["clip.mp3"], cache_dir=cache).samples, first.samples
    )


def test_sniffing_ignores_names(tmp_path: Path, clips: dict[str, Path]) -> None:
    fake = tmp_path / "notes.mp3"
    fake.write_text("Shipped the export. Back tomorrow.")
    assert detect_kind(fake) == "text"
    video = tmp_path / "wrap.txt"
    video.write_bytes(clips["vp8.webm"].read_bytes())
    assert detect_kind(video) == "media"


def test_mux_helper_makes_a_real_stereo_file(tmp_path: Path, speech_wav: Path) -> None:
    out = mux(speech_wav, tmp_path / "stereo.wav", ["-ac", "2"])
    assert media.probe(out).channels == 2
    assert media.load_audio(out).channels == []  # the same voice on both channels
