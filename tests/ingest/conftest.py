"""Clips for the ingest tests, generated here: espeak-ng or festival speech muxed by ffmpeg into the
containers people actually upload (a browser's MediaRecorder webm, a Loom mp4, a phone's m4a...)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# (file name, ffmpeg output arguments). Video containers get a small test pattern as well.
FORMATS: dict[str, list[str]] = {
    "clip.wav": ["-c:a", "pcm_s16le"],
    "clip.mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
    "clip.m4a": ["-c:a", "aac", "-b:a", "64k"],
    "clip.aac": ["-c:a", "aac", "-b:a", "64k", "-f", "adts"],
    "clip.ogg": ["-c:a", "libvorbis"],
    "clip.opus": ["-c:a", "libopus", "-b:a", "32k"],
    "clip.flac": ["-c:a", "flac"],
    "clip.mp4": [
        "VIDEO",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
    ],
    "clip.mov": [
        "VIDEO",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
    ],
    "clip.mkv": [
        "VIDEO",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "libopus",
    ],
    "vp8.webm": [
        "VIDEO",
        "-c:v",
        "libvpx",
        "-deadline",
        "realtime",
        "-b:v",
        "200k",
        "-c:a",
        "libopus",
    ],
    "vp9.webm": [
        "VIDEO",
        "-c:v",
        "libvpx-vp9",
        "-deadline",
        "realtime",
        "-cpu-used",
        "8",
        "-b:v",
        "200k",
        "-c:a",
        "libopus",
    ],
}

SENTENCE = (
    "Shipped the billing export today. The refund flow is in review, waiting on "
    "Siobhan. Back tomorrow at nine."
)


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed; .ci/run installs the system packages the tests use.")
    return path


def speak(text: str, out: Path, *, voice: str = "espeak", language: str = "en") -> Path:
    """A WAV of `text` spoken by espeak-ng (in `language`'s voice) or festival
    (`voice="festival"`, English)."""
    if voice == "festival":
        need("text2wave")
        src = out.with_suffix(".txt")
        src.write_text(text)
        subprocess.run(
            ["text2wave", "-o", str(out), "-eval", "(voice_cmu_us_slt_arctic_hts)", str(src)],
            check=True,
            capture_output=True,
        )
    else:
        choice = ["-v", language] if language != "en" else []  # espeak-ng's default is English
        subprocess.run(
            [need("espeak-ng"), *choice, "-s", "150", "-w", str(out), text],
            check=True,
            capture_output=True,
        )
    return out


def mux(wav: Path, out: Path, args: list[str]) -> Path:
    cmd = [need("ffmpeg"), "-nostdin", "-v", "error", "-y"]
    if args and args[0] == "VIDEO":
        cmd += [
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10",
            "-i",
            str(wav),
            "-shortest",
            *args[1:],
        ]
    else:
        cmd += ["-i", str(wav), *args]
    subprocess.run([*cmd, str(out)], check=True, capture_output=True)
    return out


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("speech")
    return speak(SENTENCE, folder / "speech.wav")


@pytest.fixture(scope="session")
def clips(speech_wav: Path) -> dict[str, Path]:
    """Every container, with a name that says nothing about the content (`.bin`)."""
    out = {}
    for name, args in FORMATS.items():
        made = mux(speech_wav, speech_wav.parent / name, args)
        disguised = made.with_name(made.stem + "-" + made.suffix.lstrip(".") + ".bin")
        shutil.copyfile(made, disguised)
        out[name] = disguised
    return out


@pytest.fixture(scope="session")
def asr_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One language-model cache for the whole session (building one takes seconds)."""
    return tmp_path_factory.mktemp("asr-cache")
