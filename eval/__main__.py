"""`python -m eval NAME [ARGS]` (what `handoff eval NAME` runs): dispatch to eval/NAME.py's main."""

from __future__ import annotations

import importlib
import sys

SUITES = {
    "extraction": "eval.extraction",
    "qa": "eval.qa",
    "asr": "eval.asr",
    "bench": "eval.bench",
    "bench_extraction": "eval.bench_extraction",
    "bench_app": "eval.bench_app",
    "bench_limits": "eval.bench_limits",
    "bench_notify": "eval.bench_notify",
    "load": "eval.load",
    "bench_metrics": "eval.bench_metrics",
    "bench_delivery": "eval.bench_delivery",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"} or argv[0] not in SUITES:
        print("usage: handoff eval {" + ",".join(SUITES) + "} [options]", file=sys.stderr)
        return 0 if argv and argv[0] in {"-h", "--help"} else 2
    module = importlib.import_module(SUITES[argv[0]])
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
