"""Small clips made by ffmpeg's own sources (a tone, silence, a test pattern), for tests of what
is refused before decoding matters: the ffmpeg handoff uses (the system's or imageio-ffmpeg's)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from ingest.media import find_tools

CODECS = {".webm": ["-c:a", "libopus"], ".m4a": ["-c:a", "aac"], ".wav": ["-c:a", "pcm_s16le"]}


def make_clip(out: Path, source: str, *, seconds: float | None = None, video: bool = False) -> Path:
    """`out` made from the lavfi `source` (e.g. "sine=frequency=440:duration=3"); `video`
    makes a video-only mp4."""
    args = [find_tools().ffmpeg, "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", source]
    if seconds is not None:
        args += ["-t", str(seconds)]
    args += ["-c:v", "mpeg4", "-an"] if video else CODECS[out.suffix]
    subprocess.run([*args, str(out)], check=True, capture_output=True)
    return out
