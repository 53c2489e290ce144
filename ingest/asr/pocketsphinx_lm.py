"""The offline recognizer's language model and dictionary, biased towards handoff talk.

pocketsphinx's general English model knows nothing of "in review", "p r eighteen forty two" or a
team's people and items, and a word missing from its dictionary is never recognized at all. So:

1. a small trigram model is built from generic handoff phrasing plus the team's vocabulary
   (`ingest.phrasing`; never from the clip being transcribed);
2. it is statically interpolated with the general model over the union of their n-grams:
   `weight * P_domain + (1 - weight) * P_general`, the general model's backoff weights kept, so
   a word the domain model lacks scores exactly `(1 - weight) * P_general` and the general model
   alone decides between such words (general speech keeps its trigrams and its ranking);
3. vocabulary words the dictionary lacks get several pronunciations (festival's, flite's and
   espeak-ng's letter-to-sound guesses, compounds of dictionary words, and letters for the team's
   acronyms; `ingest.asr.pronounce`), so a name is heard however the guesses differ from the
   speaker.

The result is cached under `cache_dir` by a hash of its inputs and converted to pocketsphinx's
binary format, so a decoder loads it as fast as the stock model. The general model ships only in
binary form; `general_arpa` exports it once per cache (working around pocketsphinx 5.1.1's ARPA
writer, see there). `DEFAULT_WEIGHT` was chosen on synthetic wraps of the extraction dev set's
"tune" split (the evaluation speaks the "heldout" split).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.asr.pronounce import english_dictionary, pronunciations, read_dictionary, spelled
from ingest.phrasing import handoff_corpus, spoken_words

LM_VERSION = "8"
DEFAULT_WEIGHT = 0.3
_LOG10_ZERO = -99.0


@dataclass(frozen=True, slots=True)
class SphinxModel:
    """Paths a pocketsphinx decoder is configured with."""

    hmm: str
    lm: str
    dict: str


def stock_model() -> SphinxModel:
    from pocketsphinx import get_model_path

    return SphinxModel(
        hmm=get_model_path("en-us/en-us"),
        lm=get_model_path("en-us/en-us.lm.bin"),
        dict=english_dictionary(),
    )


def _lg(p: float) -> float:
    return math.log10(p) if p > 0 else _LOG10_ZERO


# ------------------------------------------------------------------ the general model, exported


# pocketsphinx 5.1.1's ARPA writer takes each section's size from the model's header, and the
# shipped en-us model's header claims six more bigrams than its trie holds: the writer then walks
# past the filled entries and dies before the trigrams (cmusphinx/pocketsphinx#502, fixed after
# 5.1.1). The Python API hides the counts, so the child below reaches the C library through ctypes,
# sets the bigram count `drop` lower and writes the whole model. Too high a count crashes the
# child, so trying `drop = 0, 1, 2, ...` stops at the true count.
_EXPORT_SCRIPT = """
import ctypes, glob, os, sys
import pocketsphinx
so = glob.glob(os.path.join(os.path.dirname(pocketsphinx.__file__), "_pocketsphinx*.so"))[0]
lib = ctypes.CDLL(so)
lib.logmath_init.restype = ctypes.c_void_p
lib.logmath_init.argtypes = [ctypes.c_double, ctypes.c_int, ctypes.c_int]
lib.ngram_model_read.restype = ctypes.c_void_p
lib.ngram_model_read.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
lib.ngram_model_write.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
lib.ngram_model_get_counts.restype = ctypes.POINTER(ctypes.c_uint32)
lib.ngram_model_get_counts.argtypes = [ctypes.c_void_p]
lib.ngram_model_get_size.argtypes = [ctypes.c_void_p]
lm = lib.ngram_model_read(None, sys.argv[1].encode(), 0, lib.logmath_init(1.0001, 0, 0))
if not lm or lib.ngram_model_get_size(lm) < 2:
    sys.exit(3)
counts = lib.ngram_model_get_counts(lm)
counts[1] -= int(sys.argv[3])
sys.exit(1 if lib.ngram_model_write(lm, sys.argv[2].encode(), 1) else 0)
"""
_MAX_DROP = 16


def general_arpa(cache_dir: Path) -> Path:
    """The whole general model (unigrams, bigrams, trigrams) as ARPA text, exported once per
    cache."""
    out = cache_dir / "en-us.arpa"
    if out.exists():
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f"en-us.{os.getpid()}.tmp"
    try:
        for drop in range(_MAX_DROP):
            proc = subprocess.run(
                [sys.executable, "-c", _EXPORT_SCRIPT, stock_model().lm, str(tmp), str(drop)],
                capture_output=True,
                check=False,
            )
            if proc.returncode == 0 and _complete(tmp):
                tmp.replace(out)
                return out
            if proc.returncode > 0:  # an error, not a crash: another count will not help
                break
    finally:
        tmp.unlink(missing_ok=True)
    from ingest.errors import RecognizerUnavailable

    raise RecognizerUnavailable(
        "pocketsphinx's English language model could not be exported; reinstall pocketsphinx."
    )


def _complete(arpa: Path) -> bool:
    """Whether the export ended properly (the last line of an ARPA file is `\\end\\`)."""
    try:
        with arpa.open("rb") as fh:
            fh.seek(max(0, arpa.stat().st_size - 64))
            return fh.read().rstrip().endswith(b"\\end\\")
    except OSError:
        return False


# ------------------------------------------------------------------ the domain model


@dataclass(slots=True)
class _Domain:
    p1: dict[str, float]
    a1: dict[str, float]
    p2: dict[tuple[str, str], float]
    a2: dict[tuple[str, str], float]
    p3: dict[tuple[str, str, str], float]


def _domain_model(sentences: Iterable[str], discount: float = 0.5) -> _Domain:
    """Absolute-mass discounting trigram model (the same scheme as pocketsphinx.lm.ArpaBoLM)."""
    c1: dict[str, int] = {}
    c2: dict[tuple[str, str], int] = {}
    c3: dict[tuple[str, str, str], int] = {}
    for sentence in sentences:
        words = ["<s>", *sentence.split(), "</s>"]
        for i, w in enumerate(words):
            c1[w] = c1.get(w, 0) + 1
            if i + 1 < len(words):
                k2 = (w, words[i + 1])
                c2[k2] = c2.get(k2, 0) + 1
                if i + 2 < len(words):
                    k3 = (w, words[i + 1], words[i + 2])
                    c3[k3] = c3.get(k3, 0) + 1
    keep = 1.0 - discount
    total = sum(c1.values())
    p1 = {w: c * keep / total for w, c in c1.items()}
    p2 = {k: c * keep / c1[k[0]] for k, c in c2.items()}
    p3 = {k: c * keep / c2[(k[0], k[1])] for k, c in c3.items()}
    seen1: dict[str, float] = {}
    for h, w in p2:
        seen1[h] = seen1.get(h, 0.0) + p1[w]
    a1 = {h: discount / max(1e-9, 1.0 - seen1.get(h, 0.0)) for h in p1}
    seen2: dict[tuple[str, str], float] = {}
    for a, b, c in p3:
        seen2[(a, b)] = seen2.get((a, b), 0.0) + p2.get((b, c), 0.0)
    a2 = {k: discount / max(1e-9, 1.0 - seen2.get(k, 0.0)) for k in p2}
    return _Domain(p1, a1, p2, a2, p3)


def _domain_prob(d: _Domain, words: tuple[str, ...]) -> float:
    """P_domain(last word | the others), backing off as an ARPA model does."""
    if len(words) == 3:
        if words in d.p3:
            return d.p3[words]  # type: ignore[index]
        return d.a2.get((words[0], words[1]), 1.0) * _domain_prob(d, words[1:])
    if len(words) == 2:
        if words in d.p2:
            return d.p2[words]  # type: ignore[index]
        return d.a1.get(words[0], 1.0) * d.p1.get(words[1], 0.0)
    return d.p1.get(words[0], 0.0)


# ------------------------------------------------------------------ mixing


class _General:
    """P_general(last word | the others) for n-grams the general ARPA file does not list, from
    pocketsphinx's own backoff over its binary model."""

    def __init__(self) -> None:
        import pocketsphinx as ps

        self._logmath = ps.LogMath(1.0001, 0, False)  # kept referenced: the model does not own it
        self._lm = ps.NGramModel(ps.Config(loglevel="FATAL"), self._logmath, stock_model().lm)
        self._scale = math.log10(1.0001)

    def prob(self, words: tuple[str, ...], known: set[str]) -> float:
        if words[-1] not in known:
            return 0.0
        history = [w for w in reversed(words[:-1])]
        # An unknown history word ends the context, as it would in the decoder.
        if history and history[0] not in known:
            history = []
        elif len(history) > 1 and history[1] not in known:
            history = history[:1]
        return 10 ** (self._lm.prob([words[-1], *history]) * self._scale)


def _mix(general: Path, d: _Domain, weight: float, out: Path) -> None:
    """Write the interpolated model `weight * P_domain + (1 - weight) * P_general` over the union
    of both models' n-grams, keeping the general model's backoff weights: an n-gram ending in a
    word the domain model lacks then scores exactly `(1 - weight) * P_general`, explicit or backed
    off, so the general model alone decides between such words."""
    keep = 1.0 - weight
    shift = math.log10(keep)
    domain_grams: list[set[tuple[str, ...]]] = [
        {(w,) for w in d.p1},
        set(d.p2),
        set(d.p3),
    ]
    known: set[str] = set()
    # Sections go to their own files (the general model has millions of lines), then one file.
    parts_out = [out.with_suffix(f".{n}.part") for n in (1, 2, 3)]
    counts = [0, 0, 0]
    sinks = [p.open("w", encoding="utf-8") for p in parts_out]
    try:
        order = 0
        with general.open(encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("\\"):
                    order = int(line[1]) if line[1].isdigit() else 0
                    continue
                if not order or line[:1] not in "-0123456789" or "\t" not in line:
                    continue
                counts[order - 1] += 1
                parts = line.split("\t")
                words = tuple(w.rstrip("\n") for w in parts[1 : 1 + order])
                if order == 1:
                    known.add(words[0])
                if words[-1] == "<s>":
                    sinks[order - 1].write(line)  # never predicted: -99 whatever the weight
                elif words[-1] not in d.p1:
                    parts[0] = f"{float(parts[0]) + shift:.4f}"
                    sinks[order - 1].write("\t".join(parts))
                else:
                    domain_grams[order - 1].discard(words)
                    p = keep * 10 ** float(parts[0]) + weight * _domain_prob(d, words)
                    parts[0] = f"{_lg(p):.4f}"
                    sinks[order - 1].write("\t".join(parts))
        general_p = _General()
        for n, grams in enumerate(domain_grams, start=1):
            # A history only the domain knows backs off without a penalty: the general model
            # has no weight to offer and the domain's own are close to one.
            bow = "\t0.0000" if n < 3 else ""
            for words in sorted(grams):
                if words == ("<s>",):
                    continue
                p = keep * general_p.prob(words, known) + weight * _domain_prob(d, words)
                text = "\t".join(words)
                sinks[n - 1].write(f"{_lg(p):.4f}\t{text}{bow}\n")
                counts[n - 1] += 1
    finally:
        for sink in sinks:
            sink.close()
    _write_arpa(out, counts, parts_out)


def _write_arpa(out: Path, counts: list[int], sections: list[Path]) -> None:
    """One ARPA file from its header counts and each order's section (the sections are removed)."""
    with out.open("w", encoding="utf-8") as fh:
        fh.write("\\data\\\n")
        fh.writelines(f"ngram {n}={c}\n" for n, c in enumerate(counts, start=1))
        for n, part in enumerate(sections, start=1):
            fh.write(f"\n\\{n}-grams:\n")
            with part.open(encoding="utf-8") as src:
                shutil.copyfileobj(src, fh)
            part.unlink()
        fh.write("\n\\end\\\n")


# ------------------------------------------------------------------ pronunciations


_ACRONYM = re.compile(r"\b[A-Z]{2,5}\b")


def acronyms(terms: Iterable[str]) -> set[str]:
    """Words the team writes in capitals ("SSO", "CVE", "INC"), lower-cased as spoken words."""
    return {a.lower() for t in terms for a in _ACRONYM.findall(t)}


def _extra_entries(
    sentences: Sequence[str], known: dict[str, list[str]], spell: set[str]
) -> dict[str, list[str]]:
    """Dictionary lines to add: pronunciations for the sentences' unknown words, and the letters of
    short acronyms the dictionary has only as a word ("INC", "SEC")."""
    wanted = sorted({w for s in sentences for w in s.split()} - set(known))
    extra = pronunciations(wanted, known, acronyms=spell)
    for word in sorted(w for w in spell & set(known) if len(w) <= 3):
        letters = spelled(word)
        if letters and letters not in known[word]:
            extra[word] = [letters]
    return extra


# ------------------------------------------------------------------ the whole build


def biased_model(
    hints: Sequence[str],
    *,
    cache_dir: Path,
    people: Sequence[str] = (),
    items: Sequence[str] = (),
    prefixes: Sequence[str] = (),
    weight: float = DEFAULT_WEIGHT,
) -> SphinxModel:
    """The stock acoustic model with the handoff-biased language model and extended dictionary.

    `hints` are free vocabulary terms; `people`, `items` and `prefixes` are placed into handoff
    sentences where a person, an item or a ticket would go.
    """
    stock = stock_model()
    sentences = handoff_corpus(
        items=sorted({*items, *hints}), people=sorted(people), prefixes=sorted(prefixes)
    )
    # Keyed by the sentences themselves, so a change to the phrasing rebuilds the model too.
    spell = acronyms([*hints, *people, *items, *prefixes])
    key_src = json.dumps([LM_VERSION, weight, sentences, sorted(spell)])
    key = hashlib.sha256(key_src.encode()).hexdigest()[:16]
    folder = cache_dir / key
    model = SphinxModel(
        hmm=stock.hmm, lm=str(folder / "mixed.lm.bin"), dict=str(folder / "words.dict")
    )
    if Path(model.lm).exists() and Path(model.dict).exists():
        return model
    folder.mkdir(parents=True, exist_ok=True)
    known = read_dictionary(stock.dict)
    extra = _extra_entries(sentences, known, spell)
    # Sentences with a word nobody can pronounce would only teach the model an unusable word.
    sentences = [s for s in sentences if all(w in known or w in extra for w in s.split())]
    tag = os.getpid()  # two processes may build the same model at once
    arpa = folder / f"mixed.{tag}.arpa"
    _mix(general_arpa(cache_dir), _domain_model(sentences), weight, arpa)
    _to_binary(arpa, folder / f"mixed.lm.bin.{tag}")
    arpa.unlink(missing_ok=True)
    with (
        open(stock.dict, encoding="utf-8") as src,
        (folder / f"words.dict.{tag}").open("w", encoding="utf-8") as dst,
    ):
        shutil.copyfileobj(src, dst)
        for word, variants in sorted(extra.items()):
            first = len(known.get(word, ()))
            for n, phones in enumerate(variants, start=first + 1):
                dst.write(f"{word}{f'({n})' if n > 1 else ''} {phones}\n")
    (folder / f"words.dict.{tag}").replace(model.dict)
    (folder / f"mixed.lm.bin.{tag}").replace(model.lm)
    return model


def _to_binary(arpa: Path, out: Path) -> None:
    import pocketsphinx as ps

    logmath = ps.LogMath(1.0001, 0, True)  # kept referenced: the model does not own it
    lm = ps.NGramModel(ps.Config(loglevel="FATAL"), logmath, str(arpa))
    lm.write(str(out), ps.NGramModel.str_to_type("bin"))
    del lm, logmath


def vocabulary_spoken_terms(terms: Iterable[str]) -> list[str]:
    return [" ".join(spoken_words(t)) for t in terms if spoken_words(t)]
