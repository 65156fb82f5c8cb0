"""Measure an export against the demo store: rate-limit use, throttling and memory.

`measure_export(orders)` seeds one customer with `orders` orders in a scratch SQLite database,
serves it from a demo store with the given limits (default: Shopify's Standard plan) and builds
the package the way the export job does, timing it and sampling the process's RSS. The figures:

- efficiency: points spent per second ÷ restore rate (the issue's measure; above 1 early on,
  because the run starts with a full bucket);
- steady efficiency: the same without the points the run drew from the initial full bucket;
- throttled responses after the first answer (the client paces itself, so this should be 0);
- RSS growth during the export (should not grow with the number of orders).

`python -m lib.jobs.measure --orders 1000 5000` prints one JSON line per size.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from lib.core import register
from lib.core.db import Database
from lib.core.migrate import upgrade
from lib.core.models import Store, utcnow
from lib.jobs.package import PackageInfo, PackageWriter
from lib.store.api import customer_profile, order_pages
from lib.store.client import ShopifyClient
from lib.store.demo_data import add_demo_customer
from lib.store.demo_exec import STANDARD_BUCKET, STANDARD_RESTORE_RATE
from lib.store.demo_server import DemoStoreServer
from lib.store.demo_store import DemoStore
from lib.store.versions import PINNED

TOKEN = "measure-token"  # noqa: S105 - a scratch demo store
SHOP = "measure.myshopify.com"
RSS_SAMPLE_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class ExportMeasurement:
    """What one measured export did."""

    orders: int
    line_items: int
    pages: int
    requests: int
    seconds: float
    points_spent: int
    points_requested: int
    restore_rate: float
    bucket: float
    efficiency: float
    steady_efficiency: float
    throttled: int
    throttled_after_first: int
    rss_start_mb: float
    rss_peak_mb: float
    rss_growth_mb: float
    package_bytes: int

    def as_dict(self) -> dict[str, Any]:
        """Plain values (for JSON)."""
        return asdict(self)


class _RssSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process()
        self.start_rss = self.peak = self.process.memory_info().rss
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(RSS_SAMPLE_SECONDS):
            self.peak = max(self.peak, self.process.memory_info().rss)


def measure_export(
    orders: int = 5000,
    *,
    lines_per_order: int = 3,
    restore_rate: float = STANDARD_RESTORE_RATE,
    bucket: float = STANDARD_BUCKET,
    workdir: Path | None = None,
) -> ExportMeasurement:
    """Export a customer with `orders` orders from a demo store at the given limits."""
    with tempfile.TemporaryDirectory(dir=workdir) as scratch:
        folder = Path(scratch)
        db = Database(f"sqlite:///{folder / 'store.db'}")
        upgrade(db)
        customer = add_demo_customer(
            db, email="heavy.buyer@example.com", orders=orders, lines_per_order=lines_per_order,
            shop_domain=SHOP, note=None,
        )  # fmt: skip
        store = DemoStore(db, access_token=TOKEN, bucket=bucket, restore_rate=restore_rate)
        server = DemoStoreServer(store).start()
        client = ShopifyClient(server.url, PINNED, TOKEN, SHOP)
        sampler = _RssSampler()
        sampler.start()
        try:
            pages, size = _export(client, customer.id, folder)
        finally:
            sampler.stop.set()
            sampler.join()
            client.close()
            server.stop()
            db.dispose()
    stats = client.stats
    seconds = (stats.last_answer or 0.0) - (stats.first_sent or 0.0)
    drawn = bucket - (stats.available_last if stats.available_last is not None else bucket)
    per_second = stats.points_spent / seconds if seconds > 0 else 0.0
    steady = (stats.points_spent - drawn) / seconds if seconds > 0 else 0.0
    mb = 1024 * 1024
    return ExportMeasurement(
        orders=orders,
        line_items=customer.line_items,
        pages=pages,
        requests=stats.requests,
        seconds=round(seconds, 2),
        points_spent=stats.points_spent,
        points_requested=stats.points_requested,
        restore_rate=restore_rate,
        bucket=bucket,
        efficiency=round(per_second / restore_rate, 4),
        steady_efficiency=round(steady / restore_rate, 4),
        throttled=stats.throttled,
        throttled_after_first=stats.throttled_after_first,
        rss_start_mb=round(sampler.start_rss / mb, 1),
        rss_peak_mb=round(sampler.peak / mb, 1),
        rss_growth_mb=round((sampler.peak - sampler.start_rss) / mb, 1),
        package_bytes=size,
    )


def _export(client: ShopifyClient, customer_id: int, folder: Path) -> tuple[int, int]:
    writer = PackageWriter(folder / "work")
    writer.customer(customer_profile(client, customer_id))
    pages = 0
    for page in order_pages(client, customer_id):
        writer.orders(page.orders)
        pages += 1
    shop = Store(id=0, shop_domain=SHOP, name="Measure")
    info = PackageInfo(
        "MEASURE", SHOP, PINNED, utcnow(), str(customer_id), register=register.unsaved(shop)
    )
    built = writer.build(info, folder / "package.zip", None)
    writer.discard()
    return pages, built.size


def main(argv: list[str] | None = None) -> None:
    """Measure each size and print one JSON object per line."""
    parser = argparse.ArgumentParser(prog="python -m lib.jobs.measure")
    parser.add_argument("--orders", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--lines", type=int, default=3, help="line items per order")
    parser.add_argument("--restore-rate", type=float, default=STANDARD_RESTORE_RATE)
    parser.add_argument("--bucket", type=float, default=STANDARD_BUCKET)
    args = parser.parse_args(argv)
    for orders in args.orders:
        started = time.monotonic()
        result = measure_export(
            orders, lines_per_order=args.lines, restore_rate=args.restore_rate, bucket=args.bucket
        )
        line = {**result.as_dict(), "wall_seconds": round(time.monotonic() - started, 1)}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
