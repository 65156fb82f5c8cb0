"""Everything staff can change from the dashboard, each checked against the actor's role first.

Pure Python (no Streamlit): pages call these from button callbacks; a refused role gets
PermissionDenied before anything is read or written. Lifecycle and settings rules raise their own
ValueError subclasses (LifecycleError, SettingError) with a message for people.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from lib.core import lifecycle
from lib.core.audit import ChainReport, append_event, verify_chain
from lib.core.config import Config, get_config
from lib.core.db import Database
from lib.core.enums import EventKind, Status
from lib.core.models import Request, StaffRole, Store, utcnow
from lib.core.settings import set_setting
from lib.dashboard import report_links, reports, signin
from lib.dashboard.queries import Scope, count_received
from lib.dashboard.roles import Actor, Right, parse_role, require
from lib.mail import decisions, notifications

VERIFIABLE = frozenset({Status.RECEIVED, Status.PENDING_VERIFICATION})
CLOSABLE = frozenset(
    {Status.VERIFIED, Status.IN_PROGRESS, Status.READY_FOR_REVIEW, Status.DELIVERED}
)


class ActionError(ValueError):
    """An action that cannot be done as asked (unknown request, wrong state, store error)."""


def load_request(session: Session, request_id: int) -> Request:
    """The request, or ActionError."""
    request = session.get(Request, request_id)
    if request is None:
        raise ActionError(f"request {request_id} does not exist")
    return request


def rejection_choices(db: Database, request_id: int) -> list[str]:
    """The reasons that can truthfully refuse the request (no "identity not verified" on a
    verified one): the reject dialog offers only these."""
    with db.read() as session:
        return [code.value for code in lifecycle.rejection_codes(load_request(session, request_id))]


def verify_manually(db: Database, actor: Actor, request_id: int, reason: str) -> None:
    """Mark a request verified by staff (e.g. identity checked by phone); needs a reason."""
    require(actor, Right.VERIFY)
    if not reason.strip():
        raise ActionError("say how the identity was verified")
    with db.write() as session:
        request = load_request(session, request_id)
        if request.status not in VERIFIABLE:
            raise ActionError(f"{request.reference} is {request.status}: nothing to verify")
        lifecycle.transition(
            session,
            request,
            Status.VERIFIED,
            actor=actor.email,
            reason=reason.strip(),
            details={"manual": True},
        )


def resend_verification(db: Database, actor: Actor, request_id: int) -> None:
    """Send a new *Verify Request* link to a guest who has not confirmed yet."""
    require(actor, Right.RESEND_VERIFICATION)
    with db.write() as session:
        request = load_request(session, request_id)
        if request.status != Status.PENDING_VERIFICATION:
            raise ActionError(
                f"{request.reference} is {request.status}, not waiting for verification"
            )
        store = session.get_one(Store, request.store_id)
        notifications.send_verification(session, request, store)
        append_event(
            session,
            actor=actor.email,
            kind=EventKind.MAIL,
            request_id=request.id,
            reason="verification link sent again",
            details={"template": "verify"},
        )


def extend(db: Database, actor: Actor, request_id: int, reason: str) -> None:
    """Extend the deadline once, with a reason, before it passes (lifecycle rules)."""
    require(actor, Right.EXTEND)
    with db.write() as session:
        request = load_request(session, request_id)
        store = session.get(Store, request.store_id)
        timezone = store.timezone if store else "UTC"
        lifecycle.extend(
            session, request, actor=actor.email, reason=reason, store_timezone=timezone
        )
        if store is not None:
            decisions.on_extended(session, request, store)  # Art. 12(3): always told


def pause(db: Database, actor: Actor, request_id: int, reason: str) -> None:
    """Stop the clock (UK GDPR Art. 12A) while the customer is asked for something; says what."""
    require(actor, Right.EXTEND)
    with db.write() as session:
        request = load_request(session, request_id)
        lifecycle.pause(session, request, actor=actor.email, reason=reason.strip())


def resume(db: Database, actor: Actor, request_id: int) -> None:
    """Restart a stopped clock: the paused days push the deadline."""
    require(actor, Right.EXTEND)
    with db.write() as session:
        request = load_request(session, request_id)
        store = session.get(Store, request.store_id)
        timezone = store.timezone if store else "UTC"
        lifecycle.resume(session, request, actor=actor.email, store_timezone=timezone)


def reject(db: Database, actor: Actor, request_id: int, code: str, text: str = "") -> None:
    """Refuse a request with a structured reason code."""
    require(actor, Right.REJECT)
    with db.write() as session:
        request = load_request(session, request_id)
        lifecycle.reject(session, request, actor=actor.email, code=code, text=text or None)
        store = session.get(Store, request.store_id)
        if store is not None:
            decisions.on_rejected(session, request, store)  # Art. 12(4): always told


def add_note(db: Database, actor: Actor, request_id: int, text: str) -> None:
    """Attach a note to the request's timeline."""
    require(actor, Right.NOTE)
    with db.write() as session:
        lifecycle.add_note(session, load_request(session, request_id), actor=actor.email, text=text)


def close(db: Database, actor: Actor, request_id: int, reason: str = "") -> None:
    """Close a request as completed (answered outside the export flow, or delivered)."""
    require(actor, Right.CLOSE)
    with db.write() as session:
        request = load_request(session, request_id)
        if request.status not in CLOSABLE:
            raise ActionError(f"{request.reference} is {request.status}; it cannot be closed")
        lifecycle.transition(
            session, request, Status.COMPLETED, actor=actor.email, reason=reason.strip() or None
        )
        store = session.get(Store, request.store_id)
        if store is not None:
            decisions.on_completed(session, request, store)


def change_settings(db: Database, actor: Actor, values: Mapping[str, Any]) -> list[str]:
    """Save several merchant settings in one transaction (each change audited).

    Returns:
        The keys that actually changed.
    """
    require(actor, Right.SETTINGS)
    changed: list[str] = []
    with db.write() as session:
        for key, value in values.items():
            if set_setting(session, key, value, actor.email) is not None:
                changed.append(key)
    return changed


def verify_audit_chain(db: Database, actor: Actor) -> ChainReport:
    """Walk the whole hash chain and report the first event that does not hold."""
    require(actor, Right.AUDIT)
    with db.read() as session:
        return verify_chain(session)


def set_role(db: Database, actor: Actor, email: str, role: str) -> None:
    """Give `email` a staff role (or change it); audited as a role event."""
    require(actor, Right.ROLES)
    email = email.strip().lower()
    if "@" not in email:
        raise ActionError(f"{email!r} is not an email address")
    new = parse_role(role)
    with db.write() as session:
        row = session.get(StaffRole, email)
        before = row.role if row else None
        if before == new:
            return
        if row is None:
            session.add(StaffRole(email=email, role=new, updated_by=actor.email))
        else:
            row.role, row.updated_by, row.updated_at = new, actor.email, utcnow()
        append_event(
            session,
            actor=actor.email,
            kind=EventKind.ROLE,
            details={"email": email, "before": before, "after": new.value},
        )


def remove_role(db: Database, actor: Actor, email: str) -> None:
    """Take a staff member's role away; their sessions end everywhere at once. Audited."""
    require(actor, Right.ROLES)
    email = email.strip().lower()
    if email == actor.email.lower():
        raise ActionError("you cannot remove your own role")
    with db.write() as session:
        row = session.get(StaffRole, email)
        if row is None:
            raise ActionError(f"{email} has no role")
        before = row.role
        signin.end_sessions_of(session, row)
        session.delete(row)
        append_event(
            session,
            actor=actor.email,
            kind=EventKind.ROLE,
            details={"email": email, "before": before, "after": None},
        )


def report_link(
    actor: Actor,
    scope: Scope,
    columns: Sequence[str],
    *,
    unmask: bool = False,
    base_path: str = "",
    config: Config | None = None,
) -> str:
    """A link that streams the request register once, for the next few minutes.

    Unmasked identities need the unmask right. The rights are checked now and again when the
    link is followed (`lib.dashboard.server`), which is when the download is audited.
    """
    require(actor, Right.REPORTS)
    if unmask:
        require(actor, Right.UNMASK_REPORTS)
    grant = report_links.ReportGrant(
        actor.email, actor.role, scope, reports.check_columns(columns), unmask, actor.session
    )
    return report_links.link_url(report_links.issue(config or get_config(), grant), base_path)


def request_report(
    db: Database,
    actor: Actor,
    scope: Scope,
    columns: Sequence[str],
    *,
    unmask: bool = False,
    link: str | None = None,
) -> Iterator[bytes]:
    """The request register as CSV chunks to stream; unmasked identities need the unmask right.

    The download is audited (who, range, columns, masked or not, rows) before the first chunk.
    `link` is the fingerprint of the single-use report link being followed: it is spent in the
    same transaction as the audit event, so a link serves one download and every download is
    audited (LinkRefused, nothing written, when it was spent already).
    """
    require(actor, Right.REPORTS)
    if unmask:
        require(actor, Right.UNMASK_REPORTS)
    chosen = reports.check_columns(columns)
    rows = count_received(db, scope)
    with db.write() as session:
        if link is not None:
            report_links.spend(session, link)
        append_event(
            session,
            actor=actor.email,
            kind=EventKind.DOWNLOAD,
            details={
                "report": "requests",
                "from": scope.start.isoformat() if scope.start else None,
                "to": scope.end.isoformat() if scope.end else None,
                "store_id": scope.store_id,
                "columns": list(chosen),
                "unmasked": unmask,
                "rows": rows,
            },
        )
    return reports.request_csv(db, scope, chosen, unmask=unmask)
