"""Putting the team's spelling back into recognized text.

A recognizer hears "payments refund flow", "siobhan" and "p r"; the team writes
`payments-refund-flow`, `Siobhan` and `PR`. Every spoken form of a vocabulary term is replaced by
the term as the team writes it, so extraction and search see the same words a typed wrap would
have. Word timings are untouched.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ingest.phrasing import spoken_words
from ingest.transcript import Transcript

if TYPE_CHECKING:
    from ingest.speech import Hints


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


def apply_vocabulary(transcript: Transcript, hints: Hints) -> Transcript:
    built = _pattern(hints)

    def fix(text: str) -> str:
        # The team's own terms first: "g d p r deletion endpoint" is theirs before "p r" is a PR.
        if built is not None:
            regex, canonical = built
            text = regex.sub(
                lambda m: canonical.get(" ".join(m[0].lower().replace("-", " ").split()), m[0]),
                text,
            )
        text = _SPELLED_RE.sub(lambda m: _SPELLED[m[0]], text)
        text = _HASH_RE.sub("#", text)
        return _CLOCK_RE.sub(lambda m: f"{m[1]}{m[2]}m", text)

    segments = [s.model_copy(update={"text": fix(s.text)}) for s in transcript.segments]
    return transcript.model_copy(update={"segments": segments, "text": fix(transcript.text)})
