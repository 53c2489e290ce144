"""The handoff language model: interpolation with the general model, and what it buys."""

from __future__ import annotations

import math
from pathlib import Path

import jiwer
import pytest

from ingest.asr.base import Hints
from ingest.asr.pocketsphinx import PocketsphinxTranscriber
from ingest.asr.pocketsphinx_lm import _domain_model, _domain_prob, _mix, general_arpa
from ingest.loader import load_transcript
from ingest.media import load_audio
from tests.ingest.conftest import speak

GENERAL = """\\data\\
ngram 1=5
ngram 2=3
ngram 3=1

\\1-grams:
-99.0000\t<s>\t-0.3000
-0.6000\t</s>
-0.7000\tthe\t-0.2000
-0.8000\tcountry\t-0.1000
-0.9000\treview\t-0.1000

\\2-grams:
-0.3000\t<s>\tthe\t-0.1000
-0.2000\tthe\tcountry\t0.0000
-0.5000\tcountry\t</s>\t0.0000

\\3-grams:
-0.1000\t<s>\tthe\tcountry

\\end\\
"""


def _read(arpa: Path) -> dict[tuple[str, ...], float]:
    out: dict[tuple[str, ...], float] = {}
    order = 0
    for line in arpa.read_text().splitlines():
        if line.startswith("\\") and line[1].isdigit():
            order = int(line[1])
        elif order and line and line[0] in "-0123456789":
            parts = line.split("\t")
            out[tuple(parts[1 : 1 + order])] = float(parts[0])
    return out


def test_mixing_interpolates_and_leaves_other_words_to_the_general_model(tmp_path: Path) -> None:
    general = tmp_path / "general.arpa"
    general.write_text(GENERAL)
    domain = _domain_model(["siobhan is in review", "the review is done"])
    _mix(general, domain, 0.25, tmp_path / "mixed.arpa")
    mixed = _read(tmp_path / "mixed.arpa")
    shift = math.log10(0.75)
    # Words the domain never says: the general model's numbers, scaled by 1 - weight.
    assert mixed[("country",)] == pytest.approx(-0.8 + shift, abs=1e-4)
    assert mixed[("the", "country")] == pytest.approx(-0.2 + shift, abs=1e-4)
    assert mixed[("<s>", "the", "country")] == pytest.approx(-0.1 + shift, abs=1e-4)
    # Words both know: the weighted sum of both probabilities.
    want = math.log10(0.75 * 10**-0.9 + 0.25 * _domain_prob(domain, ("review",)))
    assert mixed[("review",)] == pytest.approx(want, abs=1e-4)
    # The domain's own words and n-grams are added, and <s> stays unpredictable.
    assert ("siobhan",) in mixed and ("siobhan", "is", "in") in mixed
    assert mixed[("<s>",)] == -99.0


@pytest.mark.slow
def test_general_model_exports_whole(asr_cache: Path) -> None:
    arpa = general_arpa(asr_cache)
    head = arpa.read_text(encoding="utf-8", errors="replace")[:200]
    assert "ngram 3=" in head
    assert arpa.read_bytes()[-64:].rstrip().endswith(b"\\end\\")


@pytest.mark.slow
def test_mixed_model_hears_the_team_without_hurting_general_speech(
    asr_cache: Path, shared_data: Path, tmp_path: Path
) -> None:
    team = Hints(people=("Siobhan",), items=("grafana-alerts",))
    mixed = PocketsphinxTranscriber(cache_dir=asr_cache, workers=1)
    plain = PocketsphinxTranscriber(cache_dir=asr_cache, workers=1, biased=False)
    text = "Siobhan is fixing the grafana alerts."
    wav = speak(text, tmp_path / "w.wav", voice="festival")
    with_team = load_transcript(wav, hints=team, transcriber=mixed).text
    without = load_transcript(wav, hints=team, transcriber=plain).text
    assert "grafana-alerts" in with_team
    assert "grafana" not in without  # not in the general dictionary: never heard
    # General speech: close to the general model alone (5 of 22 words wrong here; the old static
    # mix without general trigrams made 12). A handoff model with no team words in it leans on
    # "in", "the", "is" a little, hence some slack.
    folder = shared_data / "speech" / "whisper-jfk"
    reference = (folder / "jfk.txt").read_text().lower()
    reference = " ".join("".join(c for c in reference if c.isalpha() or c.isspace()).split())
    jfk = load_audio(folder / "jfk.flac")
    errors = [
        jiwer.process_words(reference, engine.transcribe(jfk, hints=team).text.lower())
        for engine in (mixed, plain)
    ]
    mixed_errors, plain_errors = (e.substitutions + e.deletions + e.insertions for e in errors)
    assert mixed_errors <= plain_errors + 3
