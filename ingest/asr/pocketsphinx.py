"""The offline recognizer: pocketsphinx with a handoff-biased language model
(`ingest.asr.pocketsphinx_lm`).

Each stretch of speech between pauses is decoded as its own utterance (pocketsphinx degrades on
long utterances), and the stretches of a long clip are spread over worker processes (the decoder
holds the GIL, so threads would not help).

The worker processes live as long as the process that started them and keep their decoder, so a
recording does not pay for starting processes and loading the models (about 0.3 CPU-s each).
Every recording still starts from a fresh decoder's state: one reused across recordings carries
its front-end and cepstral-mean state from one to the next, so `reinit_feat()` resets it at each
recording's first stretch (tests/ingest/test_sphinx_pool.py checks the words, times and scores
match a new decoder's). One recording at a time goes through the decoders, so the stretches a
process decodes in a row are always one recording's, as with a decoder per recording.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from handoff.progress import Progress, quiet
from ingest.asr.base import Hints
from ingest.asr.chunking import Region, channel_label, speech_regions, transcript_from_channels
from ingest.asr.language import decode_language
from ingest.asr.pocketsphinx_lm import DEFAULT_WEIGHT, SphinxModel, biased_model, stock_model
from ingest.asr.vocab_text import apply_vocabulary
from ingest.errors import RecognizerUnavailable
from ingest.media import SAMPLE_RATE, Audio
from ingest.transcript import Segment, Transcript, Word

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


Words = list[tuple[str, float, float, float]]


def _new_decoder(model: SphinxModel, options: dict[str, Any]) -> Any:
    import pocketsphinx

    return pocketsphinx.Decoder(
        hmm=model.hmm, lm=model.lm, dict=model.dict, loglevel="FATAL", **options
    )


# ------------------------------------------------------------------ decoders kept warm

# In each process that decodes (the pool's workers, and the caller for short recordings): the
# decoder for the latest model (about 90 MB each, so one) and the recording it last decoded.
_decoders: dict[tuple[SphinxModel, str], Any] = {}
_recording: str | None = None


def _decoder_for(model: SphinxModel, options: dict[str, Any], recording: str) -> Any:
    """This process's decoder for `model`, in a fresh decoder's state at a recording's start."""
    global _recording
    key = (model, json.dumps(options, sort_keys=True))
    decoder = _decoders.get(key)
    if decoder is None:
        _decoders.clear()
        decoder = _decoders[key] = _new_decoder(model, options)
    elif recording != _recording:
        decoder.reinit_feat()
    _recording = recording
    return decoder


def _init_worker(model: SphinxModel | None, options: dict[str, Any]) -> None:
    if model is not None:
        _decoder_for(model, options, "")


def _decode_in_worker(
    model: SphinxModel, options: dict[str, Any], recording: str, pcm: bytes
) -> Words:
    return _decode(_decoder_for(model, options, recording), pcm)


def _worker_pid() -> int:
    """Which process ran this (warming up reaches every worker; tests see reuse)."""
    return os.getpid()


_pool: ProcessPoolExecutor | None = None
_pool_key: tuple[int, int] = (0, 0)  # (creating process, size)
_pool_guard = threading.Lock()
# One recording at a time through the decoders (see the module's docstring).
_recording_lock = threading.Lock()


def decoder_pool(
    size: int, *, model: SphinxModel | None = None, options: dict[str, Any] | None = None
) -> ProcessPoolExecutor:
    """This process's pool of `size` decoder processes, started on first use (with `model`'s
    decoder loaded in each when given) and kept for the next recordings. Spawned, not forked:
    a long-lived pool should not inherit a web server's or worker's threads and memory."""
    global _pool, _pool_key
    with _pool_guard:
        if _pool is not None and _pool_key == (os.getpid(), size):
            return _pool
        if _pool is not None and _pool_key[0] == os.getpid():
            _pool.shutdown(wait=False, cancel_futures=True)
        _pool = ProcessPoolExecutor(
            max_workers=size,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(model, DECODER_OPTIONS if options is None else options),
        )
        _pool_key = (os.getpid(), size)
        return _pool


def shutdown_pool() -> None:
    """Stop this process's decoder processes (the next recording starts new ones)."""
    global _pool
    with _pool_guard:
        if _pool is not None and _pool_key[0] == os.getpid():
            _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


def _decode(decoder: Any, pcm: bytes) -> Words:
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

    def prepare(self, hints: Hints = Hints()) -> SphinxModel:
        """The language model and dictionary for `hints`, built when not cached yet (about 20 s).

        A build for the same hints in another process or thread is waited for, not repeated
        (and two builds in one process would share their temporary files)."""
        if not self.biased:
            return stock_model()
        with _build_lock(self.cache_dir, hints, self.lm_weight):
            return biased_model(
                hints.terms,
                cache_dir=self.cache_dir,
                people=hints.people,
                items=hints.items,
                prefixes=hints.prefixes,
                weight=self.lm_weight,
            )

    def warm_up(self, hints: Hints = Hints()) -> None:
        """Build the model for `hints` and start the decoder processes with it loaded, so the
        next recording pays for neither."""
        model = self.prepare(hints)
        if self.workers > 1:
            pool = decoder_pool(self.workers, model=model, options=self.options)
            for future in [pool.submit(_worker_pid) for _ in range(self.workers)]:
                future.result()

    def transcribe(
        self, audio: Audio, *, hints: Hints = Hints(), progress: Progress = quiet
    ) -> Transcript:
        # English only: another language is refused before any work, `auto` is heard as English.
        language = decode_language(
            hints.language, multilingual=False, model=self.model, engine=self.name
        )
        progress("language model", 0.05)
        model = self.prepare(hints)
        progress("transcribe", 0.1)
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
            per_channel,
            engine=self.name,
            model=self.model,
            duration_s=audio.duration_s,
            language=language,
            language_requested=hints.language,
        )
        progress("transcribe", 1.0)
        return apply_vocabulary(transcript, hints)

    def _run(self, jobs: Sequence[_Job], model: SphinxModel, progress: Progress) -> list[Words]:
        speech_s = sum(len(j.pcm) for j in jobs) / (2 * SAMPLE_RATE)
        total = max(1, len(jobs))
        recording = uuid.uuid4().hex
        with _recording_lock:
            if self.workers == 1 or speech_s < _PARALLEL_MIN_S or len(jobs) < 2:
                decoder = _decoder_for(model, self.options, recording)
                out = []
                for i, job in enumerate(jobs):
                    out.append(_decode(decoder, job.pcm))
                    progress("transcribe", 0.1 + 0.85 * (i + 1) / total)
                return out
            try:
                return self._run_parallel(jobs, model, recording, progress)
            except BrokenProcessPool:
                # A decoder process died (killed, out of memory): start new ones, once.
                shutdown_pool()
                return self._run_parallel(jobs, model, recording, progress)

    def _run_parallel(
        self, jobs: Sequence[_Job], model: SphinxModel, recording: str, progress: Progress
    ) -> list[Words]:
        pool = decoder_pool(self.workers, model=model, options=self.options)
        # Longest first, so no worker is left with one long stretch at the end.
        order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].pcm))
        results: list[Words] = [[] for _ in jobs]
        futures = {
            i: pool.submit(_decode_in_worker, model, self.options, recording, jobs[i].pcm)
            for i in order
        }
        try:
            for done, (i, future) in enumerate(futures.items(), start=1):
                results[i] = future.result()
                progress("transcribe", 0.1 + 0.85 * done / len(jobs))
        finally:
            for future in futures.values():
                future.cancel()
        return results


@contextmanager
def _build_lock(cache_dir: Path, hints: Hints, weight: float) -> Iterator[None]:
    """Held while the model for these hints is looked up or built: a lock file per set of inputs
    (their order and repeats aside), so builds of different vocabularies do not wait on each
    other."""
    inputs = json.dumps(
        [
            sorted({*hints.items, *hints.terms}),
            sorted(set(hints.people)),
            sorted(set(hints.prefixes)),
            weight,
        ]
    )
    folder = cache_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(inputs.encode()).hexdigest()[:16]}.lock"
    with path.open("a") as fh:
        if os.name == "posix":
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX)
        yield  # the lock goes with the file


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
