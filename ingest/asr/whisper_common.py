"""What the two Whisper engines share: the glossary prompt, and turning a Whisper segment into
ours while dropping the text Whisper writes over silence.

openai-whisper (`ingest.asr.whisper`) and faster-whisper (`ingest.asr.faster_whisper`) decode the
same model and return segments of the same shape, so both read them through `segment_from`; the
engines themselves never import each other.

Whisper invents text over silence, so a segment is kept only when Whisper itself thinks it holds
speech (no-speech probability) and our energy detector finds speech under it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ingest.asr.base import Hints
from ingest.asr.chunking import Region, channel_label
from ingest.transcript import Segment, Word

NO_SPEECH_MAX = 0.6
MIN_SPEECH_OVERLAP = 0.2
LOGPROB_MIN = -1.0
# Whisper reads at most 223 prompt tokens (half its text context, less one). On the tune split's
# synthetic wraps (tiny.en), a 100-token glossary heard more of the team's terms than none or 40
# (recall 0.60 vs 0.54, 0.58) at the same WER; a 200-token one garbled speech (WER 0.20 vs 0.17).
PROMPT_TOKENS = 100


def prompt_for(
    hints: Hints, *, count: Callable[[str], int] | None = None, budget: int = PROMPT_TOKENS
) -> str | None:
    """Whisper's initial prompt: a glossary of the team's words, people first (names are what
    Whisper cannot guess), then ticket prefixes and items. Whisper reads at most 223 tokens of
    prompt and drops the front of a longer one, and a long glossary makes a small model garble
    speech, so terms are added only while the prompt fits in `budget` tokens (`count` counts
    tokens; without it, about four characters make a token)."""
    terms = list(dict.fromkeys([*hints.people, *hints.prefixes, *hints.items, *hints.terms]))
    if not terms:
        return None
    size = count or (lambda text: len(text) // 4 + 1)
    chosen: list[str] = []
    for term in terms:
        if size(_glossary([*chosen, term])) > budget:
            break
        chosen.append(term)
    return _glossary(chosen) if chosen else None


def _glossary(terms: list[str]) -> str:
    return "Handoff notes. Glossary: " + ", ".join(terms) + "."


def _overlaps_speech(start: float, end: float, regions: Iterable[Region]) -> bool:
    length = max(end - start, 1e-3)
    covered = sum(max(0.0, min(end, r.end_s) - max(start, r.start_s)) for r in regions)
    return covered / length >= MIN_SPEECH_OVERLAP


def segment_from(
    raw: dict[str, Any], channel: int, multi: bool, regions: list[Region], duration: float
) -> Segment | None:
    """A Whisper segment as ours, or None when it is silence Whisper wrote words over: Whisper's
    own rule (likely no speech and a low average log-probability), or no speech under it by our
    energy detector."""
    text = str(raw.get("text", "")).strip()
    start = min(float(raw["start"]), duration)
    end = min(float(raw["end"]), duration)
    silent = float(raw.get("no_speech_prob", 0.0)) > NO_SPEECH_MAX
    if not text or (silent and float(raw.get("avg_logprob", LOGPROB_MIN - 1)) < LOGPROB_MIN):
        return None
    if not _overlaps_speech(start, end, regions):
        return None  # text over silence: Whisper's invention
    words = [
        Word(
            word=str(w["word"]).strip(),
            start_s=round(min(float(w["start"]), duration), 2),
            end_s=round(min(float(w["end"]), duration), 2),
            probability=round(float(w.get("probability", 0.0)), 3),
        )
        for w in raw.get("words") or []
        if str(w.get("word", "")).strip()
    ]
    return Segment(
        text=text,
        start_s=round(start, 2),
        end_s=round(end, 2),
        words=words,
        channel=channel if multi else None,
        speaker=channel_label(channel) if multi else None,
    )
