"""`handoff eval bench`: import a synthetic history (1k / 5k / 20k published handoffs in one
team, with a progress bar), then measure answering through the HTTP API without an LLM (p50/p95),
bulk indexing throughput (field documents per second) and the process's resident memory."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

QUESTIONS = [
    "what's blocking auth?",
    "what is the status of the billing migration?",
    "what did we decide about the scheduler?",
    "who can unblock payments?",
    "what shipped this week?",
    "when is Maya back?",
    "what is Priya working on?",
    "what are the next steps for search?",
    "what's blocking us?",
    "why did we choose a queue?",
]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load(svc: Any, n: int, start: int) -> dict[str, float]:
    """Add handoffs start..n (ledger in the publish transaction), then index them in bulk."""
    from eval.corpus import corpus
    from search.index import field_documents

    t0 = time.perf_counter()
    published = []
    wraps = list(corpus(n))[start:]
    for w in tqdm(wraps, desc=f"import to {n}", file=sys.stderr, disable=not sys.stderr.isatty()):
        h = svc.store.create(
            team="bench",
            author=w.author,
            recorded_at=w.recorded_at,
            source_kind="text",
            source_text=w.text,
            declaration=w.declaration,
        )
        published.append(svc.store.publish(h.id, team="bench", actor=w.author))
    t1 = time.perf_counter()
    docs = []
    for h in published:
        docs.extend(field_documents(h, svc.ledger_fields(h.id)))
    t2 = time.perf_counter()
    svc.index.add_documents(docs)
    t3 = time.perf_counter()
    return {
        "handoffs": len(published),
        "store_ledger_s": t1 - t0,
        "docs": len(docs),
        "index_s": t3 - t2,
        "docs_per_s": len(docs) / (t3 - t2) if t3 > t2 else 0.0,
    }


def latency(client: Any, rounds: int) -> dict[str, float]:
    times = []
    for i in range(rounds):
        q = QUESTIONS[i % len(QUESTIONS)]
        t = time.perf_counter()
        r = client.post("/api/ask", json={"question": q, "team": "bench"})
        times.append((time.perf_counter() - t) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"handoff: /api/ask failed with {r.status_code}: {r.text[:200]}")
    times.sort()
    return {
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
        "max_ms": times[-1],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="handoff eval bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,20000")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--json", dest="json_out", type=Path)
    args = parser.parse_args(argv)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory(prefix="handoff-bench-") as tmp:
        os.environ["HANDOFF_HOME"] = tmp
        from fastapi.testclient import TestClient

        from api.app import create_app
        from api.deps import get_services
        from handoff.settings import get_settings

        get_settings.cache_clear()
        app = create_app()
        svc = get_services(app.state.settings)
        svc.embedder.embed(["warm up"])
        results: list[dict[str, Any]] = []
        done = 0
        with TestClient(app) as client:
            for n in sizes:
                loaded = load(svc, n, done)
                done = n
                client.post("/api/ask", json={"question": "warm up", "team": "bench"})
                row = {"size": n, **loaded, **latency(client, args.rounds), "rss_mb": rss_mb()}
                results.append(row)
                print(
                    f"{n:>6} handoffs: p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms; "
                    f"indexed {row['docs']} docs at {row['docs_per_s']:.0f} docs/s; "
                    f"store+ledger {row['store_ledger_s']:.1f} s; RSS {row['rss_mb']:.0f} MB",
                    flush=True,
                )
        get_settings.cache_clear()
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))
    return 0
