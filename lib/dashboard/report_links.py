"""Report links: a short-lived, single-use, signed link that streams the request register.

The Reports page mints one (`issue`) after `lib.dashboard.actions.report_link` has checked the
actor's rights; the dashboard server's route (`lib.dashboard.server`) reads it back (`read`),
checks that the browser following it is signed in with the very session that minted it
(`check_session`), that the holder still has the role it was minted for (`holder_role`), and
spends it (`spend`) in the same transaction as the download's audit event. The token is a
`lib.security` token whose subject is the grant (who, which session, which role, which
requests, which columns, masked or not), so nothing is stored until the link is followed.
Pure Python, no Streamlit.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import UsedToken, utcnow
from lib.dashboard import signin
from lib.dashboard.queries import Scope
from lib.dashboard.reports import check_columns
from lib.dashboard.roles import Role, role_of
from lib.security import TokenError, issue_token, read_token, token_fingerprint

REPORT_PURPOSE = "report"
LINK_SECONDS = 600
ROUTE = "/reports/requests.csv"


class Refusal(StrEnum):
    """Why a report link did not stream the register."""

    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"
    ROLE = "role"
    SESSION = "session"
    LOCAL_ONLY = "local_only"
    UNCONFIGURED = "unconfigured"


REFUSALS: dict[Refusal, tuple[int, str]] = {
    Refusal.INVALID: (403, "This download link is not valid."),
    Refusal.EXPIRED: (
        410,
        f"This download link has expired (links work for {LINK_SECONDS // 60} minutes). "
        "Go back to Reports and click Download CSV again.",
    ),
    Refusal.USED: (
        410,
        "This download link has already been used. Go back to Reports and click Download CSV "
        "again: every click makes a new link.",
    ),
    Refusal.ROLE: (
        403,
        "Your role does not allow this report (any more). Ask an admin if you need it.",
    ),
    Refusal.SESSION: (
        403,
        "This download link belongs to a signed-in session this browser does not have (or "
        "that has ended). Sign in, go back to Reports and click Download CSV again.",
    ),
    Refusal.LOCAL_ONLY: (
        403,
        "Local mode (no sign-in configured) serves this machine only. Configure sign-in.",
    ),
    Refusal.UNCONFIGURED: (
        503,
        "Report downloads are off until TOKEN_SECRET is set on the dashboard server.",
    ),
}
"""HTTP status and the short text a refused link answers with; nothing else is revealed."""


class LinkRefused(Exception):
    """A report link that cannot be followed; `status` and `str(self)` are the answer."""

    def __init__(self, reason: Refusal) -> None:
        self.reason = reason
        self.status, message = REFUSALS[reason]
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class ReportGrant:
    """What a link allows: one download of these columns of these requests, for this actor,
    from the signed-in session that minted it (`session`, "" in local mode)."""

    email: str
    role: Role
    scope: Scope
    columns: tuple[str, ...]
    unmask: bool
    session: str = ""

    @property
    def filename(self) -> str:
        """`requests_<from>_<to>.csv` (`all` for an open end)."""
        start, end = self.scope.start, self.scope.end
        return f"requests_{start or 'all'}_{end or 'all'}.csv"


def _subject(grant: ReportGrant) -> str:
    scope = grant.scope
    return json.dumps(
        {
            "e": grant.email,
            "r": grant.role.value,
            "s": scope.store_id,
            "f": scope.start.isoformat() if scope.start else None,
            "t": scope.end.isoformat() if scope.end else None,
            "g": scope.regime,
            "y": scope.type,
            "c": list(grant.columns),
            "u": grant.unmask,
            "k": grant.session,
        },
        separators=(",", ":"),
    )


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _grant(subject: str) -> ReportGrant:
    """The grant a verified token carries; ValueError (and only that) when it is not one."""
    data = json.loads(subject)
    if not isinstance(data, dict):
        raise ValueError("subject is not an object")
    email, store_id, unmask, columns = data.get("e"), data.get("s"), data.get("u"), data.get("c")
    session, role = data.get("k", ""), data.get("r")
    optional_text = (data.get("g"), data.get("y"), data.get("f"), data.get("t"))
    if (
        not isinstance(email, str)
        or not isinstance(role, str)
        or not isinstance(unmask, bool)
        or not isinstance(session, str)
        or not (store_id is None or (isinstance(store_id, int) and not isinstance(store_id, bool)))
        or not isinstance(columns, list)
        or not all(isinstance(c, str) for c in columns)
        or not all(v is None or isinstance(v, str) for v in optional_text)
    ):
        raise ValueError("subject has missing or mistyped fields")
    scope = Scope(store_id, _day(data.get("f")), _day(data.get("t")), data.get("g"), data.get("y"))
    return ReportGrant(email, Role(role), scope, check_columns(columns), unmask, session)


def issue(config: Config, grant: ReportGrant, now: float | None = None) -> str:
    """A signed token for `grant`, valid for LINK_SECONDS. The caller has checked the rights."""
    return issue_token(config.token_secret, REPORT_PURPOSE, _subject(grant), LINK_SECONDS, now)


def route_path(base_path: str = "") -> str:
    """Where the dashboard server answers report links (under `server.baseUrlPath`)."""
    base = base_path.strip("/")
    return f"/{base}{ROUTE}" if base else ROUTE


def link_url(token: str, base_path: str = "") -> str:
    """The link as the page shows it: a path on the dashboard's own origin."""
    return f"{route_path(base_path)}?token={token}"


@dataclass(frozen=True, slots=True)
class ReadLink:
    """A verified link: its grant and the fingerprint that spends it."""

    grant: ReportGrant
    fingerprint: str


def read(config: Config, token: str, now: float | None = None) -> ReadLink:
    """Verify signature, purpose and expiry; LinkRefused (INVALID or EXPIRED) otherwise."""
    try:
        claims = read_token(token, config.token_secret, REPORT_PURPOSE, now)
    except TokenError as exc:
        raise LinkRefused(Refusal.EXPIRED if exc.reason == "expired" else Refusal.INVALID) from None
    try:
        grant = _grant(claims.subject)
    except (ValueError, RecursionError):  # signed by us, so only another release's format
        raise LinkRefused(Refusal.INVALID) from None
    return ReadLink(grant, token_fingerprint(claims.token_id))


def holder_role(
    db: Database, grant: ReportGrant, *, sign_in: bool, admins: Collection[str] = ()
) -> Role:
    """The role the link's holder has now; LinkRefused(ROLE) unless it is the minted one.

    With sign-in configured, roles come from the staff-role table (read now, not cached), else
    from the bootstrap `admins` of secrets, as at sign-in: a role removed or changed since the
    link was made stops it. In local mode (no sign-in) the role is the one picked in the
    session's switcher, which the link carries.
    """
    if not sign_in:
        return grant.role
    with db.read() as session:
        role = role_of(session, grant.email)
    if role is None and grant.email.lower() in admins:
        role = Role.ADMIN
    if role is not grant.role:
        raise LinkRefused(Refusal.ROLE)
    return role


def check_session(db: Database, grant: ReportGrant, browser_session: str | None) -> None:
    """LinkRefused(SESSION) unless the browser following the link is signed in with the very
    session that minted it and that session is still live (not signed out, role not removed):
    with sign-in, a link pasted anywhere else is worth nothing."""
    if not grant.session or browser_session != grant.session:
        raise LinkRefused(Refusal.SESSION)
    row = signin.live_session(db, grant.session)
    if row is None or row.email != grant.email:
        raise LinkRefused(Refusal.SESSION)


def spend(session: Session, fingerprint: str) -> None:
    """Record the link as used in the caller's transaction; LinkRefused(USED) if it was."""
    if session.get(UsedToken, fingerprint) is not None:
        raise LinkRefused(Refusal.USED)
    session.add(UsedToken(fingerprint=fingerprint, purpose=REPORT_PURPOSE, used_at=utcnow()))
    try:
        session.flush()
    except IntegrityError:  # the same link followed twice at once: the other one won
        raise LinkRefused(Refusal.USED) from None
