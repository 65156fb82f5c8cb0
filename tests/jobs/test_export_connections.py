"""Exports through expiring tokens with the real worker and demo store: several renewals in one
export, and jobs that wait while their store must be reconnected, then resume."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import ConnectionState, JobStatus, Status
from lib.core.models import Export, Store
from lib.jobs.handlers import job_handlers
from lib.jobs.worker import Worker
from lib.store import connect_client_credentials, disconnect
from lib.store.demo_data import add_demo_customer
from lib.store.demo_server import DemoStoreServer
from tests.helpers.export import click_export, read_package, rows
from tests.helpers.stores import make_store
from tests.store.helpers import SHOP, job_row, open_access_request, post, request_row
from tests.store.oauth import connection_of, grants, install, oauth_config, oauth_store

LIFETIME = 2.0
"""Seconds an access token lives at the demo store here; each query waits DELAY there."""
DELAY = 0.25
ORDERS = 900  # ~20 order pages: the export lasts more than two token lifetimes


def _connect(mode: str, server: DemoStoreServer, db: Database, config: Config) -> None:
    if mode == "oauth":
        install(server, db, config, SHOP)
    else:
        connect_client_credentials(db, config, SHOP)


@pytest.mark.parametrize("mode", ["oauth", "client_credentials"])
def test_an_export_completes_across_several_token_renewals(
    sqlite_db: Database, tmp_path: Path, mode: str
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    ada = add_demo_customer(db, email="ada@example.com", orders=ORDERS, lines_per_order=1)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with oauth_store(db, lifetime=LIFETIME) as server:
        # Paced pages (the bulk path above 250 orders makes too few queries to outlive a token).
        config = oauth_config(server, db, tmp_path).replace(export_bulk_threshold=ORDERS)
        _connect(mode, server, db, config)
        post(server, "/_demo/faults", {"delay": DELAY})
        job_id, _ = click_export(db, request_id)
        Worker(db, job_handlers(config)).run_once()
        counts = grants(server)
    job = job_row(db, job_id)
    assert job.status == JobStatus.DONE and job.attempts == 1, job.last_error
    renewals = counts["refresh_token"] if mode == "oauth" else counts["client_credentials"] - 1
    assert renewals >= 2 and counts["refused"] == 0, counts
    assert connection_of(db, store.id).state == ConnectionState.CONNECTED
    with db.read() as session:
        export = session.scalars(select(Export)).one()
    assert len(rows(read_package(Path(export.path))["orders.csv"])) == ORDERS


def _uninstall(server: DemoStoreServer, db: Database, store: Store) -> None:
    with db.write() as session:
        disconnect(session, session.get(Store, store.id), "the app was uninstalled")


def _revoke(server: DemoStoreServer, db: Database, store: Store) -> None:
    post(server, "/_demo/revoke", {"shop": SHOP})  # the next renewal is refused


@pytest.mark.parametrize(
    ("lose", "reason"),
    [(_uninstall, "the app was uninstalled"), (_revoke, "invalid_grant")],
    ids=["uninstalled", "renewal-refused"],
)
def test_jobs_of_a_store_to_reconnect_wait_then_resume(
    db: Database, tmp_path: Path, lose: Callable[..., None], reason: str
) -> None:
    store = make_store(db)
    ada = add_demo_customer(db, email="ada@example.com", orders=3)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with oauth_store(db) as server:
        config = oauth_config(server, db, tmp_path)
        install(server, db, config, SHOP)
        lose(server, db, store)
        job_id, _ = click_export(db, request_id)
        worker = Worker(db, job_handlers(config), reconnect_wait_seconds=0)
        for _ in range(5):  # more rounds than the job has attempts: waiting spends none
            worker.run_once()
            job = job_row(db, job_id)
            assert job.status == JobStatus.QUEUED and job.attempts == 0
        assert job.last_error.startswith(
            f"waiting until the store is reconnected: {SHOP} must be reconnected: "
        )
        assert reason in job.last_error
        assert request_row(db, request_id).status == Status.IN_PROGRESS
        connect_client_credentials(db, config, SHOP)  # the merchant connects the store again
        worker.run_once()
    job = job_row(db, job_id)
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert request_row(db, request_id).status == Status.READY_FOR_REVIEW
