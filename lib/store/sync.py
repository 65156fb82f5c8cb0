"""The `store_sync` job: refresh known customers from the store and link guest requests to them.

1. Every row of `customers` gets the store's current email, name, phone, country, state and
   order count.
2. Every open request without a store customer is looked up by its email; a match links it
   (`customer_id`) and fills the country and state the requester did not give. These are the
   seed's guests "who may already have an account or have placed an order".

The regime (and so the legal deadline) is recomputed only when the country was unknown, i.e. the
regime came from the store's default, and only while the request is not yet verified. After
verification staff plan against the deadline shown and the customer may have been told it, and a
later sync must not move it silently; the store's country is then recorded on the request and in
the audit trail for staff to judge (they can extend or note). Requests that were extended or are
paused keep their dates as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core.audit import append_event
from lib.core.config import Config
from lib.core.db import Database
from lib.core.deadlines import regime_for
from lib.core.enums import EventKind, Status
from lib.core.lifecycle import deadline_of
from lib.core.models import Customer, Request, Store, utcnow
from lib.core.settings import get_setting
from lib.store import store_client
from lib.store.api import StoreCustomer, customer_by_email, get_customer
from lib.store.client import CustomerNotFound, ShopifyClient
from lib.store.connection import StoreNeedsReconnect

SYNC_KIND = "store_sync"
SYNC_INTERVAL_SECONDS = 6 * 3600
SYNC_ACTOR = "store-sync"
PROGRESS_EVERY = 25
Progress = Callable[[int, str], None]
UNVERIFIED = frozenset({Status.RECEIVED, Status.PENDING_VERIFICATION})


@dataclass
class SyncCounts:
    """What one run changed."""

    customers_refreshed: int = 0
    customers_missing: int = 0
    requests_linked: int = 0
    regimes_changed: int = 0


def sync_stores(db: Database, config: Config, progress: Progress | None = None) -> SyncCounts:
    """Sync every store; `progress(done, note)` is called every few lookups (renews a lease)."""
    with db.read() as session:
        stores = [(s.id, s.shop_domain) for s in session.scalars(select(Store).order_by(Store.id))]
    counts, done = SyncCounts(), 0
    for store_id, domain in stores:
        try:
            client = store_client(config, domain)
        except StoreNeedsReconnect:  # shown on the dashboard; synced again once reconnected
            continue
        with db.read() as session:
            known = list(
                session.scalars(select(Customer.shopify_id).where(Customer.store_id == store_id))
            )
            emails = sorted(
                set(
                    session.scalars(
                        select(Request.email).where(
                            Request.store_id == store_id,
                            Request.closed_at.is_(None),
                            Request.customer_id.is_(None),
                        )
                    )
                )
            )
        total = len(known) + len(emails)
        for shopify_id in known:
            _refresh(db, client, store_id, shopify_id, counts)
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, f"{domain}: {done} of {total}")
        for email in emails:
            found = customer_by_email(client, email)
            if found is not None:
                with db.write() as session:
                    _upsert(session, store_id, found)
                    _link(session, store_id, email, found, counts)
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done, f"{domain}: {done} of {total}")
    return counts


def _refresh(
    db: Database, client: ShopifyClient, store_id: int, shopify_id: str, counts: SyncCounts
) -> None:
    try:
        found = get_customer(client, shopify_id)
    except CustomerNotFound:
        counts.customers_missing += 1
        return
    with db.write() as session:
        _upsert(session, store_id, found)
    counts.customers_refreshed += 1


def _upsert(session: Session, store_id: int, found: StoreCustomer) -> Customer:
    row = session.scalars(
        select(Customer).where(Customer.store_id == store_id, Customer.shopify_id == found.id)
    ).first()
    if row is None:
        row = Customer(store_id=store_id, shopify_id=found.id)
        session.add(row)
    row.email, row.first_name, row.last_name = found.email, found.first_name, found.last_name
    row.phone, row.country, row.subdivision = found.phone, found.country, found.province
    row.orders_count, row.synced_at = found.orders_count, utcnow()
    session.flush()
    return row


def _link(
    session: Session, store_id: int, email: str, found: StoreCustomer, counts: SyncCounts
) -> None:
    store = session.get_one(Store, store_id)
    requests = session.scalars(
        select(Request)
        .where(
            Request.store_id == store_id,
            Request.email == email,
            Request.closed_at.is_(None),
            Request.customer_id.is_(None),
        )
        .with_for_update()
    )
    for request in requests:
        details: dict[str, Any] = {"customer_id": found.id}
        request.customer_id = found.id
        country_was_unknown = request.country is None
        if country_was_unknown and found.country:
            request.country, request.subdivision = found.country, found.province
            details.update(country=found.country, subdivision=found.province)
            if _may_move_deadline(request):
                _recompute(session, request, store, details)
                counts.regimes_changed += details.get("regime_changed", 0)
        append_event(
            session,
            actor=SYNC_ACTOR,
            kind=EventKind.NOTE,
            request_id=request.id,
            reason="linked to the store customer with this email",
            details=details,
        )
        counts.requests_linked += 1


def _may_move_deadline(request: Request) -> bool:
    return (
        Status(request.status) in UNVERIFIED
        and request.extended_due_on is None
        and request.paused_since is None
    )


def _recompute(session: Session, request: Request, store: Store, details: dict[str, Any]) -> None:
    regime = regime_for(request.country, request.subdivision, store.default_regime)
    if str(regime) == request.regime:
        return
    target = int(get_setting(session, "internal_target_days"))
    before = (request.regime, request.due_on.isoformat())
    request.regime = str(regime)
    deadline = deadline_of(request, store.timezone, target)
    request.due_on = request.legal_due_on = deadline.due
    request.confirm_by_on, request.target_on = deadline.confirm_by, deadline.target
    details.update(
        regime_before=before[0],
        regime=request.regime,
        due_before=before[1],
        due=request.due_on.isoformat(),
        regime_changed=1,
    )
