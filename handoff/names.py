"""Comparing people's names as written by different hands: a typist, a chat handle, a recognizer.

Shared by the recognizers' vocabulary pass (`ingest.asr.vocab_text`) and extraction's people index
(`summarizer.people`), so both agree on when "Preya" is Priya.
"""

from __future__ import annotations

import re
import unicodedata

_ACCENTS = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l"})


def fold(text: str) -> str:
    """Lowercase without accents, for comparing names."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_ACCENTS))
    return "".join(c for c in text if not unicodedata.combining(c))


def sound_key(name: str) -> str:
    """A rough English sound-alike key: spelling rewrites, then the consonant skeleton."""
    s = re.sub(r"[^a-z]", "", fold(name))
    for a, b in (("sch", "sk"), ("sh", "s"), ("bh", "v"), ("mh", "v"), ("ph", "f"), ("ck", "k"),
                 ("q", "k"), ("x", "ks"), ("z", "s"), ("dh", "d"), ("th", "t"), ("gh", "g"),
                 ("c", "k"), ("w", "v"), ("y", "i")):  # fmt: skip
        s = s.replace(a, b)
    if not s:
        return ""
    skeleton = s[0] + re.sub(r"[aeiouh]", "", s[1:])
    return re.sub(r"(.)\1+", r"\1", skeleton)
