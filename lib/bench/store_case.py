"""Store export case: one customer's orders exported from the demo store at Shopify's Standard
plan limits, held against the rate limit itself.

The limit is the restore rate: no client can spend points faster for long. The ratio is the
steady efficiency of `lib.jobs.measure` (points spent beyond the initial full bucket per second ÷
restore rate), so a short run is not flattered by the bucket it starts with; the baseline
seconds are the time the restore rate needs for those points. At 5,000 orders (pages of 45
because of the 1,000-point query cost cap) a run takes about 12.5 minutes: one repetition, no
warm-up, once per suite.
"""

from __future__ import annotations

from lib.bench.cases import Case, Sample, Target


def store_export(target: Target) -> Sample:
    """`lib.jobs.measure.measure_export` for `target.store_orders` orders."""
    from lib.jobs.measure import measure_export

    m = measure_export(target.store_orders, workdir=target.workdir)
    return Sample(
        m.seconds,
        {
            "n": m.orders,
            "backend": "demo store",
            "baseline_seconds": round(m.seconds * m.steady_efficiency, 3),
            "efficiency": m.efficiency,
            "steady_efficiency": m.steady_efficiency,
            "restore_rate": m.restore_rate,
            "points_spent": m.points_spent,
            "pages": m.pages,
            "requests": m.requests,
            "throttled": m.throttled,
            "throttled_after_first": m.throttled_after_first,
            "rss_peak_mb": m.rss_peak_mb,
            "rss_growth_mb": m.rss_growth_mb,
            "note": (
                f"{m.orders:,} orders in {m.pages} pages, {m.steady_efficiency:.0%} of the "
                f"restore rate, {m.throttled_after_first} throttled after the first page"
            ),
        },
    )


CASES = (
    Case(
        "store_export",
        "one customer's orders from the demo store at Standard-plan limits",
        store_export,
        None,
        "the rate limit: points spent ÷ restore rate",
        ratio_key="steady_efficiency",
        needs_seed=False,
        repeats=1,
        warmup=False,
        once=True,
    ),
)
