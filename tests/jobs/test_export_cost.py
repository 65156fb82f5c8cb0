"""Exports from a shop that refuses pages as too costly (`MAX_COST_EXCEEDED`)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlalchemy import select

from lib.core.db import Database
from lib.core.enums import JobStatus, Status
from lib.core.models import DemoLineItem, DemoOrder, Export, Job, RequestEvent
from lib.jobs.handlers import job_handlers
from lib.jobs.worker import Worker
from lib.store.demo_data import add_demo_customer
from tests.helpers.export import click_export, read_package, rows
from tests.helpers.stores import make_store
from tests.store.helpers import config_for, open_access_request, post, request_row, running_store


def test_a_forced_max_cost_exceeded_export_completes_with_smaller_pages(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    ada = add_demo_customer(db, email="ada@example.com", orders=60, lines_per_order=7)
    add_demo_customer(db, email="bob@example.com", orders=4)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with running_store(db) as server:
        post(server, "/_demo/faults", {"max_cost": 200})  # 3 orders with 5 lines: 105 points
        config = config_for(server, db, tmp_path)
        job_id, _ = click_export(db, request_id)
        Worker(db, job_handlers(config)).run_once()
        served = httpx.get(f"{server.url}/_demo/stats").json()
    with db.read() as session:
        job = session.get(Job, job_id)
        export = session.scalars(select(Export)).one()
        demo_orders = {
            o.id: o
            for o in session.scalars(select(DemoOrder).where(DemoOrder.customer_id == ada.id))
        }
        demo_lines = set(
            session.scalars(select(DemoLineItem.id).where(DemoLineItem.order_id.in_(demo_orders)))
        )
    assert job.status == JobStatus.DONE and job.attempts == 1
    # The profile, then 20 pages of 3 orders: the total counted the smaller pages.
    assert (job.progress_done, job.progress_total) == (21, 21)
    assert job.progress_note == "orders 60 of 60"
    assert request_row(db, request_id).status == Status.READY_FOR_REVIEW
    assert served["faults"]["max_cost"] == 200 and served["answered"] > 12
    files = read_package(Path(export.path))
    orders = rows(files["orders.csv"])
    assert sorted(int(o["order_id"]) for o in orders) == sorted(demo_orders)
    for order in orders:
        assert order["order_name"] == demo_orders[int(order["order_id"])].name
    assert {int(line["line_item_id"]) for line in rows(files["order_lines.csv"])} == demo_lines
    assert export.order_count == 60


def test_a_refusal_that_no_smaller_page_can_avoid_hands_the_request_back_at_once(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    ada = add_demo_customer(db, email="ada@example.com", orders=3)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with running_store(db) as server:
        post(server, "/_demo/faults", {"max_cost": 12})  # below even the profile's cost
        config = config_for(server, db, tmp_path)
        job_id, _ = click_export(db, request_id)
        Worker(db, job_handlers(config)).run_once()
    reason = re.compile(
        r"the store refused the query as too costly \(\d+ points, the limit is 12\)"
    )
    with db.read() as session:
        job = session.get(Job, job_id)
        exports = session.scalars(select(Export)).all()
        last = session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.seq.desc())
        ).first()
    assert job.status == JobStatus.FAILED and job.attempts == 1  # retrying cannot help
    assert reason.fullmatch(job.last_error)
    request = request_row(db, request_id)
    assert request.status == Status.VERIFIED and request.is_open
    assert last.to_status == Status.VERIFIED and last.reason == f"export failed: {job.last_error}"
    assert exports == [] and not list(tmp_path.rglob("*.zip*"))
