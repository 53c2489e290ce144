"""The offline recognizer: pocketsphinx with a handoff-biased language model (`ingest.sphinx_lm`).

Each stretch of speech between pauses is decoded as its own utterance (pocketsphinx degrades on
long utterances), and the stretches of a long clip are spread over worker processes (the decoder
holds the GIL, so threads would not help). Every recording gets fresh decoders: one reused across
recordings carries its cepstral-mean and search state from one to the next.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest.errors import RecognizerUnavailable
from ingest.media import SAMPLE_RATE, Audio
from ingest.speech import (
    Hints,
    Progress,
    Region,
    _quiet,
    channel_label,
    speech_regions,
    transcript_from_channels,
)
from ingest.sphinx_lm import DEFAULT_WEIGHT, SphinxModel, biased_model, stock_model
from ingest.transcript import Segment, Transcript, Word
from ingest.vocab_text import apply_vocabulary

FRAME_RATE = 100  # pocketsphinx frames per second
_FILLERS = {"<s>", "</s>", "<sil>", "[noise]", "[NOISE]", "++noise++"}
# At most 10000 active HMMs per frame (pocketsphinx's default is 30000): the same words on our
# general and handoff speech in about 15% less CPU. Going further (3000 HMMs, or two Gaussians
# per senone via `topn`) saves more but costs real speech dearly (JFK's WER rises from ~0.2 to
# ~0.6), and a smaller language weight or no flat-lexicon pass cost accuracy too.
DECODER_OPTIONS: dict[str, Any] = {"maxhmmpf": 10000}
# Below this much speech a worker pool costs more than it saves.
_PARALLEL_MIN_S = 12.0


@dataclass(frozen=True, slots=True)
class _Job:
    channel: int
    region: Region
    pcm: bytes


_decoder: Any = None


def _new_decoder(model: SphinxModel, options: dict[str, Any]) -> Any:
    import pocketsphinx

    return pocketsphinx.Decoder(
        hmm=model.hmm, lm=model.lm, dict=model.dict, loglevel="FATAL", **options
    )


def _init_worker(model: SphinxModel, options: dict[str, Any]) -> None:
    global _decoder
    _decoder = _new_decoder(model, options)


def _decode(decoder: Any, pcm: bytes) -> list[tuple[str, float, float, float]]:
    decoder.start_utt()
    decoder.process_raw(pcm, no_search=False, full_utt=True)
    decoder.end_utt()
    if decoder.hyp() is None:
        return []
    logmath = decoder.logmath
    words = []
    for seg in decoder.seg():
        word = seg.word
        if word in _FILLERS or word.startswith(("[", "+")):
            continue
        word = word.split("(", 1)[0]
        words.append(
            (
                word,
                seg.start_frame / FRAME_RATE,
                (seg.end_frame + 1) / FRAME_RATE,
                float(logmath.exp(seg.prob)),
            )
        )
    return words


def _decode_in_worker(pcm: bytes) -> list[tuple[str, float, float, float]]:
    return _decode(_decoder, pcm)


class PocketsphinxTranscriber:
    name = "pocketsphinx"

    def __init__(
        self,
        *,
        cache_dir: Path,
        workers: int = 0,
        options: dict[str, Any] | None = None,
        biased: bool = True,
        lm_weight: float = DEFAULT_WEIGHT,
    ) -> None:
        try:
            import pocketsphinx  # noqa: F401
        except ImportError as exc:
            raise RecognizerUnavailable(
                "HANDOFF_ASR=pocketsphinx needs the pocketsphinx package; pip install pocketsphinx."
            ) from exc
        self.cache_dir = cache_dir
        self.workers = workers or max(1, os.cpu_count() or 1)
        self.options = DECODER_OPTIONS if options is None else options
        self.biased = biased
        self.lm_weight = lm_weight
        self.model: str | None = "en-us+handoff" if biased else "en-us"

    def transcribe(
        self, audio: Audio, *, hints: Hints = Hints(), progress: Progress = _quiet
    ) -> Transcript:
        progress("language model", 0.05)
        model = (
            biased_model(
                hints.terms,
                cache_dir=self.cache_dir,
                people=hints.people,
                items=hints.items,
                prefixes=hints.prefixes,
                weight=self.lm_weight,
            )
            if self.biased
            else stock_model()
        )
        channels = audio.channels or [audio.samples]
        jobs = [
            _Job(ci, region, _pcm16(region.cut(samples)))
            for ci, samples in enumerate(channels)
            for region in speech_regions(samples)
        ]
        results = self._run(jobs, model, progress)
        per_channel: list[list[Segment]] = [[] for _ in channels]
        for job, words in zip(jobs, results, strict=True):
            if not words:
                continue
            per_channel[job.channel].append(_segment(job, words, multi=len(channels) > 1))
        transcript = transcript_from_channels(
            per_channel, engine=self.name, model=self.model, duration_s=audio.duration_s
        )
        progress("transcribe", 1.0)
        return apply_vocabulary(transcript, hints)

    def _run(
        self, jobs: Sequence[_Job], model: SphinxModel, progress: Progress
    ) -> list[list[tuple[str, float, float, float]]]:
        speech_s = sum(len(j.pcm) for j in jobs) / (2 * SAMPLE_RATE)
        total = max(1, len(jobs))
        if self.workers == 1 or speech_s < _PARALLEL_MIN_S or len(jobs) < 2:
            decoder = _new_decoder(model, self.options)
            out = []
            for i, job in enumerate(jobs):
                out.append(_decode(decoder, job.pcm))
                progress("transcribe", 0.1 + 0.85 * (i + 1) / total)
            return out
        # Longest first, so no worker is left with one long stretch at the end.
        order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].pcm))
        results: list[list[tuple[str, float, float, float]]] = [[] for _ in jobs]
        ctx = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        with ProcessPoolExecutor(
            max_workers=min(self.workers, len(jobs)),
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(model, self.options),
        ) as pool:
            futures = {i: pool.submit(_decode_in_worker, jobs[i].pcm) for i in order}
            for done, (i, future) in enumerate(futures.items(), start=1):
                results[i] = future.result()
                progress("transcribe", 0.1 + 0.85 * done / total)
        return results


def _pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def _segment(job: _Job, words: list[tuple[str, float, float, float]], *, multi: bool) -> Segment:
    offset = job.region.start_s
    timed = [
        Word(
            word=w,
            start_s=round(offset + a, 2),
            end_s=round(offset + b, 2),
            probability=round(p, 3),
        )
        for w, a, b, p in words
    ]
    return Segment(
        text=" ".join(w.word for w in timed),
        start_s=timed[0].start_s,
        end_s=timed[-1].end_s,
        words=timed,
        channel=job.channel if multi else None,
        speaker=channel_label(job.channel) if multi else None,
    )
