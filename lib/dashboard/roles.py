"""Staff roles and what each may do: the one table every action and page consults.

Pure Python (no Streamlit): actions in `lib.dashboard.actions` call `require` before touching
anything, so a role that reaches an action by any route gets the same clear refusal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core.db import Database
from lib.core.models import StaffRole


class Role(StrEnum):
    """Staff roles (the data subject is never a dashboard user)."""

    ADMIN = "admin"
    COMPLIANCE = "compliance"
    MERCHANT = "merchant"
    ANALYST = "analyst"


class Right(StrEnum):
    """One thing a role may do or see."""

    VIEW_REQUESTS = "view_requests"
    SEE_IDENTITIES = "see_identities"  # names and emails unmasked on screen
    UNMASK_REPORTS = "unmask_reports"
    RESEND_VERIFICATION = "resend_verification"
    VERIFY = "verify"
    EXPORT = "export"
    EXTEND = "extend"
    REJECT = "reject"
    NOTE = "note"
    CLOSE = "close"
    DELIVER = "deliver"
    CUSTOMERS = "customers"
    VIEW_EXPORTS = "view_exports"
    SETTINGS = "settings"
    REGISTER = "register"  # the processing register (Art. 15 information) on Settings
    MAIL = "mail"
    AUDIT = "audit"
    ROLES = "roles"
    REPORTS = "reports"


_EVERYTHING = frozenset(Right)
RIGHTS: dict[Role, frozenset[Right]] = {
    Role.ADMIN: _EVERYTHING,
    Role.COMPLIANCE: _EVERYTHING
    - {Right.SETTINGS, Right.ROLES, Right.DELIVER, Right.CUSTOMERS, Right.EXPORT},
    Role.MERCHANT: _EVERYTHING
    - {Right.EXTEND, Right.REJECT, Right.UNMASK_REPORTS, Right.AUDIT, Right.ROLES},
    Role.ANALYST: frozenset({Right.VIEW_REQUESTS, Right.REPORTS}),
}
"""Compliance watches deadlines and decides (extend, reject, unmask, audit); the merchant does
the work (customers, exports, delivery, settings); the analyst reads masked figures."""


class PermissionDenied(PermissionError):
    """The actor's role does not include the right; the message names both."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting: the signed-in email, its role and (signed in) the server-side session."""

    email: str
    role: Role
    session: str = ""  # lib.dashboard.signin session id; "" in local mode and the CLI

    def can(self, right: Right) -> bool:
        """True when this actor's role includes `right`."""
        return right in RIGHTS[self.role]


def require(actor: Actor, right: Right) -> None:
    """Raise PermissionDenied unless `actor` has `right`."""
    if not actor.can(right):
        allowed = ", ".join(r.value for r in Role if right in RIGHTS[r])
        raise PermissionDenied(
            f"{actor.email} ({actor.role}) may not {right.value.replace('_', ' ')}; "
            f"roles allowed: {allowed}"
        )


def parse_role(value: str) -> Role:
    """A Role from its name, or ValueError listing the roles."""
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise ValueError(
            f"unknown role {value!r}; use one of {', '.join(r.value for r in Role)}"
        ) from None


def role_of(session: Session, email: str) -> Role | None:
    """The role stored for `email` (case-insensitive), or None for unknown staff."""
    row = session.get(StaffRole, email.strip().lower())
    return Role(row.role) if row else None


@dataclass(frozen=True, slots=True)
class StaffMember:
    """One row of the role table."""

    email: str
    role: str
    updated_by: str
    updated_at: datetime
    bound_at: datetime | None  # first verified sign-in: the role now belongs to that account


def staff(db: Database) -> list[StaffMember]:
    """Every staff member with a role, by email."""
    query = select(
        StaffRole.email,
        StaffRole.role,
        StaffRole.updated_by,
        StaffRole.updated_at,
        StaffRole.bound_at,
    )
    with db.read() as session:
        return [StaffMember(*row) for row in session.execute(query.order_by(StaffRole.email))]
