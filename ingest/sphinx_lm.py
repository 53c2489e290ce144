"""The offline recognizer's language model and dictionary, biased towards handoff talk.

pocketsphinx's general English model knows nothing of "in review", "p r eighteen forty two" or a
team's people and items, and a word missing from its dictionary is never recognized at all. So:

1. a small trigram model is built from generic handoff phrasing plus the team's vocabulary
   (`ingest.phrasing`; never from the clip being transcribed);
2. it is statically mixed with the general model: every probability becomes
   `weight * P_domain + (1 - weight) * P_general` over the union of their n-grams;
3. vocabulary words the dictionary lacks get pronunciations from festival's letter-to-sound rules
   (flite's when festival is absent).

The result is cached under `cache_dir` by a hash of its inputs and converted to pocketsphinx's
binary format, so a decoder loads it as fast as the stock model.

The general model ships only in binary form, and pocketsphinx's ARPA writer crashes in its trigram
section; its unigrams and bigrams are complete by then, so the export runs in a child process and
the mixed model keeps the general unigrams and bigrams plus the domain trigrams.
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

from ingest.phrasing import handoff_corpus, spoken_words

LM_VERSION = "5"
DEFAULT_WEIGHT = 0.5
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
        dict=get_model_path("en-us/cmudict-en-us.dict"),
    )


def _lg(p: float) -> float:
    return math.log10(p) if p > 0 else _LOG10_ZERO


# ------------------------------------------------------------------ the general model, exported


_EXPORT_SCRIPT = """
import sys, pocketsphinx as ps
logmath = ps.LogMath(1.0001, 0, True)  # kept referenced: the model does not own it
lm = ps.NGramModel(ps.Config(), logmath, sys.argv[1])
lm.write(sys.argv[2], ps.NGramModel.str_to_type("arpa"))
"""


def general_arpa(cache_dir: Path) -> Path:
    """The general model's unigrams and bigrams as ARPA text (exported once per cache)."""
    out = cache_dir / "en-us.1-2gram.arpa"
    if out.exists():
        return out
    cache_dir.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):
        lines = _export_general(cache_dir)
        if lines is not None:
            break
    else:
        from ingest.errors import RecognizerUnavailable

        raise RecognizerUnavailable(
            "pocketsphinx's English language model could not be read; reinstall pocketsphinx."
        )
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(out)
    return out


def _export_general(cache_dir: Path) -> list[str] | None:
    """One export attempt; None when the output is incomplete or its numbers are not sane
    (pocketsphinx's writer has been seen to emit scaled garbage)."""
    raw = cache_dir / f"en-us.export.{os.getpid()}.arpa"
    subprocess.run(
        [sys.executable, "-c", _EXPORT_SCRIPT, stock_model().lm, str(raw)],
        capture_output=True,
        check=False,  # see the module docstring: it dies in the trigram section
    )
    lines: list[str] = []
    section = 0
    bigrams = 0
    try:
        with raw.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("\\1-grams:"):
                    section = 1
                elif line.startswith("\\2-grams:"):
                    section = 2
                elif line.startswith(("\\3-grams:", "\\end\\")):
                    break
                elif section and line[:1] in "-0123456789":
                    parts = line.rstrip().split("\t")
                    if len(parts) < 2 + section:
                        continue  # the line the writer died in
                    numbers = [float(parts[0])] + [float(x) for x in parts[1 + section :]]
                    if not (-99.0 <= numbers[0] <= 0.0 and all(abs(x) < 20 for x in numbers[1:])):
                        return None
                    bigrams += section == 2
                    lines.append(f"{section}\t{line.rstrip()}")
    except (OSError, ValueError):
        return None
    finally:
        raw.unlink(missing_ok=True)
    return lines if bigrams >= 1_000_000 else None


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


def _domain_p2(d: _Domain, h: str, w: str) -> float:
    if (h, w) in d.p2:
        return d.p2[(h, w)]
    return d.a1.get(h, 1.0) * d.p1.get(w, 0.0)


# ------------------------------------------------------------------ mixing


def _mix(general: Path, d: _Domain, weight: float, out: Path) -> None:
    """Write the mixed ARPA model (see the module docstring)."""
    g1: dict[str, tuple[float, float]] = {}
    g_bigrams_needed = {(b, c) for (_a, b, c) in d.p3} | set(d.p2)
    g2_found: dict[tuple[str, str], float] = {}
    mixed2: list[str] = []
    gw = 1.0 - weight
    with general.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "1":
                bow = float(parts[3]) if len(parts) > 3 else 0.0
                g1[parts[2]] = (10 ** float(parts[1]), bow)
                continue
            if len(parts) < 4:
                continue
            h, w = parts[2], parts[3]
            pg = 10 ** float(parts[1])
            if (h, w) in g_bigrams_needed:
                g2_found[(h, w)] = pg
            if (h, w) in d.p2:
                continue  # written below, with the domain's probability mixed in
            pd = _domain_p2(d, h, w) if w in d.p1 else 0.0
            mixed2.append(f"{_lg(gw * pg + weight * pd):.4f}\t{h} {w}")

    def general_p2(h: str, w: str) -> float:
        if (h, w) in g2_found:
            return g2_found[(h, w)]
        bow = g1[h][1] if h in g1 else 0.0
        return (10**bow) * g1.get(w, (0.0, 0.0))[0]

    vocab = sorted(set(g1) | set(d.p1))
    unigrams = []
    for w in vocab:
        p = weight * d.p1.get(w, 0.0) + gw * g1.get(w, (0.0, 0.0))[0]
        bow = g1[w][1] if w in g1 else _lg(d.a1.get(w, 1.0))
        unigrams.append(f"{_lg(p) if w != '<s>' else _LOG10_ZERO:.4f}\t{w}\t{bow:.4f}")
    for (h, w), pd in d.p2.items():
        p = weight * pd + gw * general_p2(h, w)
        bow = _lg(d.a2[(h, w)]) if (h, w) in d.a2 else 0.0
        mixed2.append(f"{_lg(p):.4f}\t{h} {w}\t{bow:.4f}")
    trigrams = []
    for (a, b, c), pd in d.p3.items():
        p = weight * pd + gw * general_p2(b, c)
        trigrams.append(f"{_lg(p):.4f}\t{a} {b} {c}")
    with out.open("w", encoding="utf-8") as fh:
        fh.write(
            f"\\data\\\nngram 1={len(unigrams)}\nngram 2={len(mixed2)}\n"
            f"ngram 3={len(trigrams)}\n\n\\1-grams:\n"
        )
        fh.write("\n".join(unigrams))
        fh.write("\n\n\\2-grams:\n")
        fh.write("\n".join(mixed2))
        fh.write("\n\n\\3-grams:\n")
        fh.write("\n".join(trigrams))
        fh.write("\n\n\\end\\\n")


# ------------------------------------------------------------------ pronunciations


_FESTIVAL_PHONES = {"ax": "AH", "pau": ""}
_DICT_LINE = re.compile(r"^(\S+?)(?:\(\d+\))?\s")


def _known_words(dict_path: str) -> set[str]:
    words = set()
    with open(dict_path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            if m := _DICT_LINE.match(line):
                words.add(m[1])
    return words


def pronounce(words: Sequence[str]) -> dict[str, str]:
    """ARPAbet pronunciations from festival's (or flite's) letter-to-sound rules."""
    if not words:
        return {}
    if shutil.which("festival"):
        script = "".join(f'(print (lex.lookup "{w}" nil))\n' for w in words)
        proc = subprocess.run(
            ["festival", "--pipe"], input=script, capture_output=True, text=True, timeout=120
        )
        out: dict[str, str] = {}
        for line in proc.stdout.splitlines():
            m = re.match(r'^\("([^"]+)" \S+ (.*)\)$', line.strip())
            if not m:
                continue
            phones = [_FESTIVAL_PHONES.get(p, p.upper()) for p in re.findall(r"[a-z]+", m[2])]
            phones = [p for p in phones if p]
            if phones:
                out[m[1]] = " ".join(phones)
        return out
    if shutil.which("flite"):
        out = {}
        for w in words:
            proc = subprocess.run(
                ["flite", "-t", w, "-ps", "-o", "none"], capture_output=True, text=True, timeout=30
            )
            phones = [_FESTIVAL_PHONES.get(p, p.upper()) for p in proc.stdout.split()]
            phones = [p for p in phones if p]
            if phones:
                out[w] = " ".join(phones)
        return out
    return {}


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
    key_src = json.dumps(
        [LM_VERSION, weight, sorted(hints), sorted(people), sorted(items), sorted(prefixes)]
    )
    key = hashlib.sha256(key_src.encode()).hexdigest()[:16]
    folder = cache_dir / key
    model = SphinxModel(
        hmm=stock.hmm, lm=str(folder / "mixed.lm.bin"), dict=str(folder / "words.dict")
    )
    if Path(model.lm).exists() and Path(model.dict).exists():
        return model
    folder.mkdir(parents=True, exist_ok=True)
    sentences = handoff_corpus(items=[*items, *hints], people=people, prefixes=prefixes)
    known = _known_words(stock.dict)
    wanted = sorted({w for s in sentences for w in s.split()} - known)
    extra = pronounce(wanted)
    # Sentences with a word nobody can pronounce would only teach the model an unusable word.
    sentences = [s for s in sentences if all(w in known or w in extra for w in s.split())]
    arpa = folder / "mixed.arpa"
    _mix(general_arpa(cache_dir), _domain_model(sentences), weight, arpa)
    _to_binary(arpa, folder / "mixed.lm.bin.tmp")
    arpa.unlink(missing_ok=True)
    with (
        open(stock.dict, encoding="utf-8") as src,
        (folder / "words.dict.tmp").open("w", encoding="utf-8") as dst,
    ):
        shutil.copyfileobj(src, dst)
        for word, phones in sorted(extra.items()):
            dst.write(f"{word} {phones}\n")
    (folder / "words.dict.tmp").replace(model.dict)
    (folder / "mixed.lm.bin.tmp").replace(model.lm)
    return model


def _to_binary(arpa: Path, out: Path) -> None:
    import pocketsphinx as ps

    logmath = ps.LogMath(1.0001, 0, True)  # kept referenced: the model does not own it
    lm = ps.NGramModel(ps.Config(), logmath, str(arpa))
    lm.write(str(out), ps.NGramModel.str_to_type("bin"))
    del lm, logmath


def vocabulary_spoken_terms(terms: Iterable[str]) -> list[str]:
    return [" ".join(spoken_words(t)) for t in terms if spoken_words(t)]
