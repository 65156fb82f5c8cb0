"""Starting exports: *Export* on a request or on a customer, and `python -m lib export`.

`request_export` enqueues one job per request (three clicks make one job) and moves the request
to `in_progress` in the same transaction; `export_customer` is the seed's *More actions →
Request customer data → Export*, which records a staff request first. The job itself is
`lib.jobs.export_job.run_export`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import Channel, JobStatus, RequestType, Status
from lib.core.lifecycle import LifecycleError, NewRequest, open_request, transition
from lib.core.models import Export, Job, Request, Store
from lib.core.settings import get_setting
from lib.jobs.export_job import run_export
from lib.jobs.package import derive_passphrase
from lib.jobs.queue import enqueue
from lib.jobs.worker import Worker
from lib.store.api import StoreCustomer

EXPORT_KIND = "export"
EXPORTABLE = frozenset({Status.VERIFIED, Status.IN_PROGRESS, Status.READY_FOR_REVIEW})


def request_export(session: Session, request: Request, actor: str) -> tuple[Job, bool]:
    """Queue the export of `request` (an access request that is verified or later).

    Returns the job and whether it is new; a click while a job is queued or running returns that
    job. Raises LifecycleError when the request cannot be exported.
    """
    if request.type != RequestType.ACCESS:
        raise LifecycleError(f"{request.reference}: only access requests are exported")
    status = Status(request.status)
    if status not in EXPORTABLE:
        raise LifecycleError(
            f"{request.reference}: cannot export a {status} request; it must be verified first"
        )
    job, created = enqueue(
        session,
        EXPORT_KIND,
        payload={"request_id": request.id},
        dedupe_key=f"request:{request.id}",
        request_id=request.id,
        created_by=actor,
    )
    if created and status is not Status.IN_PROGRESS:
        transition(session, request, Status.IN_PROGRESS, actor=actor, details={"job": job.id})
    return job, created


def export_customer(
    session: Session,
    store: Store,
    email: str,
    actor: str,
    *,
    customer: StoreCustomer | None = None,
) -> tuple[Request, Job, bool]:
    """*More actions → Request customer data → Export*: record a staff request, then export.

    An open access request of the same person that is already verified is reused instead of
    opening a second one. Returns (request, job, job created).
    """
    session.execute(select(Store.id).where(Store.id == store.id).with_for_update())
    wanted = email.strip().lower()
    request = session.scalars(
        select(Request)
        .where(
            Request.store_id == store.id,
            func.lower(Request.email) == wanted,
            Request.type == RequestType.ACCESS,
            Request.status.in_([s.value for s in EXPORTABLE]),
        )
        .order_by(Request.received_at.desc())
    ).first()
    if request is None:
        new = NewRequest(
            store=store,
            type=RequestType.ACCESS,
            channel=Channel.STAFF,
            email=wanted,
            name=(customer.name or None) if customer else None,
            country=customer.country if customer else None,
            subdivision=customer.province if customer else None,
            customer_id=customer.id if customer else None,
        )
        request = open_request(
            session,
            new,
            actor=actor,
            default_regime=store.default_regime,
            target_days=int(get_setting(session, "internal_target_days")),
        )
    job, created = request_export(session, request, actor)
    return request, job, created


def latest_export(session: Session, request_id: int) -> Export | None:
    """The newest package of a request (None before the first export)."""
    return session.scalars(
        select(Export).where(Export.request_id == request_id).order_by(Export.id.desc())
    ).first()


def package_passphrase(config: Config, export: Export) -> str | None:
    """The passphrase of an encrypted package (for the reviewing merchant), else None."""
    return (
        derive_passphrase(config.token_secret, Path(export.path).name) if export.encrypted else None
    )


class ExportFailed(RuntimeError):
    """The export job ended as failed; the message is the job's error."""


def export_by_email(
    db: Database, email: str, actor: str, shop_domain: str | None = None
) -> tuple[str, int, bool]:
    """`python -m lib export`: export a customer of a store (the only one unless named).

    Returns (request reference, job id, job created).
    """
    with db.write() as session:
        stores = session.scalars(select(Store).order_by(Store.id)).all()
        chosen = [s for s in stores if shop_domain in (None, s.shop_domain)]
        if not chosen or (shop_domain is None and len(chosen) > 1):
            known = ", ".join(s.shop_domain for s in stores) or "none (run python -m lib demo)"
            raise LookupError(f"name the shop with --shop; stores: {known}")
        request, job, created = export_customer(session, chosen[0], email, actor)
        return request.reference or str(request.id), job.id, created


def wait_for_export(
    db: Database,
    config: Config,
    job_id: int,
    report: Callable[[str], None] | None = None,
    poll_seconds: float = 0.2,
) -> Path:
    """Run export jobs in this process until `job_id` is done; return the package path.

    Another worker may take the job first; this only waits for it then. Raises ExportFailed.
    """
    worker = Worker(db, {EXPORT_KIND: lambda ctx: run_export(ctx, config)})
    seen = None
    while True:
        with db.read() as session:
            job = session.get_one(Job, job_id)
            export = session.scalars(select(Export).where(Export.job_id == job_id)).first()
        if job.status == JobStatus.DONE:
            if export is None:
                raise ExportFailed(f"job {job_id} finished without a package: {job.result}")
            return Path(export.path)
        if job.status == JobStatus.FAILED:
            raise ExportFailed(job.last_error or "the export failed")
        total = job.progress_total or "?"
        note = f"{job.status}: {job.progress_done}/{total} {job.progress_note or ''}"
        if report is not None and note != seen:
            report(note.strip())
            seen = note
        if not worker.run_once():
            time.sleep(poll_seconds)
