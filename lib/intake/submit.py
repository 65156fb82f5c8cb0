"""Storefront submissions: a guest's email (verified later by link) or a logged-in customer.

What needs no lock is read first, in a read transaction: the merchant's settings, the store (made
on its first request) and what the synced customers table knows of the person. Then one write
transaction holds what must be atomic: rate limits, the check for an open request of the same
person and type, the request (or a `duplicate_submit` event on the open one), its mails, and its
audit events last (on PostgreSQL the chain's head stays locked from the first append to the
commit). The caller answers only after it has committed, so an acknowledged request is a stored
request. Statements are built once at import: building a `select()` per call (and its cache
key) cost ~0.1 ms each, four times per submission, most of it while the lock was held.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import BigInteger, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from lib.core.audit import CUSTOMER_ACTOR, append_event
from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import Channel, EventKind, RequestType, Status
from lib.core.lifecycle import NewRequest, open_request, transition
from lib.core.models import Request, Store, utcnow
from lib.intake.customers import (
    CustomerInfo,
    StoreLookupFailed,
    customer_by_email,
    customer_by_id,
    fetch_unsynced,
    remember,
)
from lib.intake.ratelimit import Limit, hit
from lib.mail.notifications import (
    notify_customer,
    on_request_received,
    on_verified,
    read_settings,
    send_verification,
    setting,
    share_settings,
)

log = logging.getLogger("privacy_desk.intake")
MAX_EMAIL_LENGTH = 320

_STORE = select(Store).where(Store.shop_domain == bindparam("shop"))
_OPEN_TWIN = (
    select(Request)
    .where(
        Request.store_id == bindparam("store_id"),
        Request.email == bindparam("email"),
        Request.type == bindparam("kind"),
        Request.closed_at.is_(None),
    )
    .order_by(Request.id)
    .limit(1)
)
_OPEN_TWIN_ID = _OPEN_TWIN.with_only_columns(Request.id)
_FILL_IN = (
    update(Request)
    .where(Request.id == bindparam("twin_id"))
    .values(
        name=func.coalesce(Request.name, bindparam("name")),
        country=func.coalesce(Request.country, bindparam("country")),
    )
)
"""What a repeat adds to its open request: the name and country the customer record knows."""
_ADVISORY_LOCK = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger())))


class IntakeRefused(Exception):
    """A submission the intake will not take; `message` is written for the customer."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


class InvalidEmail(ValueError):
    """The typed address is not an email address; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class Submission:
    """What happened: the request it concerns and whether it was created by this submission."""

    request_id: int
    created: bool
    status: str
    reference: str


def _submission(request: Request, *, created: bool) -> Submission:
    """The answer about `request` (its reference is set once it was opened)."""
    assert request.reference is not None
    return Submission(request.id, created, request.status, request.reference)


def normalise_email(raw: str) -> str:
    """The address in canonical lower-case form, or InvalidEmail with a readable reason."""
    text = (raw or "").strip()
    if not text:
        raise InvalidEmail("Please enter your email address.")
    if len(text) > MAX_EMAIL_LENGTH:
        raise InvalidEmail("This email address is too long.")
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmail(f"This is not a valid email address: {exc}") from None
    return checked.normalized.lower()


def store_for(session: Session, shop: str, config: Config) -> Store:
    """The store of `shop`, created on its first signed request (its app is installed).

    Created with ON CONFLICT DO NOTHING, so two first requests at once make one store.
    """
    store = session.scalars(_STORE, {"shop": shop}).first()
    if store is not None:
        return store
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(Store)
        .values(
            shop_domain=shop,
            name=shop.removesuffix(".myshopify.com"),
            default_regime=str(setting(session, "default_regime")),
            timezone=config.store_timezone,
        )
        .on_conflict_do_nothing(index_elements=[Store.shop_domain])
    )
    return session.scalars(_STORE, {"shop": shop}).one()


@dataclass(frozen=True, slots=True)
class _Known:
    """What a submission reads before its write transaction."""

    settings: dict[str, Any]
    store: Store | None
    customer: CustomerInfo | None


def _look_up(db: Database, shop: str, email: str | None = None) -> _Known:
    """Settings, store and the synced customer with `email`, read without the write lock.

    A change committed meanwhile (a setting switched, a customer synced) counts as coming right
    after this submission.
    """
    with db.read() as session:
        settings = read_settings(session)
        store = session.scalars(_STORE, {"shop": shop}).first()
        customer = None
        if store is not None and email is not None:
            customer = customer_by_email(session, store, email)
    return _Known(settings, store, customer)


def _store(db: Database, config: Config, shop: str, known: _Known) -> Store:
    """The store read by `_look_up`, or made now (its own transaction) on its first request."""
    if known.store is not None:
        return known.store
    with db.write() as session:
        share_settings(session, known.settings)
        return store_for(session, shop, config)


def _check_limits(session: Session, limits: list[Limit], now: datetime) -> None:
    waits = [wait for limit in limits if (wait := hit(session, limit, now)) is not None]
    if waits:
        minutes = max(1, round(max(waits) / 60))
        raise IntakeRefused(
            429,
            f"Too many requests. Please try again in about {minutes} minute"
            f"{'' if minutes == 1 else 's'}.",
            retry_after=max(waits),
        )


def _serialise(session: Session, store: Store, email: str, kind: RequestType) -> None:
    """Let one submission at a time decide whether this person already has an open request.

    SQLite's write lock already does this; PostgreSQL takes a transaction-scoped advisory lock.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"intake:{store.id}:{kind}:{email}".encode()).digest()
    session.execute(_ADVISORY_LOCK, {"key": int.from_bytes(digest[:8], "big", signed=True)})


def _open_twin(session: Session, store: Store, email: str, kind: RequestType) -> Request | None:
    return session.scalars(
        _OPEN_TWIN, {"store_id": store.id, "email": email, "kind": str(kind)}
    ).first()


def _open(
    session: Session,
    store: Store,
    channel: Channel,
    email: str,
    customer: CustomerInfo | None,
    kind: RequestType,
    now: datetime,
    *,
    link_customer: bool,
    mails: Callable[[Request], object],
    locale: str | None,
) -> Request:
    return open_request(
        session,
        NewRequest(
            store=store,
            type=kind,
            channel=channel,
            email=email,
            name=customer.name if customer else None,
            country=customer.country if customer else None,
            subdivision=customer.subdivision if customer else None,
            customer_id=customer.customer_id if customer and link_customer else None,
            locale=locale,
        ),
        actor=CUSTOMER_ACTOR,
        default_regime=str(setting(session, "default_regime")),
        target_days=int(setting(session, "internal_target_days")),
        at=now,
        before_events=mails,  # the chain's head is locked last, for the shortest time
    )


def _duplicate(session: Session, request: Request, channel: Channel, now: datetime) -> None:
    append_event(
        session,
        actor=CUSTOMER_ACTOR,
        kind=EventKind.DUPLICATE_SUBMIT,
        request_id=request.id,
        details={"channel": str(channel)},
        at=now,
    )


def _repeat(
    session: Session,
    config: Config,
    store: Store,
    twin_id: int,
    customer: CustomerInfo | None,
    now: datetime,
) -> Submission:
    """A guest asks again while a request of theirs is open, with the work of opening one.

    Opening writes the request's row, then changes it, queues one mail and appends its events; a
    repeat fills in its open request's row, reads it, queues one mail to the address (the
    *Verify Request* link again, or the confirmation that it is being handled) and appends the
    `duplicate_submit` event. The same statements on the same tables and the same queued mail,
    so the time of the answer does not tell whether the email has an open request.
    """
    found = {"name": customer.name, "country": customer.country} if customer else {}
    session.execute(_FILL_IN, {"twin_id": twin_id, "name": None, "country": None, **found})
    twin = session.get_one(Request, twin_id)
    if twin.status == Status.PENDING_VERIFICATION:
        send_verification(session, twin, store, config=config)
    else:
        repeat = f"customer:repeat:{twin.id}:{now.timestamp()}"
        notify_customer(session, twin, store, event="verified", dedupe_key=repeat)
    _duplicate(session, twin, Channel.GUEST, now)
    return _submission(twin, created=False)


@contextmanager
def _admitted(
    db: Database, config: Config, known: _Known, shop: str, address: str, key: str, now: datetime
) -> Iterator[tuple[Session, Store]]:
    """The write transaction both submit paths start with: the shop's settings shared with it and
    the hourly limits of the visitor's address and of `key` (their email or account) checked."""
    store = _store(db, config, shop, known)
    with db.write() as session:
        share_settings(session, known.settings)
        limits = [
            Limit(f"ip:{address}", config.rate_limit_ip_per_hour),
            Limit(key, config.rate_limit_email_per_hour),
        ]
        _check_limits(session, limits, now)
        yield session, store


def submit_guest(
    db: Database,
    config: Config,
    *,
    shop: str,
    email: str,
    address: str,
    kind: RequestType = RequestType.ACCESS,
    now: datetime | None = None,
    locale: str | None = None,
) -> Submission:
    """Take a logged-out visitor's request: stored unverified, *Verify Request* mail queued.

    `email` must come from `normalise_email`. Known and unknown addresses, with or without an
    open request, go through the same statements and queue one mail (`_repeat`); the customer
    record only fills in the name and country. `locale` is the page's language
    (`lib.core.i18n`), kept on the request for its mails and package.

    Raises:
        IntakeRefused: guest requests are switched off (403) or a rate limit is hit (429).
    """
    now = now or utcnow()
    known = _look_up(db, shop, email)
    if not known.settings["guest_support"]:
        raise IntakeRefused(
            403, "Please log in to your account to request your data from this store."
        )
    customer = known.customer
    with _admitted(db, config, known, shop, address, f"email:{shop}:{email}", now) as (
        session,
        store,
    ):
        _serialise(session, store, email, kind)
        twin_id = session.scalar(
            _OPEN_TWIN_ID, {"store_id": store.id, "email": email, "kind": str(kind)}
        )
        if twin_id is not None:
            return _repeat(session, config, store, twin_id, customer, now)
        request = _open(
            session,
            store,
            Channel.GUEST,
            email,
            customer,
            kind,
            now,
            link_customer=False,
            mails=lambda opened: send_verification(session, opened, store, config=config),
            locale=locale,
        )
        return _submission(request, created=True)


def submit_logged_in(
    db: Database,
    config: Config,
    *,
    shop: str,
    customer_id: str,
    address: str,
    kind: RequestType = RequestType.ACCESS,
    now: datetime | None = None,
    locale: str | None = None,
) -> Submission:
    """Take a logged-in customer's request: verified at once (the shop's login verifies it).

    An open request of theirs still waiting for email verification is verified now instead.

    Raises:
        IntakeRefused: a rate limit is hit (429) or the account's email is unknown (422).
    """
    now = now or utcnow()
    try:
        fetched = fetch_unsynced(db, shop, customer_id, config)
    except StoreLookupFailed as exc:
        log.warning("store lookup of a logged-in customer failed: %s", exc)
        raise IntakeRefused(
            503,
            "We could not reach the shop to confirm your account. Please try again in a minute.",
            retry_after=60,
        ) from exc
    known = _look_up(db, shop)
    with _admitted(db, config, known, shop, address, f"customer:{shop}:{customer_id}", now) as (
        session,
        store,
    ):
        if fetched is not None:
            remember(session, store, fetched)
        customer = customer_by_id(session, store, customer_id)
        if customer is None or not customer.email:
            raise IntakeRefused(
                422,
                "We could not find the email address of your account. "
                "Please contact the store so that it can take your request.",
            )
        email = customer.email.strip().lower()
        _serialise(session, store, email, kind)
        twin = _open_twin(session, store, email, kind)
        if twin is None:
            request = _open(
                session,
                store,
                Channel.LOGGED_IN,
                email,
                customer,
                kind,
                now,
                link_customer=True,
                mails=lambda opened: on_request_received(session, opened, store, config=config),
                locale=locale,
            )
            return _submission(request, created=True)
        _duplicate(session, twin, Channel.LOGGED_IN, now)
        if twin.status == Status.PENDING_VERIFICATION:
            twin.customer_id = twin.customer_id or customer.customer_id
            transition(
                session,
                twin,
                Status.VERIFIED,
                actor=CUSTOMER_ACTOR,
                reason="the customer asked again while logged in to the shop",
                at=now,
            )
            on_verified(session, twin, store, config=config)
        return _submission(twin, created=False)
