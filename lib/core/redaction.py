"""Erase Privacy Desk's own copies of a person, or of a whole shop, from every table.

What accountability needs stays, without identity: a request keeps its reference, type,
channel, regime, dates, status and outcome codes, and the keyed hash of its email
(`lib.core.identity`), so a duplicate is still recognised and "did you erase me?" answered.
Everything else that names or describes the person goes: email, name, Shopify customer id,
free texts (extension reason, rejection text, staff notes and every audit event's text, which
the chain commits to only through a salted digest), mails (addresses, subjects, bodies), job
payloads and errors, the synced customer row, rate-limit counters keyed by the address, and the
export packages (rows kept as purged, files returned for the caller to delete after commit).

Tables added later with a `request_id` declare their personal columns in PERSONAL_COLUMNS.
Everything runs as set-based UPDATE/DELETE statements in the caller's transaction: one person
touches only their own rows through indexes; a shop is a handful of statements over its rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Table, and_, case, delete, not_, or_, select, update
from sqlalchemy.orm import Session

from lib.core.enums import EventKind, MailStatus
from lib.core.identity import email_hash
from lib.core.models import (
    Base,
    Customer,
    Delivery,
    Export,
    Job,
    OutboxMail,
    RateLimitHit,
    Request,
    RequestEvent,
    Store,
    WebhookReceipt,
    utcnow,
)

PERSONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "staff_intakes": ("identity_check",),
    "appeals": ("statement",),
    "correction_asks": ("statement", "fields"),
}
"""Tables keyed by `request_id` and the columns of theirs that may hold personal data."""
SHOP_TABLES = ("processing_registers", "store_connections")
"""Tables keyed by `store_id` whose rows are deleted outright when a shop is purged."""
ERASED_SHOP_NAME = "(erased shop)"
KEEP_PENDING = ("decision_completed",)
"""Mails still to go out to the person that survive until sent: telling them it is done."""
UNSENT = "erased before it was sent"


@dataclass(slots=True)
class Redacted:
    """What one erasure changed; `files` are the export packages to delete after commit."""

    requests: int = 0
    events: int = 0
    mails: int = 0
    customers: int = 0
    exports: int = 0
    files: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """The counts, for an audit event or a job result (no identity in them)."""
        return {
            "requests": self.requests,
            "events": self.events,
            "mails": self.mails,
            "customers": self.customers,
            "exports": self.exports,
        }


def person_requests(
    session: Session, store_id: int, *, email: str | None, customer_id: str | None
) -> list[int]:
    """The ids of a person's requests in one store (by address or Shopify customer id)."""
    matches = []
    if email:
        matches.append(Request.email == email.strip().lower())
    if customer_id:
        matches.append(Request.customer_id == str(customer_id))
    if not matches:
        return []
    query = select(Request.id).where(Request.store_id == store_id, or_(*matches))
    return list(session.scalars(query))


def redact_person(
    session: Session,
    store: Store,
    *,
    email: str | None,
    customer_id: str | None,
    at: datetime | None = None,
) -> Redacted:
    """Erase one person's identity from every table of Privacy Desk, in this transaction."""
    at = at or utcnow()
    ids = person_requests(session, store.id, email=email, customer_id=customer_id)
    done = redact_requests(session, ids, at, keep_pending=KEEP_PENDING) if ids else Redacted()
    if ids and email:
        keyed = email_hash(email)
        session.execute(
            update(Request).where(Request.id.in_(ids)).values(email_hash=keyed),
            execution_options={"synchronize_session": False},
        )
    customers = []
    if email:
        customers.append(Customer.email == email.strip().lower())
    if customer_id:
        customers.append(Customer.shopify_id == str(customer_id))
    if customers:
        gone = session.execute(
            delete(Customer).where(Customer.store_id == store.id, or_(*customers)),
            execution_options={"synchronize_session": False},
        )
        done.customers = int(gone.rowcount or 0)  # type: ignore[attr-defined]
    keys = []
    if email:
        keys.append(f"email:{store.shop_domain}:{email.strip().lower()}")
    if customer_id:
        keys.append(f"customer:{store.shop_domain}:{customer_id}")
    if keys:
        session.execute(delete(RateLimitHit).where(RateLimitHit.key.in_(keys)))
    return done


def redact_shop(session: Session, store: Store, *, at: datetime | None = None) -> Redacted:
    """Erase everything of one shop (shop/redact): its requests' identities, customers,
    connection, register and name; request rows stay as anonymous accountability records."""
    at = at or utcnow()
    in_shop = Request.id.in_(select(Request.id).where(Request.store_id == store.id))
    done = _redact_requests(session, in_shop, at)
    gone = session.execute(
        delete(Customer).where(Customer.store_id == store.id),
        execution_options={"synchronize_session": False},
    )
    done.customers = int(gone.rowcount or 0)  # type: ignore[attr-defined]
    for name in SHOP_TABLES:
        table = Base.metadata.tables.get(name)
        if table is not None:
            session.execute(delete(table).where(table.c.store_id == store.id))
    session.execute(
        update(WebhookReceipt)
        .where(WebhookReceipt.shop_domain == store.shop_domain)
        .values(shop_domain=None),
        execution_options={"synchronize_session": False},
    )
    session.execute(
        delete(RateLimitHit).where(
            or_(
                RateLimitHit.key.like(f"email:{store.shop_domain}:%"),
                RateLimitHit.key.like(f"customer:{store.shop_domain}:%"),
            )
        )
    )
    done.events += _redact_shop_events(session, store.shop_domain)
    store.shop_domain = f"erased-{store.id}.invalid"
    store.name = ERASED_SHOP_NAME
    store.contact_email = None
    store.redacted_at = at
    return done


def redact_requests(
    session: Session, ids: Sequence[int], at: datetime, *, keep_pending: Sequence[str] = ()
) -> Redacted:
    """Blank the identity of the requests `ids` and of every row hanging on them."""
    return _redact_requests(session, Request.id.in_(ids), at, keep_pending)


def _redact_requests(
    session: Session, which: Any, at: datetime, keep_pending: Sequence[str] = ()
) -> Redacted:
    """Blank the identity of the requests matched by `which` and of every row hanging on them.

    A pending mail whose template is in `keep_pending` keeps its address until it is sent
    (the retention job blanks it then); every other pending mail is cancelled.
    """
    quiet = {"synchronize_session": False}
    done = Redacted()
    rows = session.execute(
        update(Request)
        .where(which)
        .values(
            email="",
            name=None,
            customer_id=None,
            extension_reason=None,
            rejection_text=None,
            orders_requested=None,
            redacted_at=at,
        ),
        execution_options=quiet,
    )
    done.requests = int(rows.rowcount or 0)  # type: ignore[attr-defined]
    events = session.execute(
        update(RequestEvent)
        .where(RequestEvent.request_id.in_(_ids(which)), RequestEvent.payload_digest.is_not(None))
        .where(RequestEvent.payload_salt.is_not(None))
        .values(reason=None, details=None, payload_salt=None),
        execution_options=quiet,
    )
    done.events = int(events.rowcount or 0)  # type: ignore[attr-defined]
    pending = OutboxMail.status == MailStatus.PENDING
    kept = and_(pending, OutboxMail.template.in_(keep_pending))
    mails = session.execute(
        update(OutboxMail)
        .where(OutboxMail.request_id.in_(_ids(which)), not_(kept))
        .values(
            to_addr="",
            subject="",
            text_body="",
            html_body="",
            last_error=case((pending, UNSENT), else_=None),
            status=case((pending, MailStatus.FAILED), else_=OutboxMail.status),
        ),
        execution_options=quiet,
    )
    done.mails = int(mails.rowcount or 0)  # type: ignore[attr-defined]
    session.execute(
        update(Job)
        .where(Job.request_id.in_(_ids(which)))
        .values(payload={}, result=None, last_error=None, progress_note=None),
        execution_options=quiet,
    )
    exports = select(Export.id).where(Export.request_id.in_(_ids(which)), Export.path != "")
    done.files = list(
        session.scalars(select(Export.path).where(Export.id.in_(exports), Export.path != ""))
    )
    session.execute(delete(Delivery).where(Delivery.export_id.in_(_export_ids(which))))
    purged = session.execute(
        update(Export)
        .where(Export.request_id.in_(_ids(which)), Export.path != "")
        .values(path="", purged_at=at),
        execution_options=quiet,
    )
    done.exports = int(purged.rowcount or 0)  # type: ignore[attr-defined]
    for name, columns in PERSONAL_COLUMNS.items():
        table = Base.metadata.tables.get(name)
        if table is not None:
            _blank(session, table, columns, which)
    return done


def _ids(which: Any) -> Any:
    """The matched request ids as a subquery (a literal list stays a list)."""
    return select(Request.id).where(which).scalar_subquery()


def _export_ids(which: Any) -> Any:
    return select(Export.id).where(Export.request_id.in_(_ids(which))).scalar_subquery()


def _blank(session: Session, table: Table, columns: Sequence[str], which: Any) -> None:
    """NULL (or empty, where NOT NULL) the personal columns of `table` for the requests."""
    values = {c: _empty(table, c) for c in columns if c in table.c}
    if values:
        session.execute(update(table).where(table.c.request_id.in_(_ids(which))).values(values))


def _empty(table: Table, column: str) -> Any:
    """What erases a column: NULL, else an empty value of its type."""
    if table.c[column].nullable:
        return None
    return {} if isinstance(table.c[column].type, JSON) else ""


def _redact_shop_events(session: Session, shop: str) -> int:
    """The text of the shop's own events (install, uninstall, settings of its storefront)."""
    found = session.execute(
        select(RequestEvent.id, RequestEvent.details).where(
            RequestEvent.request_id.is_(None),
            RequestEvent.kind == EventKind.STORE,
            RequestEvent.payload_salt.is_not(None),
        )
    )
    ids = [i for i, details in found if shop in str(details or "")]
    if ids:
        session.execute(
            update(RequestEvent)
            .where(RequestEvent.id.in_(ids))
            .values(reason=None, details=None, payload_salt=None)
        )
    return len(ids)
