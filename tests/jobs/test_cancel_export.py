"""Cancelling a running export: the worker holding it stops at its next step and writes nothing,
the request goes back to *verified*, and the job says who cancelled it."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select

from lib.core.db import Database
from lib.core.enums import JobStatus, Status
from lib.core.models import Export
from lib.dashboard.package_view import cancel_export, running_export
from lib.dashboard.roles import Actor, Role
from lib.jobs.handlers import job_handlers
from lib.jobs.worker import Worker
from lib.store.demo_data import add_demo_customer
from tests.helpers.export import click_export
from tests.helpers.stores import make_store
from tests.store.helpers import (
    config_for,
    job_row,
    open_access_request,
    post,
    request_row,
    running_store,
    wait_until,
)


def test_a_cancelled_export_stops_and_leaves_no_package(sqlite_db: Database, tmp_path: Path):
    db, store = sqlite_db, make_store(sqlite_db)
    ada = add_demo_customer(db, email="ada@example.com", orders=20)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with running_store(db) as server:
        post(server, "/_demo/faults", {"delay": 1.0})  # each store answer takes a second
        config = config_for(server, db, tmp_path)
        job_id, _ = click_export(db, request_id)
        worker = threading.Thread(target=Worker(db, job_handlers(config)).run_once)
        worker.start()
        wait_until(lambda: job_row(db, job_id).status == JobStatus.RUNNING)
        cancel_export(db, Actor("merchant@shop.example", Role.MERCHANT), request_id)
        post(server, "/_demo/faults", {"delay": 0.0})
        worker.join()  # the handler has returned: whatever it would still write is written
    job = job_row(db, job_id)
    with db.read() as session:
        packages = session.scalar(select(func.count()).select_from(Export))
    assert job.status == JobStatus.FAILED
    assert job.last_error == "cancelled by merchant@shop.example"
    assert request_row(db, request_id).status == Status.VERIFIED
    assert packages == 0 and not list(tmp_path.rglob("*.zip"))
    assert running_export(db, request_id) is None
