"""The job queue: dedupe, claim, leases, retries, give-up, and many workers at once."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from lib.core.audit import verify_chain
from lib.core.config import PROJECT_ROOT
from lib.core.db import Database
from lib.core.models import Job, RequestEvent, utcnow
from lib.jobs.queue import claim, complete, enqueue, fail, heartbeat
from lib.jobs.worker import JobContext, PermanentError, Worker, schedule_periodic


def _enqueue(db: Database, kind: str = "export", **kw) -> tuple[int, bool]:
    with db.write() as session:
        job, created = enqueue(session, kind, **kw)
        return job.id, created


def _job(db: Database, job_id: int) -> Job:
    with db.read() as session:
        return session.get(Job, job_id)


def test_three_clicks_make_one_job(db: Database) -> None:
    ids = [_enqueue(db, dedupe_key="request:7") for _ in range(3)]
    assert [created for _, created in ids] == [True, False, False]
    assert len({job_id for job_id, _ in ids}) == 1


def test_a_finished_job_does_not_block_a_new_one(db: Database) -> None:
    first, _ = _enqueue(db, dedupe_key="request:7")
    job = claim(db, "w1")
    assert complete(db, job.id, "w1", {"ok": True})
    second, created = _enqueue(db, dedupe_key="request:7")
    assert created and second != first


def test_claim_hands_out_each_job_once_in_order(db: Database) -> None:
    ids = [_enqueue(db, payload={"n": n})[0] for n in range(3)]
    claimed = [claim(db, "w1"), claim(db, "w2"), claim(db, "w3"), claim(db, "w4")]
    assert [c.id for c in claimed[:3]] == ids and claimed[3] is None
    assert claimed[0].payload == {"n": 0} and claimed[0].attempts == 1
    assert _job(db, ids[1]).lease_owner == "w2"


def test_claim_filters_by_kind(db: Database) -> None:
    _enqueue(db, "export")
    assert claim(db, "w", kinds=("mail",)) is None
    assert claim(db, "w", kinds=("export",)).kind == "export"


def test_progress_renews_the_lease_only_for_the_owner(db: Database) -> None:
    job_id, _ = _enqueue(db)
    claim(db, "w1")
    assert heartbeat(db, job_id, "w1", done=3, total=10, note="page 3 of 10")
    assert not heartbeat(db, job_id, "intruder", done=9)
    stored = _job(db, job_id)
    assert (stored.progress_done, stored.progress_total, stored.progress_note) == (
        3,
        10,
        "page 3 of 10",
    )


def test_expired_lease_is_taken_over_and_the_old_owner_is_locked_out(db: Database) -> None:
    job_id, _ = _enqueue(db)
    claim(db, "dead-worker")
    with db.write() as session:
        session.execute(update(Job).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    taken = claim(db, "w2")
    assert taken.id == job_id and taken.attempts == 2
    assert not complete(db, job_id, "dead-worker")
    assert complete(db, job_id, "w2")
    assert _job(db, job_id).status == "done"


def test_retry_with_backoff_then_give_up(db: Database, longest_backoff: None) -> None:
    job_id, _ = _enqueue(db, max_attempts=2)
    claim(db, "w")
    assert fail(db, job_id, "w", "store timed out") == "queued"
    stored = _job(db, job_id)
    assert stored.run_after > utcnow() and stored.last_error == "store timed out"
    assert claim(db, "w") is None  # not due yet
    with db.write() as session:
        session.execute(update(Job).values(run_after=utcnow()))
    claim(db, "w")
    assert fail(db, job_id, "w", "store timed out again") == "failed"
    stored = _job(db, job_id)
    assert stored.status == "failed" and stored.finished_at is not None


def test_a_job_whose_workers_keep_dying_fails_visibly(db: Database) -> None:
    job_id, _ = _enqueue(db, max_attempts=1)
    claim(db, "w1")
    with db.write() as session:
        session.execute(update(Job).values(lease_expires_at=utcnow() - timedelta(seconds=1)))
    assert claim(db, "w2") is None
    stored = _job(db, job_id)
    assert stored.status == "failed" and "stopped answering" in stored.last_error


def test_worker_runs_handlers_and_records_outcomes(db: Database) -> None:
    def ok(context: JobContext) -> dict[str, int]:
        context.progress(1, 2, "half")
        return {"rows": 2}

    def broken(_context: JobContext) -> None:
        raise PermanentError("customer not found in the store")

    worker = Worker(db, {"ok": ok, "broken": broken})
    good, _ = _enqueue(db, "ok")
    bad, _ = _enqueue(db, "broken")
    assert worker.run_once() and worker.run_once()
    assert not worker.run_once()
    assert _job(db, good).status == "done" and _job(db, good).result == {"rows": 2}
    assert _job(db, good).progress_done == 2
    assert _job(db, bad).status == "failed"
    assert _job(db, bad).last_error == "customer not found in the store"


def test_periodic_jobs_stay_scheduled_once(db: Database) -> None:
    schedule_periodic(db, {"expire_unverified": 3600})
    schedule_periodic(db, {"expire_unverified": 3600})
    with db.read() as session:
        jobs = session.scalars(select(Job).where(Job.kind == "expire_unverified")).all()
    assert len(jobs) == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_four_worker_processes_do_each_job_exactly_once(request, backend: str) -> None:
    db: Database = request.getfixturevalue("sqlite_db" if backend == "sqlite" else "pg_db")
    jobs = 200 if backend == "postgresql" else 60
    with db.write() as session:
        for n in range(jobs):
            enqueue(session, "count", payload={"n": n, "sleep": 0.005})
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.jobs.counting_worker", db.url], cwd=PROJECT_ROOT
        )
        for _ in range(4)
    ]
    for process in processes:
        assert process.wait(timeout=180) == 0
    with db.read() as session:
        runs = Counter(e.details["job"] for e in session.scalars(select(RequestEvent)))
        statuses = Counter(session.scalars(select(Job.status)))
        workers = {e.actor for e in session.scalars(select(RequestEvent))}
        assert verify_chain(session).ok
    assert statuses == {"done": jobs}
    assert len(runs) == jobs and set(runs.values()) == {1}
    assert len(workers) >= 2, "the work should be shared between processes"
