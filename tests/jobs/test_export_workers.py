"""Export jobs and real worker processes: a worker killed mid-export, many workers at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from lib.core.audit import verify_chain
from lib.core.config import PROJECT_ROOT
from lib.core.db import Database
from lib.core.enums import Channel, EventKind, JobStatus, RequestType, Status
from lib.core.lifecycle import NewRequest, open_request
from lib.core.models import Export, Job, Request, RequestEvent, utcnow
from lib.jobs.exports import request_export
from lib.store.demo_data import add_demo_customer
from tests.helpers.export import click_export, read_package, rows
from tests.helpers.stores import make_store
from tests.store.helpers import (
    config_env,
    config_for,
    job_row,
    open_access_request,
    post,
    request_row,
    running_store,
    wait_until,
)


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.export_worker"], cwd=PROJECT_ROOT, env=env
    )


def test_worker_killed_mid_export_is_replaced_and_the_job_done_once(
    db: Database, tmp_path: Path
) -> None:
    store = make_store(db)
    ada = add_demo_customer(db, email="ada@example.com", orders=200, lines_per_order=2)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with running_store(db) as server:
        env = config_env(config_for(server, db, tmp_path))
        post(server, "/_demo/faults", {"delay": 0.3})  # every answer slow: the export takes a while
        job_id, _ = click_export(db, request_id)
        first = start_worker(env)
        wait_until(lambda: job_row(db, job_id).progress_done >= 2, timeout=30)  # mid-export
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        killed = job_row(db, job_id)
        assert killed.status == JobStatus.RUNNING and killed.attempts == 1
        assert killed.progress_done < killed.progress_total
        assert list((tmp_path / ".work").iterdir())  # the dead worker's half-written files
        reference = request_row(db, request_id).reference
        orphan = tmp_path / f"{reference}-{job_id}-0dead0ff.zip"  # as if killed after renaming
        orphan.write_bytes(b"PK\x05\x06" + bytes(18))
        post(server, "/_demo/faults", {"delay": 0.0})
        with db.write() as session:  # the lease runs out (60 s in production)
            session.execute(update(Job).values(lease_expires_at=utcnow()))
        second = start_worker(env)
        assert second.wait(timeout=60) == 0
    done = job_row(db, job_id)
    assert done.status == JobStatus.DONE and done.attempts == 2
    assert done.lease_owner is None and done.result["orders"] == 200
    with db.read() as session:
        (export,) = session.scalars(select(Export))
        events = session.scalars(select(RequestEvent).where(RequestEvent.kind == EventKind.EXPORT))
        assert len(list(events)) == 1
        assert verify_chain(session).ok
    assert request_row(db, request_id).status == Status.READY_FOR_REVIEW
    assert len(rows(read_package(Path(export.path))["orders.csv"])) == 200
    assert [p.name for p in tmp_path.glob("*.zip")] == [Path(export.path).name]
    assert not orphan.exists()
    assert not list((tmp_path / ".work").iterdir()) and not list(tmp_path.glob(".*.part"))


@pytest.mark.slow
def test_four_worker_processes_do_each_of_200_exports_once(pg_db: Database, tmp_path: Path) -> None:
    """~20 s on 2 cores: 4 workers, the demo store and PostgreSQL share the CPUs."""
    db = pg_db
    store = make_store(db)
    customers = [add_demo_customer(db, email=f"c{n}@example.com", orders=1) for n in range(200)]
    with db.write() as session:  # 200 verified requests, each with its export job queued
        for customer in customers:
            new = NewRequest(store, RequestType.ACCESS, Channel.LOGGED_IN, customer.email,
                             customer_id=str(customer.id))  # fmt: skip
            request_export(session, open_request(session, new, actor="customer"), "merchant")
        ids = list(session.scalars(select(Request.id)))
    with running_store(db) as server:
        env = config_env(config_for(server, db, tmp_path))
        workers = [start_worker(env) for _ in range(4)]
        for process in workers:
            assert process.wait(timeout=170) == 0
    with db.read() as session:
        statuses = Counter(session.scalars(select(Job.status)))
        per_request = Counter(session.scalars(select(Export.request_id)))
        events = list(
            session.scalars(select(RequestEvent).where(RequestEvent.kind == EventKind.EXPORT))
        )
        ready = session.scalar(
            select(func.count())
            .select_from(Request)
            .where(Request.status == Status.READY_FOR_REVIEW)
        )
        assert verify_chain(session).ok
    assert statuses == {JobStatus.DONE: 200}
    assert set(per_request) == set(ids) and set(per_request.values()) == {1}
    assert Counter(e.request_id for e in events) == Counter(ids)
    assert ready == 200 and len(list(tmp_path.glob("*.zip"))) == 200
    assert len({e.details["worker"] for e in events}) >= 2, "the work should be shared"
