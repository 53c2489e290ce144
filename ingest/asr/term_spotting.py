"""Which of the team's terms a first listening came near, by sound and by spelling.

Whisper takes a prompt of about thirty names; a team's vocabulary can hold hundreds, and a long
glossary of terms the clip never says dilutes the ones it does. So Whisper listens twice: once
with the team's glossary, then with a short prompt of the terms the first transcript came near
("Eukie" is near Yuki, "Vatril's update" near VAT rules update, "Quame" near Kwame).

Nearness is the edit distance between phone strings (the English dictionary that ships with
pocketsphinx, espeak-ng's guesses for other words) or between spellings, whichever is closer, so
a misheard name is found without espeak-ng too. Short terms are marked down a little: a
two-phone name is near something in every sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ingest.asr.base import Hints
from ingest.asr.pronounce import english_dictionary, espeak_guesses, read_dictionary, spelled
from ingest.phrasing import spoken_words

# On the tune split's synthetic wraps (tiny.en, 38 clips, a 219-term vocabulary), a second pass
# with the 14 nearest terms heard 78 of 99 terms against 69 with the glossary alone (6: 76, 10:
# 77, 20: 79), at WER 0.132 against 0.150, for half again the CPU.
FOCUS_TERMS = 14
SHORT_TERM_PENALTY = 0.5  # taken off the similarity, divided by the term's length
MAX_WINDOW_WORDS = 8
_STRESS = re.compile(r"\d")


@lru_cache(maxsize=1)
def english_phones() -> dict[str, str]:
    """word -> its first pronunciation in the dictionary that ships with pocketsphinx."""
    return {w: _STRESS.sub("", p[0]) for w, p in read_dictionary(english_dictionary()).items()}


_guessed: dict[str, str] = {}  # espeak-ng's guesses, per process
GUESSES_KEPT = 50_000  # a worker hears new words for ever; start over past this many


def phones(words: Sequence[str]) -> list[str]:
    """Each word's phones (ARPAbet, space-separated), "" for a word nobody can pronounce. Single
    letters are said as letters ("p r" -> `P IY AA R`)."""
    english = english_phones()
    unknown = sorted({w for w in words if w not in english and w not in _guessed})
    if unknown:
        if len(_guessed) + len(unknown) > GUESSES_KEPT:
            _guessed.clear()
        guesses = espeak_guesses(unknown)
        _guessed.update({w: guesses.get(w, "") for w in unknown})
    return [
        (spelled(w) or "") if len(w) == 1 else english.get(w) or _guessed.get(w, "") for w in words
    ]


class _Codes:
    """One character per phone, so edit distance counts phones, not letters."""

    def __init__(self) -> None:
        self._codes: dict[str, str] = {}

    def __call__(self, phone_string: str) -> str:
        return "".join(
            self._codes.setdefault(p, chr(0x100 + len(self._codes))) for p in phone_string.split()
        )


def _windows(items: Sequence[str], longest: int, joiner: str = "") -> list[str]:
    return [
        joiner.join(items[i:j])
        for i in range(len(items))
        for j in range(i + 1, min(i + longest, len(items)) + 1)
    ]


def near_terms(text: str, hints: Hints, limit: int = FOCUS_TERMS) -> Hints:
    """The `limit` team terms that some run of words in `text` sounds or is spelled most like
    (a term said in `text` is nearest of all), as hints for a second listening."""
    terms = hints.all_terms()
    heard = spoken_words(text)
    if not terms or not heard:
        return Hints()
    spoken = [spoken_words(t) for t in terms]
    longest = min(MAX_WINDOW_WORDS, max(len(s) for s in spoken) + 1)
    code = _Codes()
    term_phones = [code(" ".join(phones(s))) for s in spoken]
    term_letters = ["".join(s) for s in spoken]
    by_sound = process.cdist(
        term_phones,
        _windows([code(p) for p in phones(heard)], longest),
        scorer=Levenshtein.normalized_similarity,
    )
    by_spelling = process.cdist(
        term_letters, _windows(heard, longest), scorer=Levenshtein.normalized_similarity
    )
    sound = np.where([bool(p) for p in term_phones], by_sound.max(axis=1), 0.0)
    score = np.maximum(sound, by_spelling.max(axis=1))
    length = np.array([max(len(p), len(s)) for p, s in zip(term_phones, term_letters, strict=True)])
    score -= SHORT_TERM_PENALTY / np.maximum(length, 1)
    chosen = {terms[k] for k in np.argsort(-score, kind="stable")[:limit]}
    return Hints(
        terms=tuple(t for t in hints.terms if t in chosen),
        people=tuple(t for t in hints.people if t in chosen),
        items=tuple(t for t in hints.items if t in chosen),
        prefixes=tuple(t for t in hints.prefixes if t in chosen),
    )
