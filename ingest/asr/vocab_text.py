"""Putting the team's spelling back into recognized text.

A recognizer hears "payments refund flow", "siobhan" and "p r"; the team writes
`payments-refund-flow`, `Siobhan` and `PR`. Every spoken form of a vocabulary term is replaced by
the term as the team writes it, so extraction and search see the same words a typed wrap would
have. Word timings are untouched.

Whisper writes names the way they sound ("Preya", "Raul", "Marko"); a capitalized word spelled
close to one of the team's people ("Priya", "Rahul", "Marco") takes the team's spelling. A
sentence's first word must be spelled close; mid-sentence, where only a name is capitalized,
sounding alike is enough. Lower-case words are never respelled (pocketsphinx writes only
dictionary words, and "when" is a word before it is Wen).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from handoff.names import fold, sound_key
from ingest.phrasing import spoken_words
from ingest.transcript import Transcript, Word

if TYPE_CHECKING:
    from ingest.asr.base import Hints


def _pattern(hints: Hints) -> tuple[re.Pattern[str], dict[str, str]] | None:
    canonical: dict[str, str] = {}
    for term in hints.all_terms():
        spoken = " ".join(spoken_words(term))
        if spoken and spoken not in canonical:
            canonical[spoken] = term
    if not canonical:
        return None
    alternatives = sorted(canonical, key=len, reverse=True)
    regex = re.compile(
        r"(?<![\w-])("
        + "|".join(re.escape(a).replace(r"\ ", r"[\s-]+") for a in alternatives)
        + r")(?![\w-])",
        re.IGNORECASE,
    )
    return regex, canonical


# Letters a recognizer hears one by one that people write as one word.
_SPELLED = {
    "p r": "PR",
    "q a": "QA",
    "c i": "CI",
    "a p i": "API",
    "e t a": "ETA",
    "u t c": "UTC",
    "s g t": "SGT",
    "c e t": "CET",
    "s l o": "SLO",
    "s s o": "SSO",
    "v p n": "VPN",
    "v p c": "VPC",
    "i s t": "IST",
    "g m t": "GMT",
    "e s t": "EST",
    "p s t": "PST",
    "d b a": "DBA",
    "e t l": "ETL",
    "t l s": "TLS",
    "c s v": "CSV",
    "p d f": "PDF",
    "m r": "MR",
}
_SPELLED_RE = re.compile(r"\b(" + "|".join(re.escape(k) for k in _SPELLED) + r")\b")


# "PR #2231" is said "p r hash twenty two thirty one"; the hash goes back on before the number.
_HASH_RE = re.compile(
    r"\bhash (?=(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
    r"twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|"
    r"fifty|sixty|seventy|eighty|ninety|\d)\b)"
)


# "9am" is heard "nine a m": after a number the two letters are the written "am"/"pm".
_CLOCK_RE = re.compile(
    r"\b((?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|thirty|"
    r"forty five|o'clock|\d{1,2}) )([ap]) m\b"
)


_CAPITALIZED = re.compile(r"(?<![\w'-])([A-Z][a-z]{2,})(?![\w-])")
_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)$")
CLOSE_SPELLING = 80.0
SOUND_ALIKE_SPELLING = 60.0


def _names(hints: Hints) -> dict[str, str]:
    """folded first name -> the team's spelling, for the team's one-word names."""
    out: dict[str, str] = {}
    for person in hints.people:
        first = person.split()[0] if person.split() else ""
        if len(first) >= 3 and first.isalpha():
            out.setdefault(fold(first), first)
    return out


def respell_names(text: str, hints: Hints) -> str:
    """Capitalized words that are a team member's name misspelled, in the team's spelling."""
    names = _names(hints)
    if not names:
        return text

    def best(m: re.Match[str]) -> str:
        word = m[1]
        key = fold(word)
        if key in names:
            return names[key]
        first = _SENTENCE_START.search(text[: m.start()]) is not None
        scored = []
        for folded, spelled in names.items():
            score = fuzz.ratio(key, folded)
            alike = sound_key(word) == sound_key(spelled) and score >= SOUND_ALIKE_SPELLING
            if score >= CLOSE_SPELLING or (alike and not first):
                scored.append((score, spelled))
        return max(scored)[1] if scored else word

    return _CAPITALIZED.sub(best, text)


_TOKEN = re.compile(r"[A-Za-z0-9']+")
CLOSE_PHRASE = 85.0


def _phrases(hints: Hints) -> dict[str, str]:
    """spoken form -> the team's spelling, for terms of two words or more."""
    out: dict[str, str] = {}
    for term in [*hints.items, *hints.terms]:
        spoken = " ".join(spoken_words(term))
        if spoken.count(" ") >= 1 and len(spoken) >= 10:
            out.setdefault(spoken, term)
    return out


def respell_phrases(text: str, hints: Hints) -> str:
    """Runs of words spelled close to one of the team's item names ("the micro-suggestion bot",
    "VPN, concentrator of grade"), in the team's spelling. Only names of two words or more and
    ten letters or more, and only close spellings (`CLOSE_PHRASE`), so a short common phrase is
    never taken for an item."""
    phrases = _phrases(hints)
    tokens = list(_TOKEN.finditer(text))
    if not phrases or not tokens:
        return text
    lowered = [t[0].lower() for t in tokens]
    written = {term: " ".join(_TOKEN.findall(term.lower())) for term in phrases.values()}
    found: list[tuple[float, int, int, str]] = []
    for spoken, term in phrases.items():
        n = spoken.count(" ") + 1
        for size in {max(2, n - 1), n, n + 1}:
            for i in range(len(tokens) - size + 1):
                heard = " ".join(lowered[i : i + size])
                if heard in written[term] or written[term] in heard:
                    continue  # the term as the team writes it, or a part of it
                score = fuzz.ratio(heard, spoken)
                if score >= CLOSE_PHRASE:
                    found.append((score, i, i + size, term))
    taken: set[int] = set()
    chosen: list[tuple[int, int, str]] = []
    for _score, a, b, term in sorted(found, key=lambda f: (-f[0], f[1])):
        if taken.isdisjoint(range(a, b)):
            taken.update(range(a, b))
            chosen.append((a, b, term))
    for a, b, term in sorted(chosen, reverse=True):
        text = text[: tokens[a].start()] + term + text[tokens[b - 1].end() :]
    return text


def _respell_words(words: list[Word], hints: Hints) -> list[Word]:
    return [w.model_copy(update={"word": respell_names(w.word, hints)}) for w in words]


def apply_vocabulary(transcript: Transcript, hints: Hints) -> Transcript:
    built = _pattern(hints)

    def fix(text: str) -> str:
        text = respell_names(text, hints)
        # The team's own terms first: "g d p r deletion endpoint" is theirs before "p r" is a PR;
        # exact spoken forms before close spellings.
        if built is not None:
            regex, canonical = built
            text = regex.sub(
                lambda m: canonical.get(" ".join(m[0].lower().replace("-", " ").split()), m[0]),
                text,
            )
        text = respell_phrases(text, hints)
        text = _SPELLED_RE.sub(lambda m: _SPELLED[m[0]], text)
        text = _HASH_RE.sub("#", text)
        return _CLOCK_RE.sub(lambda m: f"{m[1]}{m[2]}m", text)

    segments = [
        s.model_copy(update={"text": fix(s.text), "words": _respell_words(s.words, hints)})
        for s in transcript.segments
    ]
    return transcript.model_copy(update={"segments": segments, "text": fix(transcript.text)})
