"""`seed_demo`: the order of the steps, and whether generation runs in a child process."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from lib.core.db import Database
from lib.core.demo.child import CAN_FORK, GeneratorProcess
from lib.core.demo.clock import EPOCH_UTC, ONE_US
from lib.core.demo.generator import Generator
from lib.core.demo.packages import seed_packages
from lib.core.demo.plan import build_plan
from lib.core.demo.shops import ensure_setting_history, ensure_stores
from lib.core.demo.store_data import ensure_store_data
from lib.core.demo.writers import write_requests
from lib.core.models import utcnow

CHUNK_REQUESTS = 10_000
"""Requests per generated chunk and per transaction (memory stays bounded by a few chunks)."""
PARALLEL_MIN_REQUESTS = 10_000
"""From this many requests on, generation runs in a child process (it costs a few ms to fork)."""


def seed_demo(
    db: Database,
    *,
    requests: int,
    seed: int = 7,
    progress: bool = True,
    now: datetime | None = None,
    chunk_size: int = CHUNK_REQUESTS,
    parallel: bool | None = None,
) -> str:
    """Seed demo stores, store data and `requests` requests; return a one-line summary.

    Appends when requests exist already (ids and the audit chain continue). `now` pins the
    clock (default: the current time); `parallel` forces generation in a child process on or
    off (default: on from `PARALLEL_MIN_REQUESTS` requests, where a child can be forked).

    Raises:
        ValueError: `requests` or `chunk_size` is negative / not positive.
        RuntimeError: the audit chain moved while seeding (another writer appended events).
    """
    if requests < 0 or chunk_size < 1:
        raise ValueError("requests must be >= 0 and chunk_size >= 1")
    started = time.perf_counter()
    now = (now or utcnow()).astimezone(UTC)
    now_us = (now - EPOCH_UTC) // ONE_US
    stores = ensure_stores(db, now)
    with no_cycle_collector():
        store_rows = ensure_store_data(db, stores, requests, seed, now_us, progress)
    guest_off = ensure_setting_history(db, stores[0], now)
    plan = build_plan(db, stores, requests, seed, now_us, chunk_size, guest_off)
    use_child = parallel if parallel is not None else requests >= PARALLEL_MIN_REQUESTS
    child = GeneratorProcess(plan) if use_child and requests > 0 and CAN_FORK else None
    try:
        parts = child.parts() if child else Generator(plan).parts()
        with no_cycle_collector():
            events = write_requests(db, parts, plan, progress)
    finally:
        if child:
            child.close()
    if requests:
        seed_packages(db, plan.first_id)
    if not db.is_sqlite and requests:
        # Ids were given explicitly: move the sequence past them for the ORM's next insert.
        with db.write_connection() as conn, conn.begin():
            conn.exec_driver_sql(
                "SELECT setval(pg_get_serial_sequence('requests', 'id'), "
                "(SELECT COALESCE(MAX(id), 0) + 1 FROM requests), false)"
            )
            conn.exec_driver_sql(
                "ANALYZE requests, request_events, demo_customers, demo_orders, demo_line_items, "
                "jobs, exports, deliveries"
            )
    elapsed = time.perf_counter() - started
    rows = requests + events + sum(store_rows)
    customers, orders, items = store_rows
    backend = "SQLite" if db.is_sqlite else "PostgreSQL"
    return (
        f"seeded {requests:,} requests ({events:,} audit events), {customers:,} customers, "
        f"{orders:,} orders, {items:,} line items into {backend} in {elapsed:.1f} s "
        f"({rows / max(elapsed, 1e-9):,.0f} rows/s)"
    )


@contextmanager
def no_cycle_collector() -> Iterator[None]:
    """Pause the cyclic GC: bulk rows are millions of acyclic tuples and dicts that it would
    scan again and again (about a quarter of the generation time); the state is restored."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
