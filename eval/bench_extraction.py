"""`handoff eval bench_extraction`: how long offline extraction of a 60-second wrap takes.

Each speech wrap of the dev set is timed as a recognizer would hand it over (timed segments and
words, see `eval.extraction_data`); wraps are padded with the next ones until they are about 60
seconds of speech (~156 words), so every timing is for a full minute. Start-up (imports, the time
zone table, dateparser's first load) is paid once before timing and reported separately. Target:
under 200 ms per wrap after start-up.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from eval.extraction_data import DATA_DIR, WORDS_PER_SECOND, load_examples, speech_transcript

TARGET_MS = 200.0


def minute_wraps(texts: list[str], seconds: float = 60.0) -> list[str]:
    words_needed = int(seconds * WORDS_PER_SECOND)
    out = []
    for i in range(len(texts)):
        parts, n, j = [], 0, i
        while n < words_needed:
            parts.append(texts[j % len(texts)])
            n += len(texts[j % len(texts)].split())
            j += 1
        out.append(" ".join(" ".join(parts).split()[:words_needed]))
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="handoff eval bench_extraction", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per wrap")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    from api.wiring.extractor import offline_extractor
    from handoff.settings import get_settings

    examples = [e for e in load_examples(DATA_DIR) if e.source == "speech"]
    extractor = offline_extractor(get_settings())  # as it ships: headings by the table, then MiniLM
    warm = speech_transcript(examples[0].text)
    extractor.extract(warm, examples[0].context())
    startup_ms = (time.perf_counter() - t0) * 1000
    timings: list[float] = []
    wraps = minute_wraps([e.text for e in examples])
    for ex, text in zip(examples, wraps, strict=False):
        transcript = speech_transcript(text)
        for _ in range(args.repeat):
            start = time.perf_counter()
            extractor.extract(transcript, ex.context())
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"offline extraction of a 60-second wrap (~{int(60 * WORDS_PER_SECOND)} words), "
        f"{len(wraps)} wraps x {args.repeat} runs"
    )
    print(f"start-up (imports + first extraction): {startup_ms:.0f} ms")
    print(
        f"median {statistics.median(timings):.1f} ms   p95 {p95:.1f} ms   "
        f"max {timings[-1]:.1f} ms   "
        f"target < {TARGET_MS:.0f} ms: {'met' if p95 < TARGET_MS else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
