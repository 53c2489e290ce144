"""`handoff eval qa`: answer accuracy and retrieval recall@5 on a scenario, beside a plain
vector-RAG baseline (top-k Chroma similarity over the raw wrap texts; the answer is the top
passages), in the same run.

The scenario goes through the real path: the wraps are ingested and published the way
`handoff ingest X.jsonl --publish` does it (a bulk import publishes every line, one with missing
parts under an override reason), then each question is asked as `handoff ask --as-of` would.

Question format (one JSON object per line):
    {"q", "team", "as_of", "must": [[alt, ...], ...], "must_not": [...], "conversation"?: [q, ...],
     "kind"?: str, "split"?: "tune"|"heldout"}
`conversation` (optional) is the earlier questions of the same conversation, for follow-ups.
`kind` (optional) groups questions in the report ("who_owns", "as_of", ...); `--split` keeps one
half of a file whose questions carry a `split` (a question without one counts as held out).
A question is right when every `must` group has one alternative in the answer (case-insensitive)
and nothing in `must_not` appears.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.qa_baseline import VectorBaseline
from eval.qa_score import Score, judge, recall_groups

if TYPE_CHECKING:
    from api.usecases.bulk import Row
    from api.wiring.services import Services

DATA = Path(__file__).with_name("data") / "qa"


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def ingest(svc: Services, rows: list[dict[str, Any]], *, source: str) -> list[str]:
    """Ingest and publish the way `handoff ingest X.jsonl --publish` does: every line is
    published, a line with missing fields under the bulk-import override reason (history that
    was already handed over elsewhere). Returns the problems, one per line: a line that failed,
    or one published over missing fields (worth knowing: its missing parts said nothing)."""
    from datetime import datetime

    from api.usecases.bulk import import_many
    from handoff.errors import HandoffError

    prepared: list[Row] = [
        {
            "text": row["text"],
            "author": row.get("author"),
            "team": row.get("team"),
            "recorded_at": (
                datetime.fromisoformat(row["recorded_at"]) if row.get("recorded_at") else None
            ),
            "id": row.get("id"),
        }
        for row in rows
    ]
    reason = f"Bulk import of existing handoffs from {source}."
    problems: list[str] = []
    results = import_many(svc, prepared, publish=True, force_reason=reason)
    for n, (row, result) in enumerate(zip(prepared, results, strict=True), start=1):
        label = row.get("id") or (result.id if not isinstance(result, HandoffError) else "?")
        if isinstance(result, HandoffError):
            problems.append(f"line {n} ({label}) not imported: {result}")
        elif result.status == "draft":
            problems.append(f"line {n} ({label}) not published")
    return problems


def select_questions(qs: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """The questions of one split ("all" keeps every one; no `split` field means held out)."""
    return qs if split == "all" else [q for q in qs if q.get("split", "heldout") == split]


def by_kind(details: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Per question kind: questions, right, baseline right (questions without a kind: "-")."""
    out: dict[str, dict[str, int]] = {}
    for d in details:
        row = out.setdefault(d.get("kind") or "-", {"questions": 0, "right": 0, "baseline": 0})
        row["questions"] += 1
        row["right"] += int(d["ok"])
        row["baseline"] += int(d["baseline_ok"])
    return out


def run(scenario: Path, questions: Path, *, verbose: bool, split: str = "all") -> dict[str, Any]:
    from datetime import datetime

    from api.usecases.questions import ask
    from api.wiring.services import build_services
    from handoff.settings import get_settings
    from search.question import understand
    from search.retrieve import Filters, hybrid_search

    rows = load_jsonl(scenario)
    qs = select_questions(load_jsonl(questions), split)
    with tempfile.TemporaryDirectory(prefix="handoff-eval-qa-") as tmp:
        os.environ["HANDOFF_HOME"] = tmp
        os.environ.pop("HANDOFF_DATABASE_URL", None)
        os.environ.pop("HANDOFF_CHROMA_URL", None)
        get_settings.cache_clear()
        svc = build_services(get_settings())
        problems = ingest(svc, rows, source=scenario.name)
        baseline = VectorBaseline(svc.embedder)
        baseline.add(rows)
        ours, base = Score(), Score()
        details: list[dict[str, Any]] = []
        for item in qs:
            as_of = datetime.fromisoformat(item["as_of"]) if item.get("as_of") else None
            started = time.perf_counter()
            result = ask(
                svc,
                item["q"],
                team=item["team"],
                as_of=as_of,
                conversation=item.get("conversation") or (),
            )
            seconds = time.perf_counter() - started
            q = understand(item["q"], people=svc.store.authors(item["team"]), as_of=as_of)
            top5 = hybrid_search(
                svc.index, item["q"], Filters(team=item["team"], until=q.as_of or as_of), k=5
            )
            b_answer, b_top5 = baseline.answer(item["q"], team=item["team"], as_of=as_of)
            ok, why = judge(result["answer"], item["must"], item.get("must_not", []))
            b_ok, b_why = judge(b_answer, item["must"], item.get("must_not", []))
            ours.add(
                ok, recall_groups(" ".join(h.text for h in top5), item["must"]), len(item["must"])
            )
            base.add(b_ok, recall_groups(" ".join(b_top5), item["must"]), len(item["must"]))
            details.append(
                {
                    "q": item["q"],
                    "kind": item.get("kind"),
                    "split": item.get("split"),
                    "team": item["team"],
                    "as_of": item.get("as_of"),
                    "ok": ok,
                    "why": why,
                    "baseline_ok": b_ok,
                    "baseline_why": b_why,
                    "answer": result["answer"],
                    "answered_by": result.get("answered_by"),
                    "seconds": round(seconds, 3),
                    "baseline_answer": b_answer,
                }
            )
        get_settings.cache_clear()
    report = {
        "questions": len(qs),
        "ingest_problems": problems,
        "ours": ours.summary(),
        "baseline": base.summary(),
        "details": details,
        "by_kind": by_kind(details),
    }
    print_report(report, verbose=verbose)
    return report


def print_report(report: dict[str, Any], *, verbose: bool) -> None:
    out = sys.stdout
    for p in report["ingest_problems"]:
        print(f"! {p}", file=out)
    print(f"{'':3} {'ours':5} {'rag':5} question", file=out)
    for d in report["details"]:
        mark = "ok" if d["ok"] else "FAIL"
        bmark = "ok" if d["baseline_ok"] else "fail"
        print(f"{'':3} {mark:5} {bmark:5} [{d['team']} @ {d['as_of']}] {d['q']}", file=out)
        if verbose or not d["ok"]:
            if not d["ok"]:
                print(f"{'':15}why: {d['why']}", file=out)
            print(f"{'':15}answer: {d['answer'][:400]}", file=out)
    o, b = report["ours"], report["baseline"]
    print(f"\n{'':24}{'ledger+hybrid':>15}{'vector RAG':>12}", file=out)
    print(f"{'answer accuracy':24}{o['accuracy']:>15.1%}{b['accuracy']:>12.1%}", file=out)
    print(f"{'retrieval recall@5':24}{o['recall_at_5']:>15.1%}{b['recall_at_5']:>12.1%}", file=out)
    print(
        f"{'questions right':24}{o['right']:>15}{b['right']:>12}   of {report['questions']}",
        file=out,
    )
    secs = [d["seconds"] for d in report["details"]]
    if secs:
        by = Counter(str(d.get("answered_by")) for d in report["details"])
        print(
            f"seconds per question: median {statistics.median(secs):.2f}, worst {max(secs):.2f}"
            f"; answered by {', '.join(f'{k} {v}' for k, v in sorted(by.items()))}",
            file=out,
        )
    kinds = report.get("by_kind") or {}
    if set(kinds) - {"-"}:
        print(f"\n{'kind':24}{'ledger+hybrid':>15}{'vector RAG':>12}", file=out)
        for kind, row in sorted(kinds.items()):
            n = row["questions"]
            print(f"{kind:24}{row['right']:>11} of {n:<2}{row['baseline']:>8} of {n:<2}", file=out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="handoff eval qa", description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", type=Path, default=DATA / "scenario.jsonl")
    parser.add_argument("--questions", type=Path, default=DATA / "questions.jsonl")
    parser.add_argument(
        "--split",
        choices=("all", "tune", "heldout"),
        default="all",
        help="only the questions of this split (their `split` field)",
    )
    parser.add_argument("--json", dest="json_out", type=Path, help="Also write the report here.")
    parser.add_argument("-v", "--verbose", action="store_true", help="Print every answer.")
    args = parser.parse_args(argv)
    for path in (args.scenario, args.questions):
        if not path.is_file():
            print(f"handoff: {path} does not exist.", file=sys.stderr)
            return 2
    report = run(args.scenario, args.questions, verbose=args.verbose, split=args.split)
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return 0 if report["ours"]["right"] == report["questions"] else 1
