"""Media in, 16 kHz mono PCM out (ffmpeg through ffmpeg-python).

Probe first, then decode, refusing with one of `ingest.errors`' media errors: no audio stream,
undecodable data, too long, too large, silent. The system's ffmpeg/ffprobe are preferred; where only
pip packages are installed, `imageio-ffmpeg`'s bundled ffmpeg is used and, as it has no ffprobe, the
probe reads `ffmpeg -i`'s stream listing instead. ffmpeg's own text stays on the error (`.stderr`)
for logs; the message is a sentence for a person.

A clip whose two channels carry different speech (two people on two microphones) is not mixed
down: `Audio.channels` keeps both so each can be recognized on its own.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.errors import (
    MediaDecodeError,
    MediaTooLarge,
    MediaTooLong,
    NoAudioStream,
    SilentMedia,
)

SAMPLE_RATE = 16_000

# Content signatures: (offset, magic bytes, container). The file name is never consulted, except
# for headerless PCM, which has no signature at all (see `sniff_media`).
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (4, b"ftyp", "mp4"),  # mp4, mov, m4a, 3gp
    (4, b"moov", "mov"),
    (4, b"mdat", "mov"),
    (4, b"wide", "mov"),
    (0, b"\x1a\x45\xdf\xa3", "matroska"),  # mkv, webm
    (0, b"RIFF", "riff"),  # wav (checked for WAVE below), avi
    (0, b"OggS", "ogg"),
    (0, b"fLaC", "flac"),
    (0, b"ID3", "mp3"),
    (0, b"#!AMR", "amr"),
    (0, b"FORM", "aiff"),
    (0, b".snd", "au"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "asf"),  # wma/wmv
)
RAW_PCM_SUFFIXES = (".raw", ".pcm")


def sniff_media(head: bytes, *, name: str = "") -> str | None:
    """The container named by the first bytes of a file, or None when it is not media we know.

    Headerless 16 kHz s16le PCM (`.raw`/`.pcm`) has no signature; it is the one case read by name.
    """
    for offset, magic, kind in _SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return kind
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        return "adts" if (head[1] & 0x06) == 0 else "mp3"  # AAC ADTS or an MPEG audio frame
    if name.lower().endswith(RAW_PCM_SUFFIXES) and _binary(head):
        return "s16le"
    return None


def _binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return any(b < 9 or 13 < b < 32 for b in head)


@dataclass(frozen=True, slots=True)
class Tools:
    ffmpeg: str
    ffprobe: str | None


@lru_cache(maxsize=1)
def find_tools() -> Tools:
    """The system's ffmpeg (and ffprobe) when present, else imageio-ffmpeg's bundled ffmpeg."""
    system = shutil.which("ffmpeg")
    if system:
        return Tools(system, shutil.which("ffprobe"))
    try:
        import imageio_ffmpeg
    except ImportError as exc:  # pragma: no cover - it is a dependency
        from ingest.errors import RecognizerUnavailable

        raise RecognizerUnavailable(
            "ffmpeg is not installed; install Debian's ffmpeg or the imageio-ffmpeg package."
        ) from exc
    return Tools(imageio_ffmpeg.get_ffmpeg_exe(), None)


@dataclass(frozen=True, slots=True)
class MediaInfo:
    container: str
    duration_s: float | None
    audio_streams: int
    channels: int
    sample_rate: int | None
    size_bytes: int


@dataclass(slots=True)
class Audio:
    """Decoded audio: `samples` is the mono mix; `channels` holds each channel when they differ."""

    samples: np.ndarray
    duration_s: float
    channels: list[np.ndarray] = field(default_factory=list)
    sample_rate: int = SAMPLE_RATE


_UNREADABLE = "it is corrupt, truncated or not media."
_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_AUDIO_STREAM = re.compile(r"Stream #\d+:\d+.*?: Audio: ([^\n]*)")
_RATE = re.compile(r"(\d+) Hz")


def _probe_with_ffmpeg(path: Path, tools: Tools) -> tuple[str, float | None, int, int, int | None]:
    """What `ffmpeg -i` prints about the input (used where there is no ffprobe)."""
    proc = subprocess.run(
        [tools.ffmpeg, "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        errors="replace",
    )
    err = proc.stderr
    if "Input #0" not in err:
        raise MediaDecodeError(
            f"{path.name} could not be read as audio or video; {_UNREADABLE}",
            stderr=err,
        )
    duration = None
    if m := _DURATION.search(err):
        duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    streams = _AUDIO_STREAM.findall(err)
    channels = 0
    rate = None
    if streams:
        first = streams[0]
        channels = 1 if "mono" in first else 2  # stereo or more: mixed down to two at most
        if r := _RATE.search(first):
            rate = int(r[1])
    return "", duration, len(streams), channels, rate


def _probe_with_ffprobe(path: Path, tools: Tools) -> tuple[str, float | None, int, int, int | None]:
    import ffmpeg

    try:
        info = ffmpeg.probe(str(path), cmd=tools.ffprobe)
    except ffmpeg.Error as exc:
        stderr = (exc.stderr or b"").decode("utf-8", "replace")
        raise MediaDecodeError(
            f"{path.name} could not be read as audio or video; {_UNREADABLE}",
            stderr=stderr,
        ) from exc
    audio = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    fmt = info.get("format", {})
    duration = _float(fmt.get("duration"))
    if duration is None and audio:
        duration = _float(audio[0].get("duration"))
    channels = int(audio[0].get("channels") or 0) if audio else 0
    rate = int(audio[0]["sample_rate"]) if audio and audio[0].get("sample_rate") else None
    return str(fmt.get("format_name", "")), duration, len(audio), channels, rate


def _float(value: object) -> float | None:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def probe(
    path: Path, *, max_seconds: float | None = None, max_bytes: int | None = None
) -> MediaInfo:
    """Check a media file before decoding it; raises the media error that says what is wrong."""
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise MediaTooLarge(
            f"{path.name} is {size / 1e6:.0f} MB; the largest upload accepted is "
            f"{max_bytes / 1e6:.0f} MB (HANDOFF_MAX_UPLOAD_BYTES)."
        )
    if size == 0:
        raise SilentMedia(f"{path.name} is empty.")
    with path.open("rb") as fh:
        head = fh.read(64)
    container = sniff_media(head, name=path.name)
    if container == "s16le":
        info = MediaInfo("s16le", size / (2 * SAMPLE_RATE), 1, 1, SAMPLE_RATE, size)
    else:
        tools = find_tools()
        prober = _probe_with_ffprobe if tools.ffprobe else _probe_with_ffmpeg
        fmt, duration, streams, channels, rate = prober(path, tools)
        info = MediaInfo(fmt or container or "", duration, streams, channels, rate, size)
    if info.audio_streams == 0:
        raise NoAudioStream(f"{path.name} has no audio track, so there is nothing to transcribe.")
    if max_seconds is not None and info.duration_s is not None and info.duration_s > max_seconds:
        raise MediaTooLong(
            f"{path.name} lasts {info.duration_s / 60:.1f} minutes; the longest clip accepted is "
            f"{max_seconds / 60:.0f} minutes (HANDOFF_MAX_MEDIA_SECONDS)."
        )
    return info


SILENCE_PEAK_DB = -50.0
"""A clip whose loudest sample stays below this (dBFS) is silent: digital silence or a muted
microphone. (The decode in the worker also refuses room tone with nobody speaking.)"""
SCREEN_TIMEOUT_S = 120.0
_PEAK = re.compile(r"max_volume: (-?[\d.]+|-inf) dB")
_SAMPLES = re.compile(r"n_samples: (\d+)")


def screen(path: Path, info: MediaInfo, *, max_seconds: float | None = None) -> float:
    """Decode the audio once, to nothing, measuring it: the seconds decoded. Refuses a clip that
    fails to decode (corrupt), decodes to less than its header says (truncated: under 95% of
    it, less a quarter second) or peaks below SILENCE_PEAK_DB (silent).

    Cheap enough for an upload route: no audio is kept (ffmpeg's volumedetect counts samples and
    the peak), the decode stops at `max_seconds` and ffmpeg gets SCREEN_TIMEOUT_S at most."""
    tools = find_tools()
    source = (
        ["-f", "s16le", "-ar", str(SAMPLE_RATE), "-ac", "1"] if info.container == "s16le" else []
    )
    limit = ["-t", f"{max_seconds + 1:.0f}"] if max_seconds is not None else []
    args = [tools.ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-xerror", *source]
    args += ["-i", str(path), *limit, "-map", "0:a:0", "-af"]
    args += [f"aformat=sample_rates={SAMPLE_RATE}:channel_layouts=mono,volumedetect"]
    args += ["-f", "null", "-"]
    try:
        proc = subprocess.run(
            args, capture_output=True, text=True, errors="replace", timeout=SCREEN_TIMEOUT_S
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaDecodeError(
            f"{path.name} took too long to decode; {_UNREADABLE}", stderr=None
        ) from exc
    peaks, counts = _PEAK.findall(proc.stderr), _SAMPLES.findall(proc.stderr)
    if proc.returncode != 0 or not counts:
        raise MediaDecodeError(
            f"{path.name} could not be decoded; {_UNREADABLE}", stderr=proc.stderr
        )
    seconds = int(counts[-1]) / SAMPLE_RATE
    expected = info.duration_s
    if "Estimating duration from bitrate" in proc.stderr:
        expected = None  # the header gave no duration; ffmpeg guessed one from the file's size
    elif expected is not None and max_seconds is not None:
        expected = min(expected, max_seconds)
    if seconds == 0 or (expected and seconds < 0.95 * expected - 0.25):
        raise MediaDecodeError(
            f"{path.name} could not be decoded; the file is corrupt or truncated.",
            stderr=proc.stderr,
        )
    if max_seconds is not None and seconds > max_seconds:  # a header that named no duration
        raise MediaTooLong(
            f"{path.name} lasts more than {max_seconds / 60:.0f} minutes, the longest clip "
            "accepted (HANDOFF_MAX_MEDIA_SECONDS)."
        )
    if not peaks or peaks[-1] == "-inf" or float(peaks[-1]) < SILENCE_PEAK_DB:
        raise SilentMedia(f"{path.name} is silent: there is no speech to transcribe.")
    return seconds


def _run_decode(path: Path, info: MediaInfo, channels: int) -> bytes:
    import ffmpeg

    tools = find_tools()
    if info.container == "s16le":
        source = ffmpeg.input(str(path), f="s16le", ar=SAMPLE_RATE, ac=1)
    else:
        source = ffmpeg.input(str(path))
    stream = source.audio.output(
        "pipe:", format="s16le", acodec="pcm_s16le", ac=channels, ar=SAMPLE_RATE
    )
    args = ffmpeg.compile(stream, cmd=tools.ffmpeg)
    args[1:1] = ["-nostdin", "-hide_banner", "-v", "error", "-xerror"]
    proc = subprocess.run(args, capture_output=True)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise MediaDecodeError(
            f"{path.name} could not be decoded; the file is corrupt, truncated or in an "
            "unsupported codec.",
            stderr=stderr,
        )
    return proc.stdout


def decode(path: Path, info: MediaInfo) -> Audio:
    """Decode to 16 kHz float32; stereo is mixed down unless the channels carry different speech."""
    n_channels = 2 if info.channels >= 2 else 1
    raw = _run_decode(path, info, n_channels)
    pcm = np.frombuffer(raw[: len(raw) - len(raw) % (2 * n_channels)], dtype="<i2")
    data = pcm.astype(np.float32) / 32768.0
    if n_channels == 2:
        stereo = data.reshape(-1, 2).T
        samples = stereo.mean(axis=0)
        split = [np.ascontiguousarray(c) for c in stereo] if _distinct_channels(stereo) else []
    else:
        samples, split = data, []
    duration = len(samples) / SAMPLE_RATE
    if duration == 0 or (info.duration_s and duration < 0.5 * info.duration_s - 1.0):
        raise MediaDecodeError(
            f"{path.name} could not be decoded; the file is corrupt or truncated.", stderr=None
        )
    audio = Audio(samples=samples, duration_s=duration, channels=split)
    if is_silent(samples):
        raise SilentMedia(f"{path.name} is silent: there is no speech to transcribe.")
    return audio


def _distinct_channels(stereo: np.ndarray) -> bool:
    """True when both channels are loud and poorly correlated: two voices, not one in stereo."""
    left, right = stereo[0], stereo[1]
    rms_l, rms_r = float(np.sqrt(np.mean(left**2))), float(np.sqrt(np.mean(right**2)))
    if min(rms_l, rms_r) < 0.1 * max(rms_l, rms_r) or min(rms_l, rms_r) < 1e-3:
        return False
    corr = float(np.corrcoef(left, right)[0, 1])
    return corr < 0.5


def frame_energy_db(samples: np.ndarray, *, frame_s: float = 0.03) -> np.ndarray:
    """RMS level of consecutive frames, in dBFS."""
    n = int(SAMPLE_RATE * frame_s)
    usable = len(samples) - len(samples) % n
    if usable == 0:
        return np.array([-120.0])
    frames = samples[:usable].reshape(-1, n)
    rms = np.sqrt(np.mean(frames**2, axis=1)) + 1e-9
    return np.asarray(20 * np.log10(rms))


def is_silent(samples: np.ndarray) -> bool:
    """No frame rises above -50 dBFS (digital silence, or room tone with nobody speaking)."""
    if len(samples) == 0:
        return True
    energy = frame_energy_db(samples)
    return bool(np.percentile(energy, 99) < -50.0)


def load_audio(
    path: Path,
    *,
    max_seconds: float | None = None,
    max_bytes: int | None = None,
    cache_dir: Path | None = None,
) -> Audio:
    """Probe and decode `path`; with `cache_dir`, the derived PCM is kept (and reused) there.

    The cache is keyed by the file's SHA-256, so it can always be deleted and regenerated.
    """
    info = probe(path, max_seconds=max_seconds, max_bytes=max_bytes)
    if cache_dir is None:
        return decode(path, info)
    digest = _sha256(path)
    cached = cache_dir / f"{digest}.npz"
    if cached.exists():
        with np.load(cached) as data:
            samples = data["samples"]
            channels = [data[k] for k in sorted(data.files) if k.startswith("channel")]
        return Audio(samples=samples, duration_s=len(samples) / SAMPLE_RATE, channels=channels)
    audio = decode(path, info)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f"{digest}.tmp.npz"
    extra = {f"channel{i}": c for i, c in enumerate(audio.channels)}
    np.savez(tmp, samples=audio.samples, **extra)  # type: ignore[arg-type]
    tmp.replace(cached)
    return audio


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
