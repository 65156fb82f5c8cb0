"""Store cases. `store_export`: one customer's orders exported from the demo store at Shopify's
Standard plan limits, held against the rate limit itself. `demo_store`: the demo store's start
(to its first answer) against issue 11's 2 s budget, with its order-page latency and memory.

The limit is the restore rate: no client can spend points faster for long. The ratio is the
steady efficiency of `lib.jobs.measure` (points spent beyond the initial full bucket per second ÷
restore rate), so a short run is not flattered by the bucket it starts with; the baseline
seconds are the time the restore rate needs for those points. At 5,000 orders (pages of 45
because of the 1,000-point query cost cap) a run takes about 12.5 minutes: one repetition, no
warm-up, once per suite.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lib.bench.cases import Case, Sample, Target

START_BUDGET_SECONDS = 2.0
"""Issue 11: the demo store answers its first query within 2 s of being started."""
PAGES_TIMED = 50


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


def demo_store(target: Target) -> Sample:
    """`python -m lib store` in a fresh process over a scratch database: seconds to its first
    answer (it builds Shopify's schema), then the median order page and the resident memory."""
    import httpx
    import psutil

    from lib.core.db import Database
    from lib.core.migrate import upgrade
    from lib.store.api import LINES_PER_ORDER, ORDERS, SCOPES, orders_page_size
    from lib.store.client import ShopifyClient
    from lib.store.demo_data import add_demo_customer
    from lib.store.versions import PINNED

    scratch = Path(tempfile.mkdtemp(dir=target.workdir))
    url = f"sqlite:///{scratch / 'store.db'}"
    db = Database(url)
    upgrade(db)
    customer = add_demo_customer(db, email="bench@example.com", orders=45, lines_per_order=5)
    db.dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = "bench-demo-store"  # noqa: S105 - a scratch demo store
    env = {**os.environ, "DATABASE_URL": url, "DEMO_STORE_TOKEN": token,
           "DEMO_STORE_BUCKET": "1000000000", "DEMO_STORE_RESTORE_RATE": "1000000000"}  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "lib", "store", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        process.stdout.readline()  # "demo store listening at …"
        base = f"http://127.0.0.1:{port}/admin/api/2026-10/graphql.json"
        with httpx.Client(headers={"X-Shopify-Access-Token": token}, timeout=30) as http:
            http.post(base, json={"query": SCOPES}).raise_for_status()
            start = time.perf_counter() - started
            with ShopifyClient(f"http://127.0.0.1:{port}", PINNED, token) as priced:
                first = orders_page_size(priced)  # the page an export asks for
            variables = {"id": f"gid://shopify/Customer/{customer.id}", "first": first,
                         "lines": LINES_PER_ORDER}  # fmt: skip
            times = []
            for _ in range(PAGES_TIMED):
                begin = time.perf_counter()
                answer = http.post(base, json={"query": ORDERS, "variables": variables}).json()
                times.append(time.perf_counter() - begin)
                assert "errors" not in answer, answer["errors"]
        rss_mb = psutil.Process(process.pid).memory_info().rss / 1e6
    finally:
        process.terminate()
        process.wait(timeout=10)
    page_ms = statistics.median(times) * 1000
    return Sample(
        start,
        {
            "n": first,
            "backend": "demo store",
            "baseline_seconds": START_BUDGET_SECONDS,
            "rss_mb": round(rss_mb, 1),
            "order_page_ms": round(page_ms, 2),
            "note": f"first answer {start:.2f} s, {rss_mb:.0f} MB RSS, an order page of {first} "
            f"orders x {LINES_PER_ORDER} lines {page_ms:.1f} ms (median of {PAGES_TIMED})",
        },
    )


CASES = (
    Case(
        "demo_store",
        "the demo store: start to first answer, order-page latency and memory",
        demo_store,
        None,
        "issue 11's start budget (2 s)",
        needs_seed=False,
        repeats=1,
        warmup=False,
        once=True,
    ),
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
