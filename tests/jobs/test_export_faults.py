"""Exports against a misbehaving store: throttling and injected faults, persistent 500s."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy import func, select, update

from lib.core.db import Database
from lib.core.enums import JobStatus, Status
from lib.core.models import Export, Job, utcnow
from lib.jobs.handlers import job_handlers
from lib.jobs.worker import Worker
from lib.store import store_client
from lib.store.demo_data import add_demo_customer
from tests.helpers.export import click_export, read_package, rows
from tests.helpers.stores import make_store
from tests.store.helpers import config_for, open_access_request, post, request_row, running_store


def test_export_completes_through_throttling_and_injected_faults(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    ada = add_demo_customer(db, email="ada@example.com", orders=150, lines_per_order=6)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with running_store(db, bucket=1000, restore_rate=5000, seed=7) as server:
        faults = {"error_rate": 0.06, "rate_429": 0.06, "retry_after": 0.05, "drop_rate": 0.06}
        post(server, "/_demo/faults", faults)
        config = config_for(server, db, tmp_path, store_backoff_ms=10)
        click_export(db, request_id)
        Worker(db, job_handlers(config)).run_once()
        stats = httpx.get(f"{server.url}/_demo/stats").json()
    client = store_client(config, store.shop_domain)  # the worker's client (one per store)
    with db.read() as session:
        job = session.scalars(select(Job)).one()
        export = session.scalars(select(Export)).one()
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert stats["errors_5xx"] > 0 and stats["errors_429"] > 0 and stats["dropped"] > 0
    assert client.stats.paced_seconds > 0 and client.stats.retries >= 3
    assert request_row(db, request_id).status == Status.READY_FOR_REVIEW
    files = read_package(Path(export.path))
    assert len(rows(files["orders.csv"])) == 150 and len(rows(files["order_lines.csv"])) == 900


def test_persistent_500s_fail_the_job_clearly_after_bounded_retries(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    ada = add_demo_customer(db, email="ada@example.com")
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with running_store(db) as server:
        post(server, "/_demo/faults", {"error_rate": 1.0})
        config = config_for(server, db, tmp_path, store_max_attempts=3, store_backoff_ms=10)
        job_id, _ = click_export(db, request_id)
        worker = Worker(db, job_handlers(config))
        for _ in range(5):  # each failed attempt waits for its backoff: skip the wait
            worker.run_once()
            with db.write() as session:
                session.execute(update(Job).values(run_after=utcnow()))
        served = httpx.get(f"{server.url}/_demo/stats").json()
    with db.read() as session:
        job = session.get(Job, job_id)
        exports = session.scalar(select(func.count()).select_from(Export))
    assert job.status == JobStatus.FAILED and job.attempts == job.max_attempts == 3
    assert job.last_error == (
        "StoreUnavailable: the store did not answer after 3 attempts (last: HTTP 500)"
    )
    assert served["errors_5xx"] == 3 * 3  # 3 tries per query, 3 job attempts: bounded
    request = request_row(db, request_id)
    assert request.status == Status.VERIFIED and request.is_open  # back in the merchant's hands
    assert exports == 0 and not list(tmp_path.rglob("*.zip*"))
