"""Requests that staff take for a customer (by phone, letter or email), and merging duplicates.

Pure Python (no Streamlit). A staff request either records how staff checked the person's
identity (it starts verified, the check kept on its event and in `staff_intakes`) or sends the
*Verify Request* link (it waits for the customer like a guest's). Open requests of the same
person and type are shown as duplicates; merging one closes it into the other without verifying
anything (`lib.core.lifecycle.merge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lib.core import lifecycle
from lib.core.db import Database
from lib.core.enums import Channel, RequestType, StaffMedium, Status
from lib.core.lifecycle import NewRequest
from lib.core.models import Request, Store
from lib.core.models.requests import StaffIntake
from lib.core.settings import get_setting
from lib.dashboard import labels
from lib.dashboard.actions import ActionError, load_request
from lib.dashboard.roles import Actor, Right, require
from lib.mail import notifications


@dataclass(frozen=True, slots=True)
class StaffRequest:
    """What the *New request* form collects."""

    store_id: int
    type: str
    medium: str
    email: str
    name: str = ""
    country: str = ""
    checked_by_staff: bool = False  # False: send the Verify Request link instead
    identity_check: str = ""  # how staff checked the identity


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An open request of the same person and type."""

    id: int
    reference: str
    status: str
    received_at: datetime
    verified: bool


@dataclass(frozen=True, slots=True)
class Recorded:
    """The request just recorded and the open requests it duplicates."""

    id: int
    reference: str
    link_sent: bool
    duplicates: tuple[Duplicate, ...]


def _address(text: str) -> str:
    try:
        return validate_email(text.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ActionError(f"{text.strip()!r} is not a valid email address.") from None


def _duplicates(
    session: Session, store_id: int, email: str, type_: str, but: int | None = None
) -> tuple[Duplicate, ...]:
    query = (
        select(Request.id, Request.reference, Request.status, Request.received_at,
               Request.verified_at)
        .where(
            Request.store_id == store_id,
            func.lower(Request.email) == email,
            Request.type == type_,
            Request.closed_at.is_(None),
        )
        .order_by(Request.received_at)
    )  # fmt: skip
    if but is not None:
        query = query.where(Request.id != but)
    return tuple(
        Duplicate(id_, ref, status, at, verified is not None)
        for id_, ref, status, at, verified in session.execute(query)
    )


def duplicates(
    db: Database, actor: Actor, store_id: int, email: str, type_: str
) -> list[Duplicate]:
    """Open requests of this person and type in the store (shown while the form is filled in);
    none for an address that is not one yet."""
    require(actor, Right.VIEW_REQUESTS)
    try:
        address = _address(email)
    except ActionError:
        return []
    with db.read() as session:
        return list(_duplicates(session, store_id, address, type_))


def _checked(medium: StaffMedium, check: str) -> str:
    return f"identity checked by staff ({labels.label('medium', medium).lower()}): {check}"


def record(db: Database, actor: Actor, form: StaffRequest) -> Recorded:
    """Record a request taken by staff; refused (nothing written) on a bad field."""
    require(actor, Right.VERIFY)
    email = _address(form.email)
    try:
        kind, medium = RequestType(form.type), StaffMedium(form.medium)
    except ValueError:
        raise ActionError("Pick the request's type and how it reached you.") from None
    country = form.country.strip().upper() or None
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise ActionError(f"{form.country.strip()!r} is not a two-letter country code (DE, GB).")
    check = form.identity_check.strip() if form.checked_by_staff else ""
    if form.checked_by_staff and not check:
        raise ActionError("Say how you checked the customer's identity, or send the link.")
    with db.write() as session:
        store = session.get(Store, form.store_id)
        if store is None:
            raise ActionError(f"store {form.store_id} does not exist")
        new = NewRequest(
            store, kind, Channel.STAFF, email, form.name.strip() or None, country=country
        )
        request = lifecycle.open_request(
            session,
            new,
            actor=actor.email,
            default_regime=store.default_regime,
            target_days=int(get_setting(session, "internal_target_days")),
            first=None if check else Status.PENDING_VERIFICATION,
            first_reason=_checked(medium, check) if check else None,
        )
        session.add(
            StaffIntake(
                request_id=request.id,
                medium=medium,
                recorded_by=actor.email,
                identity_check=check or None,
            )
        )
        if not check:
            notifications.send_verification(session, request, store)
        return Recorded(
            request.id,
            str(request.reference),
            not check,
            _duplicates(session, store.id, email, kind, but=request.id),
        )


def merge(db: Database, actor: Actor, duplicate_id: int, into_id: int) -> None:
    """Close `duplicate_id` as merged into `into_id` (lifecycle rules; one audit event)."""
    require(actor, Right.CLOSE)
    with db.write() as session:
        lifecycle.merge(
            session,
            load_request(session, duplicate_id),
            load_request(session, into_id),
            actor=actor.email,
        )
