"""The *Verify Request* link: a signed, single-use, expiring token bound to one request.

A token is spent by storing its fingerprint in `used_tokens` in the same transaction as the
request's move to `verified`; the primary key makes a second use fail even when two clicks race.
Refused tokens change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from lib.core.audit import CUSTOMER_ACTOR
from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import Status
from lib.core.lifecycle import transition
from lib.core.models import Request, Store, UsedToken, utcnow
from lib.mail.notifications import VERIFY_PURPOSE, on_verified
from lib.security import TokenError, read_token, token_fingerprint


class VerifyOutcome(StrEnum):
    """What following a verify link did."""

    VERIFIED = "verified"
    INVALID = "invalid"  # forged, malformed, another purpose, unknown request
    EXPIRED = "expired"
    USED = "used"  # this link was followed before
    NOT_PENDING = "not_pending"  # the request is no longer waiting for verification


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """The outcome, and for known requests their shop, status and language (to word the page)."""

    outcome: VerifyOutcome
    shop: str | None = None
    status: str | None = None
    locale: str | None = None
    kind: str | None = None  # the request's type (the page says what happens next)


def verify_request(
    db: Database, config: Config, token: str, now: datetime | None = None
) -> VerifyResult:
    """Spend a verification token: the request becomes `verified` and its mails are queued."""
    now = now or utcnow()
    try:
        claims = read_token(token, config.token_secret, VERIFY_PURPOSE, now=now.timestamp())
    except TokenError as exc:
        expired = exc.reason == "expired"
        return VerifyResult(VerifyOutcome.EXPIRED if expired else VerifyOutcome.INVALID)
    if not claims.subject.isdigit():
        return VerifyResult(VerifyOutcome.INVALID)
    fingerprint = token_fingerprint(claims.token_id)
    try:
        with db.write() as session:
            request = session.get(Request, int(claims.subject))
            if request is None:
                return VerifyResult(VerifyOutcome.INVALID)
            store = session.get_one(Store, request.store_id)
            shop = store.shop_domain
            known = (shop, request.status, request.locale, request.type)
            if session.get(UsedToken, fingerprint) is not None:
                return VerifyResult(VerifyOutcome.USED, *known)
            if request.status != Status.PENDING_VERIFICATION:
                return VerifyResult(VerifyOutcome.NOT_PENDING, *known)
            session.add(UsedToken(fingerprint=fingerprint, purpose=VERIFY_PURPOSE, used_at=now))
            transition(
                session,
                request,
                Status.VERIFIED,
                actor=CUSTOMER_ACTOR,
                reason="verified by the emailed link",
                at=now,
            )
            on_verified(session, request, store, config=config)
            return VerifyResult(
                VerifyOutcome.VERIFIED, shop, request.status, request.locale, request.type
            )
    except IntegrityError:  # the same link followed twice at once: the other click won
        return VerifyResult(VerifyOutcome.USED)
