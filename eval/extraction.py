"""`handoff eval extraction`: score an extractor on the dev set and on real meeting action items.

    handoff eval extraction [--backend offline|llm|hybrid] [--data PATH]
                            [--split all|tune|heldout] [--errors] [--by-format] [--no-ubuntu]
                            [--raw-asr]

Prints one table per data file and split (the held-out part is what the quality bar is judged on;
`fresh.jsonl` was written apart from the rules, as an outside check): per part precision/recall/F1,
attribute accuracy, missing-flag precision/recall/F1; `--by-format` adds one line per wrap format
(rows with a `format` field: stand-up template, emoji lines, table, ...). `--raw-asr` keeps
only the spoken wraps and gives each as one lowercase run without punctuation, as an offline
recognizer (pocketsphinx) writes it. The LLM backend uses the
configured `HANDOFF_LLM`; each wrap it fails on is counted with the offline fallback it returned.
`hybrid` is what hybrid drafting ends with: the offline draft refined by the LLM (repaired or
rewritten, `HANDOFF_LLM_REFINE`). Every table gives the seconds per wrap (median and worst) and,
for a model, how often each grounding check dropped or changed one of its values.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from eval.extraction_data import DATA_DIR, Example, as_raw_asr, load_examples
from eval.extraction_score import Score, score_example
from handoff.declaration import LIST_PARTS
from handoff.missing import with_flags
from summarizer.base import Extractor

BAR = 0.85


def build_extractor(backend: str) -> Extractor:
    if backend == "offline":
        from api.wiring.extractor import offline_extractor
        from handoff.settings import get_settings

        return offline_extractor(get_settings())
    from api.wiring.extractor import build_extractor as from_settings
    from api.wiring.extractor import build_hybrid
    from handoff.errors import ConfigError
    from handoff.settings import get_settings

    settings = get_settings()
    if not settings.llm:
        raise ConfigError(
            f"Set HANDOFF_LLM (and HANDOFF_LLM_BASE_URL if needed) for --backend {backend}."
        )
    return build_hybrid(settings) if backend == "hybrid" else from_settings(settings)


@dataclass
class Run:
    """Each wrap's score and seconds, and what the extractor's grounding caught."""

    scored: list[tuple[Example, Score, float]] = field(default_factory=list)
    fallbacks: int = 0
    grounding: Counter[str] = field(default_factory=Counter)

    def total(self, fmt: str | None = None) -> Score:
        out = Score()
        for ex, score, _ in self.scored:
            if fmt is None or ex.format == fmt:
                out.add(score)
        return out

    def seconds(self) -> str:
        secs = [s for _, _, s in self.scored]
        if not secs:
            return ""
        return f"seconds per wrap: median {statistics.median(secs):.2f}, worst {max(secs):.2f}"


def _grounding_of(extractor: Extractor) -> Counter[str] | None:
    model = getattr(extractor, "primary", extractor)  # a FallbackExtractor's model
    fired = getattr(model, "grounding_fired", None)
    return fired if isinstance(fired, Counter) else None


def run(extractor: Extractor, examples: list[Example]) -> Run:
    """Every example extracted once and scored; progress on stderr (a model takes seconds)."""
    out = Run()
    before = Counter(_grounding_of(extractor) or {})
    for n, ex in enumerate(examples, start=1):
        started = time.perf_counter()
        decl = with_flags(extractor.extract(ex.transcript(), ex.context()))
        seconds = time.perf_counter() - started
        if decl.extractor and "fallback" in decl.extractor:
            out.fallbacks += 1
        out.scored.append((ex, score_example(ex.gold, decl.to_json(), label=ex.id), seconds))
        if seconds > 1:
            print(f"  [{n}/{len(examples)}] {ex.id}: {seconds:.1f} s", file=sys.stderr)
    if (after := _grounding_of(extractor)) is not None:
        out.grounding = Counter(after) - before
    if out.fallbacks:
        print(f"{out.fallbacks} of {len(examples)} wraps fell back to the offline extractor")
    return out


def table(title: str, score: Score, n: int) -> str:
    lines = [f"\n{title} ({n} wraps)", f"{'':<22}{'P':>7}{'R':>7}{'F1':>7}{'gold':>7}{'pred':>7}"]
    for part in LIST_PARTS:
        c = score.parts[part]
        lines.append(
            f"{part:<22}{c.precision:>7.3f}{c.recall:>7.3f}{c.f1:>7.3f}{c.gold:>7}{c.pred:>7}"
        )
    c = score.items
    lines.append(
        f"{'items (micro)':<22}{c.precision:>7.3f}{c.recall:>7.3f}{c.f1:>7.3f}"
        f"{c.gold:>7}{c.pred:>7}"
    )
    m = score.missing
    lines.append(
        f"{'missing flags':<22}{m.precision:>7.3f}{m.recall:>7.3f}{m.f1:>7.3f}"
        f"{m.gold:>7}{m.pred:>7}"
    )
    lines.append(f"{'attribute':<22}{'acc':>7}{'right':>7}{'total':>7}")
    for name, (right, tot) in sorted(score.attributes.items()):
        lines.append(f"{name:<22}{right / tot if tot else 1:>7.3f}{right:>7}{tot:>7}")
    lines.append(f"{'attributes (micro)':<22}{score.attribute_accuracy:>7.3f}")
    ok = c.f1 >= BAR and score.attribute_accuracy >= BAR and m.f1 >= BAR
    lines.append(
        f"bar (item F1, attribute accuracy, missing-flag F1 >= {BAR}): {'met' if ok else 'NOT met'}"
    )
    return "\n".join(lines)


def format_table(result: Run) -> str:
    """One line per wrap format (the rows' `format` field): item F1, attributes, missing flags."""
    formats = sorted({e.format for e, _, _ in result.scored if e.format})
    if not formats:
        return "(no row has a format field)"
    lines = [f"{'format':<14}{'wraps':>6}{'item F1':>9}{'attr acc':>10}{'missing F1':>12}"]
    for fmt in formats:
        score = result.total(fmt)
        n = sum(1 for e, _, _ in result.scored if e.format == fmt)
        lines.append(
            f"{fmt:<14}{n:>6}{score.items.f1:>9.3f}{score.attribute_accuracy:>10.3f}"
            f"{score.missing.f1:>12.3f}"
        )
    return "\n".join(lines)


def grounding_line(result: Run) -> str:
    if not result.grounding:
        return "grounding: no value dropped or changed"
    fired = ", ".join(f"{k} {v}" for k, v in sorted(result.grounding.items()) if v)
    return f"grounding dropped or changed: {fired or 'nothing'}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="handoff eval extraction", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--backend", choices=("offline", "llm", "hybrid"), default="offline")
    parser.add_argument(
        "--data", type=Path, default=DATA_DIR, help="a JSONL file or a folder of them"
    )
    parser.add_argument("--split", choices=("all", "tune", "heldout"), default="all")
    parser.add_argument("--errors", action="store_true", help="list every mismatch")
    parser.add_argument(
        "--by-format", action="store_true", help="also one line per wrap format (row `format`)"
    )
    parser.add_argument("--no-ubuntu", action="store_true", help="skip the Ubuntu meetings score")
    parser.add_argument(
        "--raw-asr",
        action="store_true",
        help="only the spoken wraps (format `speech`), as one lowercase run without punctuation",
    )
    parser.add_argument(
        "--every",
        type=int,
        default=1,
        metavar="K",
        help="score every K-th wrap of each split (a sample, for slow backends; says so)",
    )
    args = parser.parse_args(argv)
    try:
        examples = load_examples(args.data)
        if args.raw_asr:
            examples = [
                replace(e, text=as_raw_asr(e.text)) for e in examples if e.format == "speech"
            ]
        extractor = build_extractor(args.backend)
    except (OSError, ValueError) as exc:
        print(f"handoff: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # configuration errors are one sentence, like the CLI's
        from handoff.errors import HandoffError

        if isinstance(exc, HandoffError):
            print(f"handoff: {exc}", file=sys.stderr)
            return 2
        raise
    print(f"extractor: {extractor.name}   data: {args.data}")
    splits = ["tune", "heldout"] if args.split == "all" else [args.split]
    datasets = sorted({e.dataset for e in examples})
    for dataset in datasets:  # each file is its own set (dev.jsonl, an outside fresh.jsonl, ...)
        for split in splits:
            chosen = [e for e in examples if e.split == split and e.dataset == dataset]
            chosen = chosen[:: max(1, args.every)]
            if not chosen:
                continue
            result = run(extractor, chosen)
            score = result.total()
            title = f"{dataset} / split: {split}" if len(datasets) > 1 else f"split: {split}"
            if args.every > 1:
                title += f", every {args.every}th wrap (a sample)"
            print(table(title, score, len(chosen)))
            print(result.seconds())
            if extractor.name != "offline":
                print(grounding_line(result))
            if args.by_format:
                print(format_table(result))
            if args.errors:
                print("\n".join(f"  - {e}" for e in score.errors))
    if not args.no_ubuntu:
        from eval.extraction_ubuntu import MEETINGS, score_ubuntu

        if MEETINGS.is_dir():
            ub, misses = score_ubuntu(extractor)
            print(
                f"\nubuntu-meetings action items: {ub.gold} gold, "
                f"{ub.predicted} predicted next actions; "
                f"task recall {ub.task_recall:.3f}, owner recall {ub.owner_recall:.3f}"
            )
            if args.errors:
                print("\n".join(f"  - {e}" for e in misses))
        else:
            print(f"\nubuntu-meetings: not found at {MEETINGS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
