"""The job queue in the database: enqueue once, claim under a lease, finish or retry.

Claiming takes `FOR UPDATE SKIP LOCKED` on PostgreSQL, so any number of workers share the queue
and each job is handed to one of them; SQLite serialises claims with `BEGIN IMMEDIATE`. A worker
that dies simply stops renewing its lease: once it runs out, another worker takes the job over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lib.core.backoff import backoff_delay
from lib.core.db import Database, rowcount
from lib.core.enums import JobStatus
from lib.core.models import Job, utcnow

LEASE_SECONDS = 60
RETRY_BASE_SECONDS = 5
RETRY_MAX_SECONDS = 300
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
LONG_KINDS = frozenset({"export", "store_sync", "bulk", "purge_exports"})
"""Job kinds that may run for minutes (a 5,000-order export takes about 12 at Shopify's Standard
plan). A worker runs them in a lane of their own, so mail delivery and every other (short) kind
never queue behind them; both lanes claim through `claim` below, so each job still runs once."""


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    """What a handler gets: the job's identity and input, detached from any session."""

    id: int
    kind: str
    payload: dict[str, Any]
    request_id: int | None
    attempts: int
    max_attempts: int
    created_by: str


def enqueue(
    session: Session,
    kind: str,
    *,
    payload: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    request_id: int | None = None,
    created_by: str = "system",
    run_after: datetime | None = None,
    max_attempts: int = 3,
) -> tuple[Job, bool]:
    """Add a job in the caller's transaction; with a `dedupe_key`, an active twin is reused.

    Returns the job and whether it was created (False: an identical job is already queued or
    running — three clicks on *Export* make one job).
    """
    if dedupe_key is not None:
        existing = _active_twin(session, kind, dedupe_key)
        if existing is not None:
            return existing, False
    job = Job(
        kind=kind,
        payload=payload or {},
        dedupe_key=dedupe_key,
        request_id=request_id,
        created_by=created_by,
        run_after=run_after or utcnow(),
        max_attempts=max_attempts,
        status=JobStatus.QUEUED,
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:  # a concurrent enqueue won the race for the active slot
        if dedupe_key is None:
            raise
        twin = _active_twin(session, kind, dedupe_key)
        if twin is None:
            raise
        return twin, False
    return job, True


def _active_twin(session: Session, kind: str, dedupe_key: str) -> Job | None:
    return session.scalars(
        select(Job).where(Job.kind == kind, Job.dedupe_key == dedupe_key, Job.status.in_(ACTIVE))
    ).first()


def claim(
    db: Database,
    worker_id: str,
    *,
    kinds: tuple[str, ...] | None = None,
    lease_seconds: int = LEASE_SECONDS,
) -> ClaimedJob | None:
    """Take the next due job (or one whose worker's lease ran out), or None when idle."""
    now = utcnow()
    due = or_(
        and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
        and_(Job.status == JobStatus.RUNNING, Job.lease_expires_at < now),
    )
    query = select(Job).where(due).order_by(Job.run_after, Job.id).limit(1)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    if not db.is_sqlite:
        query = query.with_for_update(skip_locked=True)
    with db.write() as session:
        while (job := session.scalars(query).first()) is not None:
            if job.status == JobStatus.RUNNING and job.attempts >= job.max_attempts:
                _finish(
                    job,
                    JobStatus.FAILED,
                    now,
                    error=f"worker {job.lease_owner} stopped answering; gave up after "
                    f"{job.attempts} attempts",
                )
                session.flush()
                continue
            job.status = JobStatus.RUNNING
            job.attempts += 1
            job.lease_owner = worker_id
            job.lease_expires_at = now + timedelta(seconds=lease_seconds)
            job.started_at = job.started_at or now
            return ClaimedJob(
                job.id,
                job.kind,
                dict(job.payload or {}),
                job.request_id,
                job.attempts,
                job.max_attempts,
                job.created_by,
            )
    return None


def _owned(job_id: int, worker_id: str) -> Any:
    return and_(Job.id == job_id, Job.lease_owner == worker_id, Job.status == JobStatus.RUNNING)


def heartbeat(
    db: Database,
    job_id: int,
    worker_id: str,
    *,
    done: int | None = None,
    total: int | None = None,
    note: str | None = None,
    lease_seconds: int = LEASE_SECONDS,
) -> bool:
    """Renew the lease and record progress; False means the job is no longer ours: stop."""
    values: dict[str, Any] = {"lease_expires_at": utcnow() + timedelta(seconds=lease_seconds)}
    if done is not None:
        values["progress_done"] = done
    if total is not None:
        values["progress_total"] = total
    if note is not None:
        values["progress_note"] = note[:200]
    with db.write() as session:
        updated = session.execute(update(Job).where(_owned(job_id, worker_id)).values(**values))
        return rowcount(updated) == 1


def complete(
    db: Database,
    job_id: int,
    worker_id: str,
    result: dict[str, Any] | None = None,
    session: Session | None = None,
) -> bool:
    """Mark the job done (only by the worker holding it). Pass `session` to finish atomically
    with the handler's own writes."""
    if session is not None:
        return _complete_in(session, job_id, worker_id, result)
    with db.write() as own:
        return _complete_in(own, job_id, worker_id, result)


def _complete_in(
    session: Session, job_id: int, worker_id: str, result: dict[str, Any] | None
) -> bool:
    job = session.scalars(select(Job).where(_owned(job_id, worker_id))).first()
    if job is None:
        return False
    _finish(job, JobStatus.DONE, utcnow(), result=result)
    if job.progress_total is not None:
        job.progress_done = job.progress_total
    return True


def fail(db: Database, job_id: int, worker_id: str, error: str, *, retry: bool = True) -> str:
    """Record a failed attempt: back to the queue with backoff, or `failed` after the last.

    Returns the job's new status.
    """
    now = utcnow()
    with db.write() as session:
        job = session.scalars(select(Job).where(_owned(job_id, worker_id))).first()
        if job is None:
            return "lost"
        if retry and job.attempts < job.max_attempts:
            job.status = JobStatus.QUEUED
            job.last_error = error
            job.lease_owner = job.lease_expires_at = None
            job.run_after = now + timedelta(seconds=retry_delay(job.attempts))
        else:
            _finish(job, JobStatus.FAILED, now, error=error)
        return job.status


def defer(db: Database, job_id: int, worker_id: str, reason: str, seconds: float) -> str:
    """Put a job that cannot run yet (its store must be reconnected) back in the queue, due in
    `seconds`, without spending an attempt; `reason` is shown as its last error meanwhile."""
    with db.write() as session:
        job = session.scalars(select(Job).where(_owned(job_id, worker_id))).first()
        if job is None:
            return "lost"
        job.status = JobStatus.QUEUED
        job.attempts = max(0, job.attempts - 1)
        job.last_error = reason[:500]
        job.lease_owner = job.lease_expires_at = None
        job.run_after = utcnow() + timedelta(seconds=seconds)
        return job.status


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` tries (`lib.core.backoff`, full jitter)."""
    return backoff_delay(attempts - 1, RETRY_BASE_SECONDS, RETRY_MAX_SECONDS)


def _finish(
    job: Job,
    status: JobStatus,
    now: datetime,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
) -> None:
    job.status = status
    job.finished_at = now
    job.lease_owner = job.lease_expires_at = None
    if error is not None:
        job.last_error = error
    if result is not None:
        job.result = result


def cancel(session: Session, job_id: int, reason: str) -> bool:
    """Stop a queued or running job in the caller's transaction (staff cancelled it); False when
    it had already finished. A worker running it loses its lease: its next progress report or its
    completion is refused, so nothing it would still write lands."""
    job = session.get(Job, job_id, with_for_update=True)
    if job is None or job.status not in ACTIVE:
        return False
    _finish(job, JobStatus.FAILED, utcnow(), error=reason[:500])
    return True
