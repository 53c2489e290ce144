"""`handoff eval bench`: answering, importing and indexing at 1k / 5k / 20k published handoffs.

For each size, one team's synthetic history (`eval.corpus`) is imported through
`bulk.import_many` (store, ledger in the publish transaction, index in batches; a progress bar
on stderr), then questions are asked through the HTTP API (`POST /api/ask`, FastAPI's TestClient,
no LLM) in a fresh process: p50/p95 of a fixed mixed set of questions, warm, and that process's
resident memory with the embedding model loaded. Bulk indexing is also measured on its own: the
field documents of a sample of handoffs written to an empty index with an empty embedding cache,
a few times (`--index-repeat`), in docs/s of wall time and per CPU-second, with the load average:
on a shared box wall time is noisy. `--backend` picks the embedding backend; `--index-only` skips
answering (e.g. `--sizes 1000 --index-only --backend torch` to compare backends).

Imported histories are kept under the cache directory (`--cache`, default
~/.cache/handoff/bench), one per size, so a second run only measures answering; a size is built
from the largest smaller one. `--fresh` rebuilds them. Targets (issue 5): p95 < 100 ms at 20k,
>= 300 field documents/s, RSS < 1.5 GB, the 20k import in reasonable time.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.usecases.bulk import Row

TEAM = "bench"
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
TARGET_P95_MS = 100.0
TARGET_DOCS_PER_S = 300.0
TARGET_RSS_MB = 1536.0


def rss_mb() -> tuple[float, float]:
    """(resident, peak resident) of this process, in MB."""
    now = peak = 0.0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            now = int(line.split()[1]) / 1024
        elif line.startswith("VmHWM:"):
            peak = int(line.split()[1]) / 1024
    return now, peak


def _threads(spec: str) -> int:
    """Intra-op threads for the model: on a loaded 2-core box one thread beats two (the second
    mostly waits for a core), so `auto` takes one when the load is above the core count."""
    if spec != "auto":
        return max(1, int(spec))
    cores = len(os.sched_getaffinity(0))
    return 1 if os.getloadavg()[0] >= cores else cores


def _set_threads(n: int) -> None:
    """Through the setting (read when the embedder loads), so an ONNX run never imports torch:
    its memory would count in the server's RSS."""
    os.environ["HANDOFF_EMBEDDINGS_THREADS"] = str(n)


def _use_home(home: Path) -> Any:
    os.environ["HANDOFF_HOME"] = str(home)
    from handoff.settings import get_settings

    get_settings.cache_clear()
    return get_settings()


# -- building a history (child process) ---------------------------------------------------------
def _rows(n: int, start: int) -> list[Row]:
    from eval.corpus import corpus

    return [
        {
            "text": w.text,
            "author": w.author,
            "team": TEAM,
            "recorded_at": w.recorded_at,
            "declaration": w.declaration,
        }
        for i, w in enumerate(corpus(n))
        if i >= start
    ]


def build(home: Path, n: int, start: int, threads: int) -> dict[str, Any]:
    """Import handoffs start..n into HOME (which already holds the first `start`)."""
    from tqdm import tqdm

    from api.usecases.bulk import import_many
    from api.wiring.services import build_services

    _set_threads(threads)
    svc = build_services(_use_home(home))
    svc.embedder.embed(["warm up"])
    rows = _rows(n, start)
    load0 = os.getloadavg()[0]
    failed = 0
    t0, c0 = time.perf_counter(), time.process_time()
    with tqdm(total=len(rows), desc=f"import {start}->{n}", unit="wrap", file=sys.stderr) as bar:
        for result in import_many(svc, rows, publish=True, progress=bar.update, batch=128):
            failed += isinstance(result, Exception)
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "size": n,
        "imported": len(rows),
        "failed": failed,
        "import_s": round(took, 1),
        "rows_per_s": round(len(rows) / took, 1) if took else 0.0,
        "rows_per_cpu_s": round(len(rows) / cpu, 1) if cpu else 0.0,
        "index_docs": svc.index.count(),
        "threads": threads,
        "load": round((load0 + os.getloadavg()[0]) / 2, 1),
    }


def index_alone(home: Path, sample: int, threads: int, repeat: int) -> dict[str, Any]:
    """Bulk-index the field documents of the last `sample` handoffs into an empty in-memory
    collection, with the embedding cache emptied first: the indexing rate on its own, `repeat`
    times. Wall time is noisy on a shared box, so CPU time (all of this process's threads) and
    the load average are reported with it; the best run is the headline."""
    import chromadb

    from api.usecases.items import fields
    from api.wiring.services import build_services
    from search.embeddings import CachingEmbedder
    from search.index import FieldIndex, field_documents

    _set_threads(threads)
    settings = _use_home(home)
    svc = build_services(settings)
    handoffs = svc.store.list(team=TEAM, status="published", limit=sample)
    docs = [d for h in handoffs for d in field_documents(h, fields(svc, h.id))]
    embedder = svc.embedder
    embedder.embed(["warm up"])
    runs = []
    for _ in range(repeat):
        if isinstance(embedder, CachingEmbedder):
            embedder.clear_cache()
        index = FieldIndex(chromadb.EphemeralClient(), embedder)
        index.clear()  # the in-memory client is shared within a process
        load0 = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        index.add_documents(docs)
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        runs.append(
            {
                "index_s": round(took, 2),
                "cpu_s": round(cpu, 2),
                "docs_per_s": round(len(docs) / took, 1) if took else 0.0,
                "docs_per_cpu_s": round(len(docs) / cpu, 1) if cpu else 0.0,
                "load": round((load0 + os.getloadavg()[0]) / 2, 1),
            }
        )
    best = max(runs, key=lambda r: r["docs_per_s"])
    return {
        "docs": len(docs),
        "distinct_texts": len({d.text for d in docs}),
        **best,
        "median_docs_per_s": statistics.median(r["docs_per_s"] for r in runs),
        "median_docs_per_cpu_s": statistics.median(r["docs_per_cpu_s"] for r in runs),
        "runs": runs,
        "backend": settings.embeddings_backend,
        "embedder": embedder.name,
        "threads": threads,
    }


# -- answering (child process) --------------------------------------------------------------
def serve(home: Path, rounds: int, threads: int) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import get_services
    from eval.tokens import bearer, bench_token
    from search.embeddings import CachingEmbedder

    _set_threads(threads)
    _use_home(home)
    app = create_app()
    headers = bearer(bench_token(home, [TEAM], database_url=app.state.settings.database_url))
    times: list[float] = []
    load0 = os.getloadavg()[0]
    with TestClient(app) as client:
        # Questions repeat here, not in life: forget their embeddings so each ask runs the model.
        embedder = get_services(app.state.settings).embedder

        def ask(q: str) -> float:
            if isinstance(embedder, CachingEmbedder):
                embedder.clear_cache()
            t = time.perf_counter()
            r = client.post("/api/ask", json={"question": q, "team": TEAM}, headers=headers)
            took = (time.perf_counter() - t) * 1000
            if r.status_code != 200:
                raise SystemExit(f"handoff: /api/ask failed with {r.status_code}: {r.text[:200]}")
            return took

        first = ask(QUESTIONS[0])  # loads the model, the index and the team's BM25
        for q in QUESTIONS:  # warm: every question once
            ask(q)
        times = [ask(QUESTIONS[i % len(QUESTIONS)]) for i in range(rounds)]
    times.sort()
    rss, peak = rss_mb()
    return {
        "first_ms": round(first, 1),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
        "max_ms": round(times[-1], 1),
        "rss_mb": round(rss),
        "peak_rss_mb": round(peak),
        "ask_load": round((load0 + os.getloadavg()[0]) / 2, 1),
    }


# -- the orchestrating process ------------------------------------------------------------------
def _child(*args: str) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "eval", "bench", "--child", *args],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"handoff: benchmark step {args[0]} failed (exit {proc.returncode}).")
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def _history(cache: Path, n: int, threads: int, fresh: bool) -> dict[str, Any]:
    """The imported history of size n (built from the largest smaller one), and its figures."""
    done = cache / str(n)
    meta = done / "bench.json"
    if meta.exists() and not fresh:
        return {**json.loads(meta.read_text()), "cached": True}
    smaller = sorted(
        (int(p.name) for p in cache.iterdir() if p.name.isdigit() and int(p.name) < n),
        reverse=True,
    )
    start = next((s for s in smaller if (cache / str(s) / "bench.json").exists()), 0)
    work = cache / f"{n}.partial"
    shutil.rmtree(work, ignore_errors=True)
    if start:
        shutil.copytree(cache / str(start), work)
        (work / "bench.json").unlink()
    else:
        work.mkdir(parents=True)
    figures = _child("build", str(work), str(n), str(start), str(threads))
    meta_work = work / "bench.json"
    meta_work.write_text(json.dumps(figures, indent=2))
    shutil.rmtree(done, ignore_errors=True)
    work.rename(done)
    return {**figures, "cached": False}


def _table(rows: list[dict[str, Any]], indexing: dict[str, Any] | None) -> str:
    head = (
        f"{'handoffs':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'RSS MB':>7} "
        f"{'import s':>9} {'rows/s':>7} {'docs':>7}  note"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        note = (
            "import cached"
            if r.get("cached")
            else f"load {r.get('load')}, {r.get('rows_per_cpu_s', '?')} rows per CPU-second"
        )
        lines.append(
            f"{r['size']:>8} {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f} {r['max_ms']:>7.1f} "
            f"{r['rss_mb']:>7} {r['import_s']:>9.1f} {r['rows_per_s']:>7.1f} "
            f"{r['index_docs']:>7}  {note}; from {r['size'] - r['imported']}"
        )
    if indexing:
        lines.append(
            f"bulk indexing alone ({indexing['backend']}, {indexing['threads']} thread(s)): "
            f"{indexing['docs']} field documents ({indexing['distinct_texts']} distinct texts); "
            f"target {TARGET_DOCS_PER_S:.0f} docs/s"
        )
        for i, r in enumerate(indexing["runs"], start=1):
            lines.append(
                f"  run {i}: {r['index_s']:.1f} s = {r['docs_per_s']:.0f} docs/s wall, "
                f"{r['docs_per_cpu_s']:.0f} docs per CPU-second (load {r['load']})"
            )
        lines.append(
            f"  best {indexing['docs_per_s']:.0f} docs/s; "
            f"median {indexing['median_docs_per_s']:.0f} docs/s wall, "
            f"{indexing['median_docs_per_cpu_s']:.0f} docs per CPU-second"
        )
    return "\n".join(lines)


def ascii_chart(rows: list[dict[str, Any]], width: int = 50) -> str:
    """p50 and p95 per size as bars, with the target marked."""
    top = max([TARGET_P95_MS, *(r["p95_ms"] for r in rows)])
    scale = width / top
    mark = round(TARGET_P95_MS * scale)
    out = [f"ask latency (ms); '|' = {TARGET_P95_MS:.0f} ms target"]
    for r in rows:
        for label, key, ch in (("p50", "p50_ms", "="), ("p95", "p95_ms", "#")):
            bar = list(ch * round(r[key] * scale) + " " * (width + 1))
            bar[mark] = "|"
            out.append(f"{r['size']:>6} {label} {''.join(bar).rstrip()} {r[key]:.1f}")
    return "\n".join(out)


def png_chart(rows: list[dict[str, Any]], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = [r["size"] for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(sizes, [r["p50_ms"] for r in rows], marker="o", label="p50")
    ax.plot(sizes, [r["p95_ms"] for r in rows], marker="o", label="p95")
    ax.axhline(TARGET_P95_MS, linestyle="--", color="grey", label="p95 target")
    ax.set_xscale("log")
    ax.set_xlabel("published handoffs (one team)")
    ax.set_ylabel("POST /api/ask latency (ms)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    return True


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--child":
        return _child_main(argv[1:])
    parser = argparse.ArgumentParser(prog="handoff eval bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,20000", help="e.g. 1000,5000 for a quick run")
    parser.add_argument("--rounds", type=int, default=100, help="questions asked per size")
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache/handoff/bench")
    parser.add_argument("--fresh", action="store_true", help="re-import instead of the cache")
    parser.add_argument("--threads", default="auto", help="model threads (auto: by load)")
    parser.add_argument("--index-sample", type=int, default=400, help="handoffs; 0 skips")
    parser.add_argument("--index-repeat", type=int, default=3, help="indexing runs to report")
    parser.add_argument(
        "--backend",
        choices=["torch", "onnx", "onnx-int8"],
        help="embedding backend (default: HANDOFF_EMBEDDINGS_BACKEND)",
    )
    parser.add_argument(
        "--index-only", action="store_true", help="only bulk indexing (needs the first size)"
    )
    parser.add_argument("--chart", type=Path, default=Path("bench-latency.png"))
    parser.add_argument("--json", dest="json_out", type=Path)
    args = parser.parse_args(argv)
    sizes = sorted({int(s) for s in args.sizes.split(",") if s.strip()})
    threads = _threads(args.threads)
    if args.backend:
        os.environ["HANDOFF_EMBEDDINGS_BACKEND"] = args.backend  # the children read it
    args.cache.mkdir(parents=True, exist_ok=True)
    print(f"cache {args.cache}; {threads} model thread(s); load {os.getloadavg()[0]:.1f}")
    results: list[dict[str, Any]] = []
    if args.index_only:
        _history(args.cache, sizes[0], threads, fresh=False)
    for n in [] if args.index_only else sizes:
        row = _history(args.cache, n, threads, args.fresh)
        row.update(_child("serve", str(args.cache / str(n)), str(args.rounds), str(threads)))
        results.append(row)
        print(
            f"{n:>6} handoffs: p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms; "
            f"import {row['rows_per_s']:.1f} rows/s; RSS {row['rss_mb']} MB",
            flush=True,
        )
    indexing = None
    if args.index_sample:
        indexing = _child(
            "index",
            str(args.cache / str(sizes[0])),
            str(args.index_sample),
            str(threads),
            str(max(1, args.index_repeat)),
        )
    print()
    print(_table(results, indexing))
    print()
    if not results:
        pass
    elif png_chart(results, args.chart):
        print(f"chart: {args.chart}")
    else:
        print(ascii_chart(results))
    if args.json_out:
        args.json_out.write_text(json.dumps({"sizes": results, "indexing": indexing}, indent=2))
    return 0


def _child_main(argv: list[str]) -> int:
    step, home = argv[0], Path(argv[1])
    if step == "build":
        out = build(home, int(argv[2]), int(argv[3]), int(argv[4]))
    elif step == "index":
        out = index_alone(home, int(argv[2]), int(argv[3]), int(argv[4]))
    else:
        out = serve(home, int(argv[2]), int(argv[3]))
    print(json.dumps(out), flush=True)
    return 0
