"""Pronunciations for words the recognizer's dictionary lacks (team names, product words).

A word without a pronunciation is never recognized, and one wrong guess is nearly as bad: "Keira"
spoken as "KEER-a" never matches festival's guess `K R AH`. So each word gets several guesses, and
the decoder picks whichever the audio fits:

- festival's and flite's letter-to-sound rules (their CART trees differ on many names);
- espeak-ng's, whose IPA is mapped onto the acoustic model's phones;
- for a compound ("zendesk", "webhooks"), its two dictionary words joined;
- for an acronym the team writes in capitals ("CVE", "SSO"), its letters, as people often spell
  those out (and sometimes say them as a word);
- for a possessive ("omar's"), the word plus its ending.

The English pronouncing dictionary these are measured against (`english_dictionary`, the CMU
dictionary that ships in pocketsphinx's wheel) is read here too, so pocketsphinx's language model
and the Whisper engines' term spotting share it without one engine importing the other.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

# The acoustic model's phones: anything else (festival's "nil" for a word it cannot say) is not
# a pronunciation.
_ARPABET = (
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W"
    " Y Z ZH"
)
PHONES = frozenset(_ARPABET.split())
_FESTIVAL_PHONES = {"ax": "AH", "pau": ""}
MAX_VARIANTS = 4

# espeak-ng's IPA, longest symbols first; stress, length and tie marks are dropped.
_IPA: tuple[tuple[str, str], ...] = tuple(
    sorted(
        {
            "tʃ": "CH",
            "dʒ": "JH",
            "eɪ": "EY",
            "aɪ": "AY",
            "ɔɪ": "OY",
            "aʊ": "AW",
            "oʊ": "OW",
            "əʊ": "OW",
            "ɜːɹ": "ER",
            "ɜː": "ER",
            "ɜ": "ER",
            "ɝ": "ER",
            "ɚ": "ER",
            "iː": "IY",
            "uː": "UW",
            "ɑː": "AA",
            "ɔː": "AO",
            "oː": "AO",
            "n̩": "AH N",
            "l̩": "AH L",
            "i": "IY",
            "ɪ": "IH",
            "ᵻ": "IH",
            "e": "EH",
            "ɛ": "EH",
            "æ": "AE",
            "a": "AE",
            "ɐ": "AH",
            "ʌ": "AH",
            "ə": "AH",
            "ɑ": "AA",
            "ɒ": "AA",
            "ɔ": "AO",
            "o": "OW",
            "ʊ": "UH",
            "u": "UW",
            "p": "P",
            "b": "B",
            "t": "T",
            "d": "D",
            "k": "K",
            "g": "G",
            "ɡ": "G",
            "f": "F",
            "v": "V",
            "θ": "TH",
            "ð": "DH",
            "s": "S",
            "z": "Z",
            "ʃ": "SH",
            "ʒ": "ZH",
            "h": "HH",
            "m": "M",
            "n": "N",
            "ŋ": "NG",
            "l": "L",
            "ɫ": "L",
            "ɹ": "R",
            "r": "R",
            "j": "Y",
            "w": "W",
            "ʍ": "W",
            "ɾ": "T",
            "ʔ": "T",
            "x": "K",
            "ç": "HH",
        }.items(),
        key=lambda kv: -len(kv[0]),
    )
)
_IPA_DROP = str.maketrans("", "", "ˈˌ\u200d-_ ")


def ipa_to_arpabet(ipa: str) -> str | None:
    """espeak-ng's IPA for one word as ARPAbet, or None when a symbol has no counterpart."""
    text = ipa.strip().translate(_IPA_DROP)
    phones: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "ː":
            i += 1
            continue
        for symbol, arpa in _IPA:
            if text.startswith(symbol, i):
                phones.extend(arpa.split())
                i += len(symbol)
                break
        else:
            return None
    # A doubled consonant ("fˈɑːɹɹɪd") is one sound.
    merged = [p for k, p in enumerate(phones) if k == 0 or p != phones[k - 1] or p in _VOWELS]
    return " ".join(merged) or None


_VOWELS = frozenset("AA AE AH AO AW AY EH ER EY IH IY OW OY UH UW".split())  # noqa: SIM905


def festival_guesses(words: Sequence[str]) -> dict[str, str]:
    """festival's letter-to-sound guesses (lexicon entries where it has them)."""
    if not words or not shutil.which("festival"):
        return {}
    script = "".join(f'(print (lex.lookup "{w}" nil))\n' for w in words)
    proc = subprocess.run(
        ["festival", "--pipe"], input=script, capture_output=True, text=True, timeout=120
    )
    out: dict[str, str] = {}
    for line in proc.stdout.splitlines():
        m = re.match(r'^\("([^"]+)" \S+ (.*)\)$', line.strip())
        if m and (phones := _festival_phones(re.findall(r"[a-z]+", m[2]))):
            out[m[1]] = phones
    return out


def flite_guesses(words: Sequence[str]) -> dict[str, str]:
    """flite's letter-to-sound guesses, one word per call (it has no batch mode)."""
    if not shutil.which("flite"):
        return {}
    out: dict[str, str] = {}
    for w in words:
        proc = subprocess.run(
            ["flite", "-t", w, "-ps", "-o", "none"], capture_output=True, text=True, timeout=30
        )
        if phones := _festival_phones(proc.stdout.split()):
            out[w] = phones
    return out


def _festival_phones(raw: Sequence[str]) -> str | None:
    phones = [_FESTIVAL_PHONES.get(p, p.upper()) for p in raw]
    phones = [p for p in phones if p]
    return " ".join(phones) if phones and set(phones) <= PHONES else None


def espeak_guesses(words: Sequence[str]) -> dict[str, str]:
    """espeak-ng's guesses (American English), its IPA mapped to ARPAbet."""
    if not words or not shutil.which("espeak-ng"):
        return {}
    proc = subprocess.run(
        ["espeak-ng", "-q", "-v", "en-us", "--ipa"],
        input="\n".join(words) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if len(lines) != len(words):  # lines merged: the words cannot be told apart
        return {}
    return {w: arpa for w, ln in zip(words, lines, strict=True) if (arpa := ipa_to_arpabet(ln))}


def _compound(word: str, known: Mapping[str, Sequence[str]]) -> str | None:
    """Two dictionary words joined ("zen"+"desk"), the most even split of at least 3 letters."""
    best: tuple[int, str] | None = None
    for i in range(3, len(word) - 2):
        head, tail = word[:i], word[i:]
        if head in known and tail in known:
            even = min(len(head), len(tail))
            if best is None or even > best[0]:
                best = (even, f"{known[head][0]} {known[tail][0]}")
    return best[1] if best else None


_LETTERS = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        [
            "EY",
            "B IY",
            "S IY",
            "D IY",
            "IY",
            "EH F",
            "JH IY",
            "EY CH",
            "AY",
            "JH EY",
            "K EY",
            "EH L",
            "EH M",
            "EH N",
            "OW",
            "P IY",
            "K Y UW",
            "AA R",
            "EH S",
            "T IY",
            "Y UW",
            "V IY",
            "D AH B AH L Y UW",
            "EH K S",
            "W AY",
            "Z IY",
        ],
        strict=True,
    )
)


def spelled(word: str) -> str | None:
    """The word said letter by letter ("sso" -> `EH S EH S OW`)."""
    if not word.isascii() or not word.isalpha():
        return None
    return " ".join(_LETTERS[c] for c in word.lower())


def _possessive(word: str, known: Mapping[str, Sequence[str]]) -> str | None:
    if not word.endswith("'s") or word[:-2] not in known:
        return None
    base = known[word[:-2]][0]
    last = base.split()[-1]
    if last in {"S", "Z", "SH", "ZH", "CH", "JH"}:
        return f"{base} AH Z"
    return f"{base} {'S' if last in {'P', 'T', 'K', 'F', 'TH'} else 'Z'}"


def pronunciations(
    words: Sequence[str],
    known: Mapping[str, Sequence[str]],
    *,
    acronyms: Collection[str] = (),
) -> dict[str, list[str]]:
    """Distinct pronunciations for each of `words` (at most `MAX_VARIANTS`, the most trusted first);
    a word nobody can pronounce is left out. `known` is the dictionary the words are missing from
    (word -> its pronunciations), used for compounds, letters and possessives; `acronyms` are also
    given their letters."""
    words = list(dict.fromkeys(words))
    plain = [w for w in words if re.fullmatch(r"[a-z]+", w)]
    sources = [festival_guesses(plain), flite_guesses(plain), espeak_guesses(plain)]
    out: dict[str, list[str]] = {}
    for w in words:
        found = [
            _possessive(w, known),
            *(s.get(w) for s in sources),
            _compound(w, known),
            spelled(w) if w in acronyms else None,
        ]
        distinct = list(dict.fromkeys(p for p in found if p))[:MAX_VARIANTS]
        if distinct:
            out[w] = distinct
    return out


# ------------------------------------------------------------------ the English dictionary

_DICT_LINE = re.compile(r"^(\S+?)(?:\(\d+\))?\s+(.+?)\s*$")


def english_dictionary() -> str:
    """The path of the English pronouncing dictionary (CMUdict, ARPAbet) in pocketsphinx's wheel:
    a data file every engine may read, whichever engine runs."""
    from pocketsphinx import get_model_path

    return str(get_model_path("en-us/cmudict-en-us.dict"))


def read_dictionary(dict_path: str | Path) -> dict[str, list[str]]:
    """word -> its pronunciations, in the dictionary's order."""
    words: dict[str, list[str]] = {}
    with open(dict_path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if m := _DICT_LINE.match(line):
                words.setdefault(m[1], []).append(m[2])
    return words
