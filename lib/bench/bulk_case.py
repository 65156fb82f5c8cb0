"""`store_export_bulk`: a heavy buyer's access package end to end through a bulk operation.

The export job of a real worker (`lib.jobs.export_job`) runs against the demo store in its own
process (`python -m lib store`) at Standard-plan limits (bucket 2,000, restore 100 points/s), for
a customer of `target.store_orders` orders and again for 100 orders. Measured: seconds from the
job's claim to the package on disk, held against issue 12's target (120 s for 5,000 orders;
paced pages took 743 s), orders.csv row count (must be every order) and the worker process's
peak RSS at both sizes (flat: the JSONL is streamed in batches).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pyzipper

from lib.bench.cases import Case, Sample, Target
from lib.core.network import free_port

TARGET_SECONDS = 120.0
"""Issue 12: the 5,000-order customer exported end to end within 120 s."""
SMALL = 100
BULK_FROM = 10
"""The case's `EXPORT_BULK_THRESHOLD`: both sizes take the bulk path (the default is 250)."""
SHOP = "bulk-bench.myshopify.com"
TOKEN = "bench-bulk-store"  # noqa: S105 - a scratch demo store


class _Peak(threading.Thread):
    """Samples this process's RSS every 50 ms."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, self.process.memory_info().rss)


def export_once(orders: int, workdir: Path) -> dict[str, float | int]:
    """One export of a customer with `orders` orders in this process (bulk above `BULK_FROM`
    orders): seconds, rows, peak RSS (MB)."""
    from lib.core.config import load_config
    from lib.core.db import Database
    from lib.core.enums import Channel, RequestType
    from lib.core.lifecycle import NewRequest, open_request
    from lib.core.migrate import upgrade
    from lib.core.models import Export, Job, Store
    from lib.jobs.exports import request_export
    from lib.jobs.handlers import job_handlers
    from lib.jobs.worker import Worker
    from lib.store.demo_data import add_demo_customer

    scratch = Path(tempfile.mkdtemp(dir=workdir))
    url = f"sqlite:///{scratch / 'bulk.db'}"
    db = Database(url)
    upgrade(db)
    customer = add_demo_customer(
        db, email="heavy.buyer@example.com", orders=orders, lines_per_order=3, shop_domain=SHOP
    )
    with db.write() as session:
        store = Store(shop_domain=SHOP, name="Bulk Bench", timezone="UTC")
        session.add(store)
        session.flush()
        new = NewRequest(
            store, RequestType.ACCESS, Channel.LOGGED_IN, "heavy.buyer@example.com",
            customer_id=str(customer.id),
        )  # fmt: skip
        request = open_request(session, new, actor="customer")
        job, _ = request_export(session, request, "bench@localhost")
        job_id = job.id
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "DEMO_STORE_TOKEN": TOKEN,
           "DEMO_STORE_BUCKET": "2000", "DEMO_STORE_RESTORE_RATE": "100"}  # fmt: skip
    store_process = subprocess.Popen(
        [sys.executable, "-m", "lib", "store", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    config = load_config({}).replace(
        database_url=url,
        demo_store_url=f"http://127.0.0.1:{port}",
        demo_store_token=TOKEN,
        export_dir=str(scratch / "exports"),
        export_bulk_threshold=BULK_FROM,
    )
    peak = _Peak()
    try:
        assert store_process.stdout is not None
        store_process.stdout.readline()  # "demo store listening at …"
        worker = Worker(db, job_handlers(config))
        peak.start()
        started = time.perf_counter()
        while worker.run_once():
            pass
        seconds = time.perf_counter() - started
    finally:
        peak.done.set()
        store_process.terminate()
        store_process.wait(timeout=10)
    with db.read() as session:
        found = session.get(Job, job_id)
        export = session.query(Export).one_or_none()
        note = found.progress_note if found else None
    if export is None:
        raise RuntimeError(f"the export job did not finish: {found.status if found else None}")
    with pyzipper.AESZipFile(export.path) as archive:
        text = archive.read("orders.csv").decode("utf-8")
    rows = sum(1 for _ in csv.DictReader(io.StringIO(text, newline="")))
    db.dispose()
    return {
        "seconds": round(seconds, 2),
        "orders_csv_rows": rows,
        "rss_peak_mb": round(peak.peak / 1e6, 1),
        "bulk": int(bool(note and note.startswith("bulk:"))),
    }


def _in_child(orders: int, workdir: Path) -> dict[str, float | int]:
    """`export_once` in a fresh process, so that each size's peak RSS is its own."""
    done = subprocess.run(
        [sys.executable, "-m", "lib.bench.bulk_case", str(orders), str(workdir)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def store_export_bulk(target: Target) -> Sample:
    """The heavy buyer's export and a 100-order export, each in a fresh worker process."""
    small = _in_child(SMALL, target.workdir)
    big = _in_child(target.store_orders, target.workdir)
    if big["orders_csv_rows"] != target.store_orders or not big["bulk"]:
        raise RuntimeError(f"the bulk export was incomplete or paced: {big}")
    growth = float(big["rss_peak_mb"]) - float(small["rss_peak_mb"])
    return Sample(
        float(big["seconds"]),
        {
            "n": target.store_orders,
            "backend": "demo store",
            "baseline_seconds": TARGET_SECONDS,
            "orders_csv_rows": big["orders_csv_rows"],
            "rss_peak_mb": big["rss_peak_mb"],
            "rss_peak_mb_100_orders": small["rss_peak_mb"],
            "seconds_100_orders": small["seconds"],
            "rss_growth_mb_100_to_n": round(growth, 1),
            "note": (
                f"{target.store_orders:,} orders in {big['seconds']} s through one bulk "
                f"operation (orders.csv {big['orders_csv_rows']:,} rows); peak RSS "
                f"{small['rss_peak_mb']} MB at {SMALL} orders, {big['rss_peak_mb']} MB at "
                f"{target.store_orders:,}"
            ),
        },
    )


CASES = (
    Case(
        "store_export_bulk",
        "a heavy buyer's package end to end through a bulk operation at Standard-plan limits",
        store_export_bulk,
        None,
        "issue 12's target (120 s for 5,000 orders)",
        needs_seed=False,
        repeats=1,
        warmup=False,
        once=True,
    ),
)


if __name__ == "__main__":
    print(json.dumps(export_once(int(sys.argv[1]), Path(sys.argv[2]))))
