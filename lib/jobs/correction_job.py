"""The `correction` job: apply the fields staff accepted in Shopify, then close the request.

Staff decide per field (`queue_correction`: apply with the store value they previewed, or refuse
with a reason; refusing every field is `refuse_correction`). The job re-reads the store and
writes through `lib.store.correction`; afterwards Privacy Desk's own copies (the request's name
and email, the synced customer row) follow, the outcome per field is kept on `correction_asks`,
the request completes and the customer is told (`lib.mail.decisions`: what was corrected, and
staff's reasons for what was not). A value changed since the preview or Shopify's `userErrors`
change nothing: the request stays open with the reason on its timeline, and the job fails at
once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core.config import Config
from lib.core.enums import RejectionCode, RequestType, Status
from lib.core.identity import email_hash
from lib.core.lifecycle import LifecycleError, reject, transition
from lib.core.models import CorrectionAsk, Customer, Job, Request, Store, utcnow
from lib.jobs.queue import enqueue
from lib.jobs.worker import JobContext, PermanentError, refused_for_good
from lib.mail import decisions
from lib.store import store_client
from lib.store.client import CustomerNotFound
from lib.store.correction import FIELDS, LABELS, FieldChange, apply_changes, customer_for
from lib.store.refusals import StoreRefused

KIND = "correction"


def _ask(session: Session, request: Request) -> CorrectionAsk:
    if request.type != RequestType.CORRECTION:
        raise LifecycleError(f"{request.reference} is not a correction request.")
    if not request.is_open:
        raise LifecycleError(f"{request.reference} is closed; nothing can be corrected.")
    ask = session.get(CorrectionAsk, request.id)
    if ask is None:
        raise LifecycleError(f"{request.reference} has no stated correction.")
    return ask


def queue_correction(
    session: Session,
    request: Request,
    *,
    actor: str,
    apply: Mapping[str, str | None],
    refuse: Mapping[str, str] | None = None,
) -> Job:
    """Queue applying `apply` (field → the store value staff previewed) and refusing `refuse`
    (field → reason). Every field must be one the customer asked to change, each decided once."""
    ask = _ask(session, request)
    refuse = dict(refuse or {})
    asked = set((ask.fields or {}).keys())
    decided = set(apply) | set(refuse)
    strange = sorted(decided - asked)
    if strange:
        raise LifecycleError(f"The customer did not ask to change: {', '.join(strange)}.")
    if set(apply) & set(refuse):
        raise LifecycleError("A field cannot be both applied and refused.")
    missing = [LABELS[f] for f, why in refuse.items() if not (why and why.strip())]
    if missing:
        raise LifecycleError(f"Give the reason for refusing: {', '.join(missing)}.")
    if not apply:
        raise LifecycleError("Choose at least one field to apply, or refuse the correction.")
    payload = {"request_id": request.id, "apply": dict(apply), "refuse": refuse, "actor": actor}
    job, _ = enqueue(
        session,
        KIND,
        payload=payload,
        dedupe_key=f"{KIND}:{request.id}",
        request_id=request.id,
        created_by=actor,
        max_attempts=3,
    )
    return job


def refuse_correction(session: Session, request: Request, *, actor: str, reason: str) -> None:
    """Refuse the whole correction with a reason (kept per field, and on the rejection)."""
    ask = _ask(session, request)
    if not reason or not reason.strip():
        raise LifecycleError("Give the reason for refusing the correction.")
    ask.outcome = {f: {"applied": False, "reason": reason.strip()} for f in ask.fields or {}}
    ask.decided_by, ask.decided_at = actor, utcnow()
    reject(session, request, actor=actor, code=RejectionCode.OTHER, text=reason)
    decisions.on_rejected(session, request, session.get_one(Store, request.store_id))


def run_correction(ctx: JobContext, config: Config) -> Mapping[str, Any]:
    """Apply the accepted fields in Shopify; see the module docstring."""
    payload = ctx.job.payload
    request_id = int(payload["request_id"])
    with ctx.db.read() as session:
        request = session.get(Request, request_id)
        if request is None:
            raise PermanentError(f"request {request_id} does not exist")
        try:
            ask = _ask(session, request)
        except LifecycleError as exc:
            raise PermanentError(str(exc)) from exc
        store = session.get(Store, request.store_id)
        assert store is not None
        asked = dict(ask.fields or {})
    changes = [
        FieldChange(name, payload["apply"][name], asked[name])
        for name in FIELDS
        if name in payload["apply"]
    ]
    client = store_client(config, store.shop_domain)
    try:
        customer = customer_for(client, request.customer_id, request.email)
        after = apply_changes(client, customer, changes)
    except (StoreRefused, CustomerNotFound) as exc:
        raise refused_for_good(ctx.db, request_id, f"Correction not applied: {exc}") from exc
    with ctx.db.write() as session:
        return _record(session, request_id, changes, dict(payload["refuse"]), after, payload)


def _record(
    session: Session,
    request_id: int,
    changes: list[FieldChange],
    refused: dict[str, str],
    after: Mapping[str, str | None],
    payload: Mapping[str, Any],
) -> dict[str, Any]:
    request = session.get_one(Request, request_id)
    ask = session.get_one(CorrectionAsk, request_id)
    outcome: dict[str, Any] = {
        c.field: {"applied": True, "old": c.current, "new": after.get(c.field)} for c in changes
    }
    outcome.update({f: {"applied": False, "reason": why.strip()} for f, why in refused.items()})
    ask.outcome, ask.decided_by, ask.decided_at = outcome, payload["actor"], utcnow()
    _follow(session, request, after)
    transition(
        session,
        request,
        Status.COMPLETED,
        actor=payload["actor"],
        reason="correction applied in part" if refused else "correction applied",
        details={"applied": [c.field for c in changes], "refused": sorted(refused)},
    )
    store = session.get_one(Store, request.store_id)
    not_made = "\n".join(why.strip() for why in refused.values())
    decisions.on_completed(session, request, store, explanation=not_made)
    return {"applied": len(changes), "refused": len(refused)}


def _follow(session: Session, request: Request, after: Mapping[str, str | None]) -> None:
    """Privacy Desk's own copies take the store's corrected values."""
    name = " ".join(v for v in (after.get("first_name"), after.get("last_name")) if v)
    if after.get("email"):
        request.email = str(after["email"]).strip().lower()
        request.email_hash = email_hash(request.email)  # duplicates are recognised by it
    if name:
        request.name = name
    customer = session.scalar(
        select(Customer).where(
            Customer.store_id == request.store_id, Customer.shopify_id == request.customer_id
        )
    )
    if customer is not None:
        customer.email = request.email
        customer.first_name, customer.last_name = after.get("first_name"), after.get("last_name")
        customer.phone = after.get("phone")
        customer.country = after.get("country_code") or customer.country
        customer.subdivision = after.get("province_code") or customer.subdivision
