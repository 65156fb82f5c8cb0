"""The `opt_out` job: opt the customer out of sale/sharing in Shopify, prove it, close.

`queue_opt_out` (by staff, or by the `opt_out_sweep` periodic job for every verified opt-out
that has none: CCPA wants it applied as soon as feasible) records whether the customer also
asked to stop email and SMS marketing. The job calls `lib.store.optout.apply_opt_out`, whose
read-back of the Shopify customer is kept on the completing event as proof. A customer the
store does not have, or Shopify's `userErrors`, change nothing: the request stays open with the
reason on its timeline and the job fails at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from lib.core.config import Config
from lib.core.enums import RequestType, Status
from lib.core.lifecycle import LifecycleError, transition
from lib.core.models import Job, Request, Store
from lib.jobs.queue import enqueue
from lib.jobs.worker import JobContext, PermanentError, refused_for_good
from lib.mail import decisions
from lib.store import store_client
from lib.store.optout import apply_opt_out
from lib.store.refusals import StoreRefused

KIND = "opt_out"
SWEEP_KIND = "opt_out_sweep"
SWEEP_INTERVAL_SECONDS = 60.0
SWEEP_BATCH = 500


def queue_opt_out(
    session: Session,
    request: Request,
    *,
    actor: str,
    email_marketing: bool = False,
    sms_marketing: bool = False,
) -> Job:
    """Queue the opt-out of a verified opt-out request (one job per request)."""
    if request.type != RequestType.OPT_OUT:
        raise LifecycleError(f"{request.reference} is not an opt-out request.")
    if request.status not in (Status.VERIFIED, Status.IN_PROGRESS):
        raise LifecycleError(f"{request.reference} is {request.status}; verify it first.")
    payload = {
        "request_id": request.id,
        "email_marketing": email_marketing,
        "sms_marketing": sms_marketing,
        "actor": actor,
    }
    job, _ = enqueue(
        session,
        KIND,
        payload=payload,
        dedupe_key=f"{KIND}:{request.id}",
        request_id=request.id,
        created_by=actor,
    )
    return job


def run_opt_out(ctx: JobContext, config: Config) -> Mapping[str, Any]:
    """Apply the opt-out and complete the request with the store's read-back."""
    payload = ctx.job.payload
    request_id = int(payload["request_id"])
    with ctx.db.read() as session:
        request = session.get(Request, request_id)
        if request is None:
            raise PermanentError(f"request {request_id} does not exist")
        store = session.get(Store, request.store_id)
        assert store is not None
    if not request.is_open:
        raise PermanentError(f"{request.reference} is {request.status}; nothing to opt out")
    try:
        proof = apply_opt_out(
            store_client(config, store.shop_domain),
            request.email,
            email_marketing=bool(payload.get("email_marketing")),
            sms_marketing=bool(payload.get("sms_marketing")),
        )
    except StoreRefused as exc:
        raise refused_for_good(ctx.db, request_id, f"Opt-out not applied: {exc}") from exc
    with ctx.db.write() as session:
        request = session.get_one(Request, request_id)
        transition(
            session,
            request,
            Status.COMPLETED,
            actor=str(payload.get("actor") or "system"),
            reason="opted out of sale and sharing in Shopify",
            details={"read_back": proof.as_dict()},
        )
        decisions.on_completed(session, request, session.get_one(Store, request.store_id))
    return proof.as_dict()


def sweep_opt_outs(ctx: JobContext) -> Mapping[str, Any]:
    """Queue the opt-out of every verified opt-out request that has no opt-out job yet."""
    waiting = exists().where(Job.request_id == Request.id, Job.kind == KIND)
    with ctx.db.write() as session:
        due = session.scalars(
            select(Request)
            .where(
                Request.type == RequestType.OPT_OUT,
                Request.status == Status.VERIFIED,
                Request.closed_at.is_(None),
                ~waiting,
            )
            .order_by(Request.id)
            .limit(SWEEP_BATCH)
        ).all()
        for request in due:
            queue_opt_out(session, request, actor="system")
    return {"queued": len(due)}
