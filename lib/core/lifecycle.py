"""The request lifecycle: one table of allowed moves, and the only functions that change status.

Every change writes exactly one audit event in the caller's transaction; a refused change raises
before anything is touched. Opening a request records two (received, then its channel's first
state), appended to the chain in one extension.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from lib.core.audit import ChainLink, NewEvent, append_event, append_events
from lib.core.deadlines import (
    REQUEST_TYPES,
    Deadline,
    can_extend,
    compute_deadline,
    regime_for,
)
from lib.core.enums import Channel, EventKind, RejectionCode, RequestType, Status
from lib.core.identity import email_hash
from lib.core.models import Request, Store, make_reference, utcnow

S = Status
TRANSITIONS: dict[Status, frozenset[Status]] = {
    S.RECEIVED: frozenset({S.PENDING_VERIFICATION, S.VERIFIED, S.REJECTED, S.CANCELED}),
    S.PENDING_VERIFICATION: frozenset({S.VERIFIED, S.EXPIRED, S.REJECTED, S.CANCELED}),
    S.VERIFIED: frozenset({S.IN_PROGRESS, S.COMPLETED, S.REJECTED, S.CANCELED}),
    S.IN_PROGRESS: frozenset({S.READY_FOR_REVIEW, S.VERIFIED, S.COMPLETED, S.REJECTED, S.CANCELED}),
    S.READY_FOR_REVIEW: frozenset(
        {S.DELIVERED, S.IN_PROGRESS, S.COMPLETED, S.REJECTED, S.CANCELED}
    ),
    S.DELIVERED: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELED: frozenset(),
    S.EXPIRED: frozenset(),
}
"""Allowed moves. IN_PROGRESS → VERIFIED is a failed export handing the request back."""

FIRST_STATUS: dict[Channel, Status] = {
    Channel.GUEST: S.PENDING_VERIFICATION,
    Channel.LOGGED_IN: S.VERIFIED,  # the shop's login is the verification (EDPB 01/2022 ¶72)
    Channel.WEBHOOK: S.VERIFIED,  # Shopify verified the customer before sending it
    Channel.STAFF: S.VERIFIED,
}


class LifecycleError(ValueError):
    """A change the lifecycle does not allow; the message says why and what would be allowed."""


@dataclass(frozen=True, slots=True)
class NewRequest:
    """What intake, webhooks and staff know when a request arrives."""

    store: Store
    type: RequestType
    channel: Channel
    email: str
    name: str | None = None
    country: str | None = None
    subdivision: str | None = None
    customer_id: str | None = None
    regime: str | None = None
    shopify_request_id: str | None = None
    orders_requested: list[Any] | None = None
    locale: str | None = None


def local_date(at: datetime, timezone: str) -> date:
    """The calendar day of an instant in the store's time zone (the day the law counts from)."""
    return at.astimezone(ZoneInfo(timezone)).date()


def _deadline_type(kind: str) -> str:
    """The deadline rule of a request type (`lib.core.deadlines.rule_for`); shop/redact has
    none of its own (its Shopify contract date is kept apart) and counts as access."""
    return str(kind) if str(kind) in REQUEST_TYPES else "access"


def deadline_of(request: Request, store_timezone: str, target_days: int = 15) -> Deadline:
    """The request's deadline as the engine computes it today (pauses included)."""
    return compute_deadline(
        request.regime,
        local_date(request.received_at, store_timezone),
        request.country,
        subdivision=request.subdivision,
        paused_days=request.paused_days,
        target_working_days=target_days,
        request_type=_deadline_type(request.type),
    )


def _received_row(new: NewRequest, regime: str, at: datetime, deadline: Deadline) -> Request:
    """The row of `new` as received `at`: its regime, deadlines and normalised email."""
    return Request(
        store_id=new.store.id,
        type=new.type,
        channel=new.channel,
        status=S.RECEIVED,
        regime=regime,
        country=new.country,
        subdivision=new.subdivision,
        email=new.email.strip().lower(),
        email_hash=email_hash(new.email),
        name=new.name,
        customer_id=new.customer_id,
        received_at=at,
        due_on=deadline.due,
        legal_due_on=deadline.due,
        confirm_by_on=deadline.confirm_by,
        target_on=deadline.target,
        shopify_request_id=new.shopify_request_id,
        orders_requested=new.orders_requested,
        locale=new.locale,
    )


def open_request(
    session: Session,
    new: NewRequest,
    *,
    actor: str,
    default_regime: str = "gdpr",
    target_days: int = 15,
    at: datetime | None = None,
    before_events: Callable[[Request], object] | None = None,
    first: Status | None = None,
    first_reason: str | None = None,
) -> Request:
    """Store a new request with its deadlines, then move it to its channel's first state.

    `first` overrides that state (staff who send the Verify Request link instead of checking
    the identity themselves start a staff request as pending verification); `first_reason` is
    kept on its event (how staff checked the identity).
    `before_events(request)` runs once the row exists (id and reference set) and before its
    events are appended: what it writes (the request's mails) is then done before the chain's
    head is locked, which on PostgreSQL stays locked until the transaction commits.
    """
    at = at or utcnow()
    received_on = local_date(at, new.store.timezone)
    regime = new.regime or regime_for(new.country, new.subdivision, default_regime)
    deadline = compute_deadline(
        regime,
        received_on,
        new.country,
        subdivision=new.subdivision,
        target_working_days=target_days,
        request_type=_deadline_type(new.type),
    )
    request = _received_row(new, str(regime), at, deadline)
    session.add(request)
    session.flush()
    request.reference = make_reference(request.id, received_on)  # the store's year
    received = NewEvent(
        actor,
        EventKind.TRANSITION,
        request.id,
        to_status=S.RECEIVED,
        details={"channel": str(new.channel), "type": str(new.type), "regime": str(regime)},
        at=at,
    )
    first_move = _move(
        request,
        first or FIRST_STATUS[new.channel],
        actor=actor,
        reason=first_reason,
        details=None,
        at=at,
    )
    if before_events is not None:
        session.flush()
        before_events(request)
    append_events(session, [received, first_move])
    return request


def transition(
    session: Session,
    request: Request,
    to: Status,
    *,
    actor: str,
    reason: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ChainLink:
    """Move `request` to `to` and record it, or raise LifecycleError and change nothing."""
    event = _move(request, to, actor=actor, reason=reason, details=details, at=at or utcnow())
    return append_events(session, [event])[0]


def _move(
    request: Request,
    to: Status,
    *,
    actor: str,
    reason: str | None,
    details: dict[str, Any] | None,
    at: datetime,
) -> NewEvent:
    """Apply an allowed move to `request` and return its event (not yet appended)."""
    current = Status(request.status)
    to = Status(to)
    if to not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none (it is closed)"
        raise LifecycleError(
            f"{request.reference}: cannot go from {current} to {to}; allowed: {allowed}"
        )
    request.status = to
    if to is S.VERIFIED and request.verified_at is None:
        request.verified_at = at
    if to in (S.DELIVERED, S.REJECTED) or (to is S.COMPLETED and request.responded_at is None):
        request.responded_at = request.responded_at or at
    if not TRANSITIONS[to]:
        request.closed_at = at
    return NewEvent(actor, EventKind.TRANSITION, request.id, current, to, reason, details, at)


def _require_open(request: Request, action: str) -> None:
    if not request.is_open:
        raise LifecycleError(f"{request.reference}: cannot {action} a {request.status} request")


def extend(
    session: Session,
    request: Request,
    *,
    actor: str,
    reason: str,
    store_timezone: str,
    at: datetime | None = None,
) -> ChainLink:
    """Extend the deadline once, with a reason, before the original deadline has passed."""
    at = at or utcnow()
    _require_open(request, "extend")
    if not reason or not reason.strip():
        raise LifecycleError(f"{request.reference}: an extension needs a reason for the customer")
    if request.extended_due_on is not None:
        raise LifecycleError(
            f"{request.reference}: already extended once (to {request.extended_due_on})"
        )
    deadline = deadline_of(request, store_timezone)
    today = local_date(at, store_timezone)
    if deadline.extended_due is None:
        raise LifecycleError(
            f"{request.reference}: the {request.regime} regime allows no extension"
        )
    if not can_extend(deadline, today):
        raise LifecycleError(
            f"{request.reference}: the deadline {deadline.due} has passed; "
            "an extension must be notified before it"
        )
    request.extended_due_on = deadline.extended_due
    request.due_on = deadline.extended_due
    request.extended_at = at
    request.extension_reason = reason.strip()
    return append_event(
        session,
        request_id=request.id,
        actor=actor,
        kind=EventKind.EXTENDED,
        reason=reason.strip(),
        details={
            "previous_due": deadline.due.isoformat(),
            "extended_due": deadline.extended_due.isoformat(),
            "notice_on": today.isoformat(),
        },
        at=at,
    )


REJECTION_MISFITS = {
    RejectionCode.IDENTITY_NOT_VERIFIED: "the request is verified, so its identity is not in "
    "doubt; choose another reason",
    RejectionCode.NO_DATA_FOUND: "a shop/redact request erases the shop's data; "
    "'no data found' does not answer it",
}
"""Why a reason does not fit a request (the customer would read a false statement)."""


def rejection_codes(request: Request) -> tuple[RejectionCode, ...]:
    """The reasons that can truthfully refuse `request` (the dashboard offers only these)."""
    misfit = set()
    if request.verified_at is not None:
        misfit.add(RejectionCode.IDENTITY_NOT_VERIFIED)
    if request.type == RequestType.SHOP_ERASURE:
        misfit.add(RejectionCode.NO_DATA_FOUND)
    return tuple(code for code in RejectionCode if code not in misfit)


def reject(
    session: Session,
    request: Request,
    *,
    actor: str,
    code: RejectionCode | str,
    text: str | None = None,
    at: datetime | None = None,
) -> ChainLink:
    """Refuse the request with a structured reason (`other` needs an explanation)."""
    try:
        code = RejectionCode(code)
    except ValueError:
        codes = ", ".join(c.value for c in RejectionCode)
        raise LifecycleError(f"unknown rejection code {code!r}; use one of {codes}") from None
    if code is RejectionCode.OTHER and not (text and text.strip()):
        raise LifecycleError(f"{request.reference}: rejection code 'other' needs an explanation")
    _require_open(request, "reject")
    if code not in rejection_codes(request):
        raise LifecycleError(f"{request.reference}: {REJECTION_MISFITS[code]}")
    request.rejection_code = code
    request.rejection_text = text.strip() if text else None
    return transition(
        session,
        request,
        S.REJECTED,
        actor=actor,
        reason=code,
        details={"text": request.rejection_text},
        at=at,
    )


def add_note(
    session: Session, request: Request, *, actor: str, text: str, at: datetime | None = None
) -> ChainLink:
    """Attach a staff note to the request's timeline."""
    if not text or not text.strip():
        raise LifecycleError("a note cannot be empty")
    return append_event(
        session,
        request_id=request.id,
        actor=actor,
        kind=EventKind.NOTE,
        reason=text.strip(),
        at=at,
    )


def pause(
    session: Session, request: Request, *, actor: str, reason: str, at: datetime | None = None
) -> ChainLink:
    """Stop the clock while waiting for identity or clarification (UK GDPR Art. 12A)."""
    _require_open(request, "pause")
    if request.paused_since is not None:
        raise LifecycleError(f"{request.reference}: the clock is already stopped")
    if not reason or not reason.strip():
        raise LifecycleError(f"{request.reference}: say what the customer was asked for")
    at = at or utcnow()
    request.paused_since = at
    return append_event(
        session,
        request_id=request.id,
        actor=actor,
        kind=EventKind.PAUSED,
        reason=reason.strip(),
        at=at,
    )


def resume(
    session: Session,
    request: Request,
    *,
    actor: str,
    store_timezone: str,
    at: datetime | None = None,
) -> ChainLink:
    """Restart the clock; the paused days push the deadline (for regimes that allow it)."""
    if request.paused_since is None:
        raise LifecycleError(f"{request.reference}: the clock is not stopped")
    at = at or utcnow()
    days = (local_date(at, store_timezone) - local_date(request.paused_since, store_timezone)).days
    request.paused_days += days
    request.paused_since = None
    deadline = deadline_of(request, store_timezone)
    if request.extended_due_on is not None and deadline.extended_due is not None:
        request.extended_due_on = deadline.extended_due
    request.due_on = request.extended_due_on or deadline.due
    return append_event(
        session,
        request_id=request.id,
        actor=actor,
        kind=EventKind.RESUMED,
        details={"paused_days": days, "due": request.due_on.isoformat()},
        at=at,
    )


def assign_owner(
    session: Session,
    request: Request,
    *,
    actor: str,
    owner: str | None,
    at: datetime | None = None,
) -> ChainLink:
    """Give an open request to a staff member (`owner`, an email) or take it back (None)."""
    _require_open(request, "assign")
    owner = owner.strip().lower() if owner and owner.strip() else None
    if owner is not None and "@" not in owner:
        raise LifecycleError(f"{owner!r} is not a staff member's email address")
    if owner == request.owner_email:
        raise LifecycleError(
            f"{request.reference}: already "
            + (f"looked after by {owner}" if owner else "without an owner")
        )
    before, request.owner_email = request.owner_email, owner
    return append_event(
        session,
        request_id=request.id,
        actor=actor,
        kind=EventKind.OWNER,
        details={"before": before, "after": owner},
        at=at,
    )


def merge(
    session: Session,
    duplicate: Request,
    into: Request,
    *,
    actor: str,
    at: datetime | None = None,
) -> ChainLink:
    """Close `duplicate` as merged into `into`, the open request of the same person and type.

    The survivor keeps its own verification state: a merge never verifies anything, and a
    verified duplicate is not folded into an unverified request (merge the other way round).
    """
    if duplicate.id == into.id:
        raise LifecycleError(f"{duplicate.reference}: a request cannot be merged into itself")
    _require_open(duplicate, "merge")
    if not into.is_open:
        raise LifecycleError(f"{into.reference} is {into.status}: merge only into an open request")
    same = (
        duplicate.store_id == into.store_id
        and duplicate.email.lower() == into.email.lower()
        and duplicate.type == into.type
    )
    if not same:
        raise LifecycleError(
            f"{duplicate.reference} and {into.reference} are not the same person's "
            "request of the same type in the same store"
        )
    if duplicate.verified_at is not None and into.verified_at is None:
        raise LifecycleError(
            f"{duplicate.reference} is verified and {into.reference} is not: "
            f"merge {into.reference} into {duplicate.reference} instead"
        )
    duplicate.merged_into_id = into.id
    return transition(
        session,
        duplicate,
        S.CANCELED,
        actor=actor,
        reason=f"merged into {into.reference}",
        details={"merged_into": into.id},
        at=at,
    )
