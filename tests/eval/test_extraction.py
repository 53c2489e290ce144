"""The extraction evaluation: the dev set's shape, the scorer, and the command end to end."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from eval.extraction_data import DATA_DIR, as_raw_asr, chat_transcript, load_examples
from eval.extraction_score import score_example

ROOT = Path(__file__).resolve().parents[2]


def test_dev_set_is_big_varied_and_holds_a_part_out() -> None:
    examples = load_examples(DATA_DIR)
    assert len(examples) >= 40
    splits = Counter(e.split for e in examples)
    assert splits["heldout"] >= 0.2 * len(examples)
    assert {e.source for e in examples} == {"speech", "chat"}
    assert len({e.id for e in examples}) == len(examples)


def test_chat_rows_become_messages_with_speaker_and_time() -> None:
    ex = next(e for e in load_examples(DATA_DIR) if e.source == "chat")
    t = chat_transcript(ex.text, recorded_at=ex.recorded_at)
    assert t.source_kind == "chat" and all(s.speaker and s.at for s in t.segments)


def test_scorer_matches_by_similarity_and_checks_attributes() -> None:
    gold = {
        "blockers": [{"description": "need the IdP metadata", "needed_from": "Petra"}],
        "next_actions": [{"action": "write the test plan", "owner": "Jonas"}],
        "returns_at_iso": "2026-11-18T08:00:00+01:00",
        "missing": ["shipped"],
    }
    pred = {
        "blockers": [
            {"description": "SSO is blocked, we need the IdP metadata", "needed_from": "petra"}
        ],
        "next_actions": [{"action": "Next I'll write the test plan", "owner": None},
                         {"action": "unrelated", "owner": "X"}],
        "returns_at_iso": "2026-11-18T08:00:00+01:00",
        "missing": [{"field": "shipped"}, {"field": "next_actions[0].owner"}],
    }  # fmt: skip
    s = score_example(gold, pred)
    assert s.parts["blockers"].tp == 1 and s.parts["next_actions"].tp == 1
    assert s.parts["next_actions"].pred == 2
    assert s.attributes["blockers.needed_from"] == [1, 1]
    assert s.attributes["next_actions.owner"] == [0, 1]
    assert (s.missing.tp, s.missing.pred, s.missing.gold) == (1, 2, 1)


def test_eval_extraction_prints_the_table_for_both_splits_of_each_set() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "eval", "extraction"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.returncode == 0, out.stderr
    assert "split: tune" in out.stdout and "split: heldout" in out.stdout
    assert "missing flags" in out.stdout and "attributes (micro)" in out.stdout
    assert "ubuntu-meetings action items: 18 gold" in out.stdout
    # one table per data file and split: the dev set and the separately written fresh set
    sets = sorted(p.stem for p in DATA_DIR.glob("*.jsonl"))
    assert out.stdout.count("bar (item F1") == 2 * len(sets)
    assert all(f"{name} / split: heldout" in out.stdout for name in sets)


def test_eval_llm_backend_without_a_model_is_one_sentence() -> None:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("HANDOFF_")}
    out = subprocess.run(
        [sys.executable, "-m", "eval", "extraction", "--backend", "llm", "--no-ubuntu"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert out.returncode == 2 and "HANDOFF_LLM" in out.stderr and "Traceback" not in out.stderr


def test_raw_asr_reads_a_spoken_wrap_as_a_recognizer_without_punctuation_writes_it() -> None:
    assert as_raw_asr("Back at 9:30, OK? The fix (PR 12) — done. Ratio 2.5!") == (
        "back at 9:30 ok the fix pr 12 done ratio 2.5"
    )


def test_eval_extraction_raw_asr_scores_only_the_spoken_wraps() -> None:
    data = DATA_DIR / "unseen6.jsonl"
    spoken = [e for e in load_examples(data) if e.format == "speech"]
    out = subprocess.run(
        [sys.executable, "-m", "eval", "extraction", "--data", str(data), "--raw-asr",
         "--no-ubuntu", "--split", "tune"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert f"split: tune ({sum(e.split == 'tune' for e in spoken)} wraps)" in out.stdout
