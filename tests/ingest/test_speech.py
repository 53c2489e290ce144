"""The offline recognizer, chunking, vocabulary, and the loader's media path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from api.wiring.asr import media_limits
from ingest.asr.base import Hints
from ingest.asr.chunking import speech_regions
from ingest.asr.pocketsphinx import PocketsphinxTranscriber
from ingest.asr.pocketsphinx_lm import biased_model
from ingest.asr.pronounce import festival_guesses
from ingest.asr.vocab_text import apply_vocabulary
from ingest.errors import SilentMedia
from ingest.loader import load_transcript
from ingest.media import SAMPLE_RATE, Audio, load_audio
from ingest.transcript import Segment, Transcript
from tests.ingest.conftest import mux, speak

TEAM = Hints(people=("Siobhan", "Priya"), items=("payments-refund-flow",), prefixes=("BILL",))


def _tone_bursts(spans: list[tuple[float, float]], total: float) -> np.ndarray:
    t = np.arange(int(total * SAMPLE_RATE)) / SAMPLE_RATE
    out = np.random.default_rng(0).standard_normal(len(t)).astype(np.float32) * 1e-4
    for a, b in spans:
        mask = (t >= a) & (t < b)
        out[mask] += 0.3 * np.sin(2 * np.pi * 220 * t[mask]).astype(np.float32)
    return out


def test_regions_follow_the_pauses() -> None:
    samples = _tone_bursts([(0.5, 2.0), (3.0, 4.5), (4.7, 5.0)], 6.0)
    regions = speech_regions(samples, pad_s=0.0)
    assert [(round(r.start_s, 1), round(r.end_s, 1)) for r in regions] == [(0.5, 2.0), (3.0, 5.0)]


def test_long_speech_is_cut_at_its_quietest_point() -> None:
    samples = _tone_bursts([(0.0, 9.9), (10.0, 25.0)], 25.0)  # one 0.1 s dip at 9.9 s
    regions = speech_regions(samples, max_s=12.0, pad_s=0.0)
    assert len(regions) >= 2 and all(r.end_s - r.start_s <= 12.0 + 1e-6 for r in regions)
    assert any(abs(r.end_s - 9.9) < 0.1 for r in regions)


def test_vocabulary_spelling_is_restored() -> None:
    t = Transcript.from_segments([Segment(text="waiting on siobhan for the payments refund flow")])
    fixed = apply_vocabulary(t, TEAM)
    assert fixed.text == "waiting on Siobhan for the payments-refund-flow"


def test_festival_pronounces_words_the_dictionary_lacks() -> None:
    pron = festival_guesses(["kubernetes", "grafana"])
    assert set(pron) == {"kubernetes", "grafana"}
    assert all(p.split() and p.isupper() for p in pron.values())


@pytest.fixture(scope="session")
def sphinx(asr_cache: Path) -> PocketsphinxTranscriber:
    return PocketsphinxTranscriber(cache_dir=asr_cache, workers=2)


@pytest.mark.slow
def test_biased_model_knows_the_team(asr_cache: Path) -> None:
    model = biased_model(
        (), cache_dir=asr_cache, people=TEAM.people, items=TEAM.items, prefixes=TEAM.prefixes
    )
    words = Path(model.dict).read_text()
    assert "\nsiobhan " in words or words.startswith("siobhan ")
    assert Path(model.lm).stat().st_size > 1_000_000
    again = biased_model(
        (), cache_dir=asr_cache, people=TEAM.people, items=TEAM.items, prefixes=TEAM.prefixes
    )
    assert again == model  # cached by its inputs


@pytest.mark.slow
def test_pocketsphinx_on_real_speech(sphinx: PocketsphinxTranscriber, shared_data: Path) -> None:
    audio = load_audio(shared_data / "speech" / "pocketsphinx-librivox" / "goforward.raw")
    t = sphinx.transcribe(audio)
    assert t.text == "go forward ten meters"
    assert t.engine == "pocketsphinx" and t.model and t.source_kind == "media"
    words = t.segments[0].words
    assert [w.word for w in words] == ["go", "forward", "ten", "meters"]
    assert all(0 <= w.start_s < w.end_s <= audio.duration_s for w in words)


@pytest.mark.slow
def test_pocketsphinx_hears_the_team_vocabulary(
    sphinx: PocketsphinxTranscriber, tmp_path: Path
) -> None:
    wav = speak(
        "The payments refund flow is in review. Siobhan owns the decision.",
        tmp_path / "wrap.wav",
        voice="festival",
    )
    clip = mux(wav, tmp_path / "wrap.webm", ["-c:a", "libopus"])
    t = sphinx.transcribe(load_audio(clip), hints=TEAM)
    assert "payments-refund-flow" in t.text
    assert "Siobhan" in t.text


@pytest.mark.slow
def test_parallel_chunks_keep_absolute_times(
    sphinx: PocketsphinxTranscriber, tmp_path: Path
) -> None:
    text = " ".join(["The billing export shipped today and the refund flow is in review."] * 4)
    wav = speak(text, tmp_path / "long.wav", voice="festival")
    audio = load_audio(wav)
    assert audio.duration_s > 12
    stages: list[tuple[str, float]] = []
    t = sphinx.transcribe(audio, progress=lambda s, f: stages.append((s, f)))
    starts = [s.start_s for s in t.segments]
    assert len(t.segments) >= 3 and starts == sorted(starts)  # type: ignore[type-var]
    assert t.segments[-1].end_s and t.segments[-1].end_s > 10  # absolute, not per chunk
    assert t.text.count("review") >= 3
    fractions = [f for _, f in stages]
    assert fractions == sorted(fractions) and stages[-1] == ("transcribe", 1.0)


@pytest.mark.slow
def test_two_voices_on_two_channels(sphinx: PocketsphinxTranscriber, shared_data: Path) -> None:
    audio = load_audio(shared_data / "speech" / "faster-whisper" / "stereo_diarization.wav")
    t = sphinx.transcribe(audio)
    assert {s.channel for s in t.segments} == {0, 1}
    assert {s.speaker for s in t.segments} == {"channel 1", "channel 2"}


@pytest.mark.slow
def test_loader_refuses_noise_it_cannot_recognize(
    settings: object, tmp_path: Path, sphinx: PocketsphinxTranscriber
) -> None:
    hum = _tone_bursts([(0.5, 0.9)], 2.0) * 0.0 + 1e-5  # far below any speech
    audio = Audio(samples=hum.astype(np.float32), duration_s=2.0)
    assert sphinx.transcribe(audio).segments == []
    wav = tmp_path / "hiss.wav"
    import wave

    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
        w.writeframes(
            (np.random.default_rng(1).standard_normal(SAMPLE_RATE * 2) * 20).astype("<i2").tobytes()
        )
    with pytest.raises(SilentMedia):
        load_transcript(
            wav,
            limits=media_limits(settings),  # type: ignore[arg-type]
            transcriber=sphinx,
        )
