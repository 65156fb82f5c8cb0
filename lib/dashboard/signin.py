"""Who a signed-in browser is, decided server side on every dashboard run.

Streamlit's identity cookie holds the provider's ID-token claims for 30 days and cannot be taken
back, so it only says who signed in, never that they still may. Each sign-in (one cookie) gets a
`staff_sessions` row keyed by a hash of its issuer, subject, nonce and issue time; every run reads
that row and the role bound to the account, uncached, so signing out, a removed role or a
changed role counts at once on every replica, and a copied cookie dies with its row.

A role is never given on an email alone: the provider must say `email_verified: true`, and the
first such sign-in binds the role an admin gave that email to the account's issuer and subject.
From then on the account, not the email, holds the role: another account that later shows the
same email gets nothing. Pure Python, no Streamlit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lib.core.audit import append_event
from lib.core.db import Database
from lib.core.enums import EventKind
from lib.core.models import StaffRole, StaffSession, utcnow
from lib.dashboard.roles import Actor, Role

SESSION_IDLE = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
BOOTSTRAP_ACTOR = "bootstrap admins (secrets)"
ENDED = "This sign-in has ended (signed out, or the role was removed). Sign in again."


class SignInRefused(Exception):
    """A signed-in account that may not use the dashboard; the message says why, for people."""


@dataclass(frozen=True, slots=True)
class Identity:
    """What the provider's ID token says about the account, and this sign-in's session id."""

    issuer: str
    subject: str
    email: str
    verified: bool
    session_id: str


def identity(claims: Mapping[str, Any]) -> Identity:
    """The identity in `st.user`'s claims; SignInRefused when the provider left out iss or sub."""
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str) or not issuer or not subject:
        raise SignInRefused(
            "The identity provider's answer names no issuer and subject, so this account "
            "cannot be recognised. Check that the provider is an OpenID Connect provider."
        )
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified") in (True, "true")
    minted = [issuer, subject, claims.get("nonce"), claims.get("iat"), claims.get("auth_time")]
    session_id = hashlib.sha256(json.dumps(minted, default=str).encode()).hexdigest()
    return Identity(issuer, subject, email, verified, session_id)


def bound_role(session: Session, who: Identity) -> Role | None:
    """The role bound to this account (issuer + subject), whatever email it shows today."""
    row = session.scalar(
        select(StaffRole).where(StaffRole.issuer == who.issuer, StaffRole.subject == who.subject)
    )
    return Role(row.role) if row else None


def _bind(session: Session, who: Identity, admins: Collection[str], now: datetime) -> Role:
    """Bind the role an admin gave this verified email (or the bootstrap admin role)."""
    if not who.email:
        raise SignInRefused("Your account shows no email address, so it has no role here.")
    if not who.verified:
        raise SignInRefused(
            f"{who.email} is not verified by your identity provider, so it gets no role here. "
            "Verify the address with the provider, then sign in again."
        )
    row = session.get(StaffRole, who.email, with_for_update=True)  # one binding at a time
    if row is not None and (row.issuer, row.subject) == (who.issuer, who.subject):
        return Role(row.role)  # bound by a run of this very sign-in a moment ago
    if row is None and who.email in admins:
        row = StaffRole(email=who.email, role=Role.ADMIN.value, updated_by=BOOTSTRAP_ACTOR)
        session.add(row)
    if row is None:
        raise SignInRefused(
            f"{who.email} has no role here yet. Ask an admin to add you on the Staff page "
            "(roles: admin, compliance, merchant, analyst)."
        )
    if row.issuer is not None:
        raise SignInRefused(
            f"The role of {who.email} belongs to another account at your identity provider. "
            "If that account was replaced, ask an admin to remove the role and add it again."
        )
    row.issuer, row.subject, row.bound_at = who.issuer, who.subject, now
    append_event(
        session,
        actor=who.email,
        kind=EventKind.ROLE,
        details={"email": who.email, "before": row.role, "after": row.role, "bound": who.subject},
    )
    return Role(row.role)


def sign_in(
    db: Database,
    claims: Mapping[str, Any],
    admins: Collection[str] = (),
    now: datetime | None = None,
) -> Actor:
    """The actor of this run's identity cookie, or SignInRefused saying why not.

    A live session seen within TOUCH_EVERY costs one read; otherwise one write records it
    (first run of a sign-in, binding, last-seen). A revoked session never comes back; one idle
    for SESSION_IDLE is ended.
    """
    who = identity(claims)
    try:
        return _sign_in(db, who, admins, now or utcnow())
    except IntegrityError:  # two runs of a new sign-in at once (PostgreSQL): the other recorded it
        return _sign_in(db, who, admins, now or utcnow())


def _sign_in(db: Database, who: Identity, admins: Collection[str], now: datetime) -> Actor:
    with db.read() as session:
        row = session.get(StaffSession, who.session_id)
        role = bound_role(session, who)
        if row is not None and row.revoked_at is not None:
            raise SignInRefused(ENDED)
        if row is not None and role is not None and now - row.last_seen_at < TOUCH_EVERY:
            return Actor(row.email, role, who.session_id)
    with db.write() as session:
        row = session.get(StaffSession, who.session_id)
        idle = row is not None and now - row.last_seen_at >= SESSION_IDLE
        if row is not None and row.revoked_at is None and not idle:
            role = bound_role(session, who) or _bind(session, who, admins, now)
            row.last_seen_at = now
            return Actor(row.email, role, who.session_id)
        if row is None:
            role = bound_role(session, who) or _bind(session, who, admins, now)
            email = who.email or who.subject
            session.add(
                StaffSession(
                    id=who.session_id,
                    issuer=who.issuer,
                    subject=who.subject,
                    email=email,
                    created_at=now,
                    last_seen_at=now,
                )
            )
            return Actor(email, role, who.session_id)
        if row.revoked_at is None:
            row.revoked_at = now  # idle: committed, then refused
    hours = SESSION_IDLE.total_seconds() / 3600
    raise SignInRefused(
        f"You were signed out after {hours:g} hours without activity. Sign in again."
        if idle
        else ENDED
    )


def end_session(db: Database, session_id: str) -> None:
    """Sign out: the session's row is revoked, so its cookie no longer signs in anywhere."""
    with db.write() as session:
        session.execute(
            update(StaffSession)
            .where(StaffSession.id == session_id, StaffSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def end_sessions_of(session: Session, role: StaffRole) -> None:
    """Revoke, in the caller's transaction, every live session of the account holding `role`
    (by its email, and by its bound issuer and subject): a removed role ends them everywhere."""
    holder = StaffSession.email == role.email
    if role.issuer is not None:
        holder = holder | (
            (StaffSession.issuer == role.issuer) & (StaffSession.subject == role.subject)
        )
    session.execute(
        update(StaffSession)
        .where(holder, StaffSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def live_session(db: Database, session_id: str, now: datetime | None = None) -> StaffSession | None:
    """The session row if it is still live (not revoked, not idle), else None."""
    now = now or utcnow()
    with db.read() as session:
        row = session.get(StaffSession, session_id)
        if row is None or row.revoked_at is not None or now - row.last_seen_at >= SESSION_IDLE:
            return None
        session.expunge(row)
        return row
