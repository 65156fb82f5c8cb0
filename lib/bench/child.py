"""One side of one case in a fresh process: warm-up, repetitions, peak memory, JSON out.

`python -m lib.bench.child CASE measure|baseline REPEATS TARGET_JSON`
"""

from __future__ import annotations

import json
import resource
import statistics
import sys

from lib.bench.cases import Target, all_cases


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str]) -> int:
    """Run the side, print one JSON object on the last line of stdout."""
    name, side, repeats, target_json = argv
    case = all_cases()[name]
    run = case.measure if side == "measure" else case.baseline
    if run is None:
        raise SystemExit(f"{name} has no {side} side")
    target = Target.from_json(target_json)
    warmup = run(target).seconds if case.warmup else None  # caches, imports, first connection
    samples = [run(target) for _ in range(case.repeats or int(repeats))]
    median = statistics.median(s.seconds for s in samples)
    typical = min(samples, key=lambda s: abs(s.seconds - median))
    print(
        json.dumps(
            {
                "seconds": [s.seconds for s in samples],
                "median": median,
                "warmup_seconds": warmup,
                "extra": typical.extra,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
