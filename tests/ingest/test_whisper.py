"""The Whisper path through real code: `whisper.load_model(path)` on a tiny random checkpoint."""

from __future__ import annotations

import warnings
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from ingest.asr.base import Hints
from ingest.asr.registry import EngineOptions, make_transcriber
from ingest.asr.whisper import WhisperTranscriber, whisper_model_available
from ingest.asr.whisper_common import prompt_for
from ingest.errors import RecognizerUnavailable
from ingest.media import Audio, load_audio


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch
    import whisper
    from whisper.model import ModelDimensions

    torch.manual_seed(0)
    dims = ModelDimensions(
        n_mels=80,
        n_audio_ctx=1500,
        n_audio_state=32,
        n_audio_head=2,
        n_audio_layer=2,
        n_vocab=51864,
        n_text_ctx=64,
        n_text_state=32,
        n_text_head=2,
        n_text_layer=2,
    )
    model = whisper.model.Whisper(dims)
    path = tmp_path_factory.mktemp("whisper") / "tiny-random.pt"
    torch.save({"dims": asdict(dims), "model_state_dict": model.state_dict()}, path)
    return path


def test_auto_uses_whisper_when_its_model_is_here(tiny_checkpoint: Path, tmp_path: Path) -> None:
    assert whisper_model_available(str(tiny_checkpoint))
    engine = make_transcriber(
        "auto", EngineOptions(whisper_model=str(tiny_checkpoint), cache_dir=tmp_path)
    )
    assert engine.name == "whisper"


def test_auto_falls_back_to_pocketsphinx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no Whisper weights at all (no download, no tiny.en package), the offline recognizer."""
    import huggingface_hub.constants

    import ingest.asr.faster_whisper as fw

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "empty-hub"))
    monkeypatch.setattr(fw, "bundled_model_dir", lambda: None)
    engine = make_transcriber("auto", EngineOptions(whisper_model="base.en", cache_dir=tmp_path))
    assert engine.name == "pocketsphinx"


def test_missing_and_unknown_models_say_what_to_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    with pytest.raises(RecognizerUnavailable, match=r"not on this machine.*HANDOFF_WHISPER_MODEL"):
        make_transcriber("whisper", EngineOptions(whisper_model="base.en", cache_dir=tmp_path))
    with pytest.raises(RecognizerUnavailable, match=r"neither a checkpoint.*tiny\.en"):
        make_transcriber("whisper", EngineOptions(whisper_model="huge-v9", cache_dir=tmp_path))
    with pytest.raises(RecognizerUnavailable, match="auto, whisper, pocketsphinx"):
        make_transcriber("dragon", EngineOptions(cache_dir=tmp_path))


@pytest.mark.slow
def test_transcribe_through_whisper(tiny_checkpoint: Path, clips: dict[str, Path]) -> None:
    engine = WhisperTranscriber(str(tiny_checkpoint), temperatures=(0.0,))
    audio = load_audio(clips["vp8.webm"])
    seen: list[tuple[str, float]] = []
    t = engine.transcribe(
        audio, hints=Hints(people=("Siobhan",)), progress=lambda stage, f: seen.append((stage, f))
    )
    assert t.engine == "whisper" and t.model == str(tiny_checkpoint)
    assert t.duration_s == pytest.approx(audio.duration_s)
    for seg in t.segments:  # random weights say nonsense, but times are real and in range
        assert seg.start_s is not None and seg.end_s is not None
        assert 0 <= seg.start_s <= seg.end_s <= audio.duration_s
    assert seen[-1] == ("transcribe", 1.0)


@pytest.mark.slow
def test_with_a_team_whisper_listens_twice(
    tiny_checkpoint: Path, clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A greedy first listening with the team's glossary, then the timed one, whose prompt holds
    only terms the first came near."""
    from ingest.asr import whisper as whisper_asr

    model = whisper_asr._load_model(str(tiny_checkpoint))
    calls: list[dict[str, object]] = []
    real = model.transcribe

    def spy(audio: np.ndarray, **options: object) -> dict[str, object]:
        calls.append(options)
        return real(audio, **options)

    monkeypatch.setattr(model, "transcribe", spy)
    team = Hints(people=tuple(f"Person{i}" for i in range(40)), items=("auth-session-refresh",))
    engine = WhisperTranscriber(str(tiny_checkpoint), temperatures=(0.0,), focus_terms=3)
    engine.transcribe(load_audio(clips["vp8.webm"]), hints=team)
    first, second = calls
    assert str(first["initial_prompt"]).startswith("Handoff notes. Glossary: Person0, Person1,")
    assert not first.get("word_timestamps")
    assert second["word_timestamps"] is True
    focused = str(second["initial_prompt"])
    if focused != first["initial_prompt"]:  # random weights may hear nothing to be near
        assert focused.count(",") <= 2


@pytest.mark.slow
def test_whisper_text_over_silence_is_dropped(tiny_checkpoint: Path) -> None:
    rng = np.random.default_rng(0)
    quiet = (rng.standard_normal(16000 * 8) * 1e-4).astype(np.float32)  # room tone, no speech
    t = WhisperTranscriber(str(tiny_checkpoint), temperatures=(0.0,)).transcribe(
        Audio(samples=quiet, duration_s=8.0)
    )
    assert t.segments == []


def test_the_prompt_carries_the_team_vocabulary() -> None:
    prompt = prompt_for(Hints(people=("Siobhan",), items=("auth-session-refresh",)))
    assert prompt and "Siobhan" in prompt and "auth-session-refresh" in prompt
    assert prompt.index("Siobhan") < prompt.index("auth-session-refresh")  # people first
    assert prompt_for(Hints()) is None


def test_the_prompt_fits_whisper_s_window() -> None:
    """A big team's vocabulary is cut to the budget (Whisper would drop the prompt's front)."""
    from whisper.tokenizer import get_tokenizer

    with warnings.catch_warnings():
        # whisper reads its vocabulary through an `open()` it never closes (its own code).
        warnings.simplefilter("ignore", ResourceWarning)
        tokenizer = get_tokenizer(False, language="en", task="transcribe")
    people = tuple(f"Person{i}" for i in range(300))
    count = lambda text: len(tokenizer.encode(" " + text))  # noqa: E731
    prompt = prompt_for(Hints(people=people, items=("billing export",)), count=count, budget=60)
    assert prompt is not None and count(prompt) <= 60
    assert "Person0," in prompt and "billing export" not in prompt
