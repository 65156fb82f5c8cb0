"""Heavy buyers through a bulk operation, over the demo store and a real worker: the package is
complete, progress counts objects streamed; an operation that cannot give the whole file (one
already running for the shop, FAILED, a truncated file, an expired link) falls back to paced
pages and never leaves half of its rows in the package."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from lib.core.db import Database
from lib.core.enums import JobStatus, Status
from lib.core.models import Export, Job
from lib.store.bulk import BULK_ORDERS, BULK_RUN
from lib.store.demo_data import add_demo_customer
from lib.store.demo_server import DemoStoreServer
from tests.helpers.export import click_export, read_package, rows, run_worker
from tests.helpers.stores import make_store
from tests.store.helpers import (
    client_for,
    config_for,
    open_access_request,
    post,
    request_row,
    running_store,
)

ORDERS, LINES = 40, 3


def _export(db: Database, server: DemoStoreServer, tmp_path: Path) -> tuple[dict, Job]:
    store = make_store(db)
    ada = add_demo_customer(db, email="ada@example.com", orders=ORDERS, lines_per_order=LINES)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    job_id, _ = click_export(db, request_id)
    run_worker(db, config_for(server, db, tmp_path, export_bulk_threshold=10))
    with db.read() as session:
        job = session.get(Job, job_id)
        export = session.scalars(select(Export)).one()
    assert request_row(db, request_id).status == Status.READY_FOR_REVIEW
    return read_package(Path(export.path)), job


def _complete(files: dict) -> None:
    orders, lines = rows(files["orders.csv"]), rows(files["order_lines.csv"])
    assert len(orders) == ORDERS and len({o["order_id"] for o in orders}) == ORDERS
    assert len(lines) == ORDERS * LINES
    assert {line["order_id"] for line in lines} == {o["order_id"] for o in orders}
    assert all(int(o["line_items"]) == LINES for o in orders)


def test_a_heavy_buyer_is_exported_through_one_bulk_operation(
    sqlite_db: Database, tmp_path: Path
) -> None:
    with running_store(sqlite_db) as server:
        files, job = _export(sqlite_db, server, tmp_path)
        state = post(server, "/_demo/bulk", {})
        stats = httpx.get(f"{server.url}/_demo/stats").json()
    _complete(files)
    assert state["operations"] == 1
    assert stats["answered"] < 10  # profile, run, a few polls, scopes: no order pages
    objects = ORDERS * (1 + LINES)
    assert job.status == JobStatus.DONE
    assert job.progress_note == f"bulk: {objects} of {objects} objects streamed"
    assert job.progress_done == job.progress_total == 1 + objects


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ({"fail_next": 1}, "ended FAILED (INTERNAL_SERVER_ERROR)"),
        ({"truncate_next": 1}, "stops in the middle of a line (truncated)"),
        ({"url_ttl": 0}, "the bulk result link answered 403"),
    ],
)
def test_a_bulk_operation_that_cannot_give_the_whole_file_falls_back_to_pages(
    sqlite_db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture, fault, reason
) -> None:
    caplog.set_level(logging.WARNING, "privacy_desk.export")
    with running_store(sqlite_db) as server:
        post(server, "/_demo/bulk", fault)
        files, job = _export(sqlite_db, server, tmp_path)
    _complete(files)  # every order once: nothing of the failed attempt stayed
    assert job.status == JobStatus.DONE
    assert job.progress_note == f"orders {ORDERS} of {ORDERS}"  # pages, counted as pages
    assert any(reason in r.getMessage() for r in caplog.records), caplog.text


def test_one_operation_already_running_for_the_shop_means_paced_pages(
    sqlite_db: Database, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "privacy_desk.export")
    with running_store(sqlite_db) as server:
        post(server, "/_demo/bulk", {"hold": True})
        other = client_for(server).query(BULK_RUN, {"query": BULK_ORDERS})
        assert other["bulkOperationRunQuery"]["bulkOperation"]["status"] in ("CREATED", "RUNNING")
        files, job = _export(sqlite_db, server, tmp_path)
        post(server, "/_demo/bulk", {"hold": False})
    _complete(files)
    assert job.status == JobStatus.DONE
    assert any("OPERATION_IN_PROGRESS" in r.getMessage() for r in caplog.records), caplog.text


def test_the_demo_store_refuses_what_shopify_refuses(sqlite_db: Database) -> None:
    with running_store(sqlite_db, scopes=frozenset({"read_customers"})) as server:
        client = client_for(server)
        denied = client.query(BULK_RUN, {"query": BULK_ORDERS})["bulkOperationRunQuery"]
        invalid = client.query(BULK_RUN, {"query": "{ orders { edges { node { fooBar } } } }"})
        flat = client.query(BULK_RUN, {"query": "{ shop { name } }"})
    assert denied["bulkOperation"] is None
    assert "Required access: `read_orders`" in denied["userErrors"][0]["message"]
    assert "fooBar" in invalid["bulkOperationRunQuery"]["userErrors"][0]["message"]
    assert "at least one connection" in flat["bulkOperationRunQuery"]["userErrors"][0]["message"]
