"""Role-checked staff actions for corrections, opt-outs and appeals (issue 18).

Changing the customer in Shopify is the merchant's work (`Right.CUSTOMERS`: apply a correction,
apply an opt-out); refusing and deciding appeals is compliance's (`Right.REJECT`), and the
appeal's reviewer must not be who refused (`lib.core.appeals`). Each action checks the role
itself, so a hidden button is only a convenience; bad input raises `ActionError` with one
sentence and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lib.core import appeals
from lib.core.db import Database
from lib.core.lifecycle import LifecycleError
from lib.core.models import Appeal, CorrectionAsk, Request, Store
from lib.dashboard.actions import ActionError, load_request
from lib.dashboard.roles import Actor, Right, require
from lib.jobs import correction_job, optout_job
from lib.mail import decisions
from lib.store import store_client
from lib.store.client import StoreError
from lib.store.correction import FIELDS, LABELS, current_values, customer_for


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One asked field beside the store's value now."""

    field: str
    label: str
    current: str | None
    asked: str

    @property
    def changes(self) -> bool:
        return (self.current or "") != self.asked


@dataclass(frozen=True, slots=True)
class CorrectionPreview:
    """What the customer said, and each asked field beside the store's current value."""

    statement: str
    rows: tuple[PreviewRow, ...]
    outcome: Mapping[str, object] | None


def correction_preview(db: Database, actor: Actor, request_id: int) -> CorrectionPreview:
    """The field-by-field diff staff review before applying (reads the store now)."""
    require(actor, Right.VIEW_REQUESTS)
    with db.read() as session:
        request = load_request(session, request_id)
        ask = session.get(CorrectionAsk, request_id)
        if ask is None:
            raise ActionError(f"{request.reference} has no stated correction.")
        store = session.get_one(Store, request.store_id)
        asked = {k: str(v) for k, v in (ask.fields or {}).items() if k in FIELDS and v}
        statement, outcome = ask.statement, ask.outcome
    current: Mapping[str, str | None] = {}
    if asked:
        try:
            client = store_client(None, store.shop_domain)
            customer = customer_for(client, request.customer_id, request.email)
            current = current_values(client, customer)
        except StoreError as exc:
            raise ActionError(f"The store could not be read: {exc}") from exc
    rows = tuple(
        PreviewRow(name, LABELS[name], current.get(name), asked[name])
        for name in FIELDS
        if name in asked
    )
    return CorrectionPreview(statement, rows, outcome)


def apply_correction(
    db: Database,
    actor: Actor,
    request_id: int,
    apply: Mapping[str, str | None],
    refuse: Mapping[str, str] | None = None,
) -> int:
    """Queue the accepted fields (with the previewed store values) and the refused ones."""
    require(actor, Right.CUSTOMERS)
    if refuse:
        require(actor, Right.REJECT)
    with db.write() as session:
        request = load_request(session, request_id)
        try:
            job = correction_job.queue_correction(
                session, request, actor=actor.email, apply=apply, refuse=refuse
            )
        except LifecycleError as exc:
            raise ActionError(str(exc)) from exc
        return job.id


def refuse_correction(db: Database, actor: Actor, request_id: int, reason: str) -> None:
    """Refuse the whole correction with the reason sent to the customer."""
    require(actor, Right.REJECT)
    with db.write() as session:
        request = load_request(session, request_id)
        try:
            correction_job.refuse_correction(session, request, actor=actor.email, reason=reason)
        except LifecycleError as exc:
            raise ActionError(str(exc)) from exc


def apply_opt_out(
    db: Database,
    actor: Actor,
    request_id: int,
    *,
    email_marketing: bool = False,
    sms_marketing: bool = False,
) -> int:
    """Queue the opt-out in Shopify (and the unsubscribes the customer asked for)."""
    require(actor, Right.CUSTOMERS)
    with db.write() as session:
        request = load_request(session, request_id)
        try:
            job = optout_job.queue_opt_out(
                session,
                request,
                actor=actor.email,
                email_marketing=email_marketing,
                sms_marketing=sms_marketing,
            )
        except LifecycleError as exc:
            raise ActionError(str(exc)) from exc
        return job.id


@dataclass(frozen=True, slots=True)
class AppealView:
    """An appeal beside the request it appeals: what was refused, by whom, and why."""

    refused_reference: str
    refused_type: str
    refused_by: str
    refusal: str | None
    statement: str | None
    state: str | None
    attorney_general: appeals.AttorneyGeneral | None


def appeal_view(db: Database, actor: Actor, request_id: int) -> AppealView:
    """The refused request behind appeal `request_id`."""
    require(actor, Right.VIEW_REQUESTS)
    with db.read() as session:
        link = session.get(Appeal, request_id)
        if link is None:
            raise ActionError(f"request {request_id} is not an appeal.")
        refused = session.get_one(Request, link.refused_request_id)
        return AppealView(
            refused_reference=refused.reference or str(refused.id),
            refused_type=refused.type,
            refused_by=link.refused_by,
            refusal=refused.rejection_text or refused.rejection_code,
            statement=link.statement,
            state=refused.subdivision,
            attorney_general=appeals.attorney_general(refused.subdivision),
        )


@dataclass(frozen=True, slots=True)
class AppealOutcome:
    """What deciding did: granted (and the reopened request's reference), or the AG named."""

    granted: bool
    reopened: str | None
    attorney_general: appeals.AttorneyGeneral | None


def decide_appeal(
    db: Database, actor: Actor, request_id: int, *, grant: bool, reason: str
) -> AppealOutcome:
    """Grant or deny an appeal (compliance; not the person who refused the request); the
    customer is told either way."""
    require(actor, Right.REJECT)
    with db.write() as session:
        request = load_request(session, request_id)
        try:
            decision = appeals.decide_appeal(
                session, request, actor=actor.email, grant=grant, reason=reason
            )
        except (appeals.AppealError, LifecycleError) as exc:
            raise ActionError(str(exc)) from exc
        store = session.get_one(Store, request.store_id)
        if decision.granted:
            decisions.on_completed(session, request, store)
        else:  # the refusal names the state's Attorney General
            decisions.on_rejected(session, request, store)
        reopened = decision.reopened.reference if decision.reopened is not None else None
        return AppealOutcome(decision.granted, reopened, decision.attorney_general)
