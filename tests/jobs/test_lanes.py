"""The worker's lanes: mail and short jobs never wait for a long export, and a stopping worker
hands its long job back at once instead of holding it until the lease runs out."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from lib.core.db import Database
from lib.core.enums import JobStatus
from lib.core.models import Job, utcnow
from lib.intake.submit import submit_guest
from lib.jobs.handlers import chores, job_handlers
from lib.jobs.queue import LONG_KINDS, enqueue
from lib.jobs.worker import STOPPED, JobContext, Worker
from lib.store.demo_data import add_demo_customer
from tests.helpers.export import click_export
from tests.helpers.stores import make_store
from tests.mail.smtp_sink import SmtpSink
from tests.store.helpers import (
    config_for,
    job_row,
    open_access_request,
    post,
    running_store,
    wait_until,
)


@contextmanager
def running_worker(worker: Worker) -> Iterator[threading.Event]:
    """`worker.run_forever` in a thread; stopped (and joined) on exit."""
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,))
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join()


def test_a_verification_mail_is_delivered_while_an_export_is_still_running(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    ada = add_demo_customer(db, email="ada@example.com", orders=20)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    smtp = SmtpSink().start()
    try:
        with running_store(db) as server:
            post(server, "/_demo/faults", {"delay": 2.0})  # every store answer takes 2 s
            config = config_for(server, db, tmp_path, smtp_url=smtp.url)
            job_id, _ = click_export(db, request_id)
            worker = Worker(db, job_handlers(config), chores(config), poll_seconds=0.05)
            with running_worker(worker):
                wait_until(lambda: job_row(db, job_id).status == JobStatus.RUNNING)
                submit_guest(
                    db, config, shop=store.shop_domain, email="grace@example.com",
                    address="203.0.113.9",
                )  # fmt: skip
                wait_until(lambda: smtp.to("grace@example.com"))
                export_when_mailed = job_row(db, job_id).status
                post(server, "/_demo/faults", {"delay": 0.0})
                wait_until(lambda: job_row(db, job_id).status == JobStatus.DONE, timeout=60)
    finally:
        smtp.stop()
    (mail,) = smtp.to("grace@example.com")
    assert "verify" in mail["Subject"].lower()
    assert export_when_mailed == JobStatus.RUNNING  # one lane: the mail left after the export


def test_a_stopping_worker_hands_its_long_job_back_with_the_attempt_unspent(
    db: Database,
) -> None:
    entered, release, left = threading.Event(), threading.Event(), threading.Event()

    def slow_export(ctx: JobContext) -> None:
        entered.set()
        try:
            release.wait(30)
            ctx.progress(1, 2, "second page")  # the worker has stopped: this hands the job back
        finally:
            left.set()

    with db.write() as session:
        job, _ = enqueue(session, "export", payload={})
    worker = Worker(db, {"export": slow_export}, poll_seconds=0.05)
    with running_worker(worker) as stop:
        assert entered.wait(30)
        stop.set()  # returns from run_forever without waiting for the page
    stopped = job_row(db, job.id)
    release.set()
    assert left.wait(30)
    after = job_row(db, job.id)
    assert stopped.status == JobStatus.QUEUED and stopped.attempts == 0
    assert stopped.last_error == STOPPED and stopped.run_after <= utcnow()
    assert after.status == JobStatus.QUEUED and after.lease_owner is None


def test_the_long_lane_names_the_kinds_that_exist() -> None:
    from lib.jobs.exports import EXPORT_KIND
    from lib.jobs.retention import PURGE_KIND
    from lib.store.sync import SYNC_KIND

    assert {EXPORT_KIND, SYNC_KIND, PURGE_KIND, "bulk"} == LONG_KINDS  # bulk: lib.jobs.bulk_job


def test_three_workers_with_two_lanes_each_do_every_job_once(pg_db: Database) -> None:
    db = pg_db
    runs: Counter[int] = Counter()
    lock = threading.Lock()

    def record(ctx: JobContext) -> None:
        with lock:
            runs[ctx.job.id] += 1

    with db.write() as session:
        ids = [enqueue(session, kind, payload={"n": n})[0].id
               for n in range(40) for kind in ("export", "count")]  # fmt: skip
    workers = [Worker(db, {"export": record, "count": record}, poll_seconds=0.02) for _ in range(3)]
    with running_worker(workers[0]), running_worker(workers[1]), running_worker(workers[2]):
        wait_until(lambda: _all_done(db, ids), timeout=120)
    assert set(runs) == set(ids) and set(runs.values()) == {1}


def _all_done(db: Database, ids: list[int]) -> bool:
    with db.read() as session:
        done = session.scalar(
            select(func.count()).where(Job.id.in_(ids), Job.status == JobStatus.DONE)
        )
    return done == len(ids)
