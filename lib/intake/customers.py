"""Who a storefront customer is: name, email and country for a request.

Inside transactions only the synced `customers` table is read. A logged-in customer the store
sync has not seen yet is fetched from the store API *before* the intake's write transaction
(no HTTP call ever runs while the database's write lock is held), then remembered in that
transaction. Results only fill in a request; they never change what a guest is told, so a
lookup cannot reveal whether an address has an account.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import Customer, Store, utcnow
from lib.store import CustomerNotFound, StoreError, get_customer
from lib.store.api import StoreCustomer
from lib.store.client import INTERACTIVE_ATTEMPTS

_BY_ID = select(Customer).where(
    Customer.store_id == bindparam("store_id"), Customer.shopify_id == bindparam("customer_id")
)
_BY_EMAIL = (
    select(Customer)
    .where(Customer.store_id == bindparam("store_id"), Customer.email == bindparam("email"))
    .limit(1)
)
_SYNCED = (
    select(Customer.id)
    .join(Store, Store.id == Customer.store_id)
    .where(Store.shop_domain == bindparam("shop"), Customer.shopify_id == bindparam("customer_id"))
)
"""Built once: the intake runs them on every submission (see `lib.intake.submit`)."""


class StoreLookupFailed(RuntimeError):
    """The store could not be asked who a logged-in customer is (it is down or refuses)."""


@dataclass(frozen=True, slots=True)
class CustomerInfo:
    """What a request needs to know about a customer."""

    customer_id: str
    email: str | None
    name: str | None
    country: str | None
    subdivision: str | None


def _info(row: Customer) -> CustomerInfo:
    name = " ".join(part for part in (row.first_name, row.last_name) if part) or None
    return CustomerInfo(row.shopify_id, row.email, name, row.country, row.subdivision)


def customer_by_id(session: Session, store: Store, customer_id: str) -> CustomerInfo | None:
    """The synced customer with Shopify's numeric id `customer_id` in `store`, or None."""
    row = session.scalars(_BY_ID, {"store_id": store.id, "customer_id": customer_id}).first()
    return _info(row) if row is not None else None


def customer_by_email(session: Session, store: Store, email: str) -> CustomerInfo | None:
    """The synced customer whose email is `email` (already lower case), or None."""
    row = session.scalars(_BY_EMAIL, {"store_id": store.id, "email": email}).first()
    return _info(row) if row is not None else None


def fetch_unsynced(
    db: Database, shop: str, customer_id: str, config: Config
) -> StoreCustomer | None:
    """Ask the store for a customer the sync has not seen; None when already synced or unknown.

    Raises:
        StoreLookupFailed: the store API is unreachable or refuses the app.
    """
    with db.read() as session:
        known = session.scalars(_SYNCED, {"shop": shop, "customer_id": customer_id}).first()
    if known is not None:
        return None
    try:
        return get_customer(customer_id, shop, config, max_attempts=INTERACTIVE_ATTEMPTS)
    except CustomerNotFound:
        return None
    except StoreError as exc:
        raise StoreLookupFailed(str(exc)) from exc


def remember(session: Session, store: Store, found: StoreCustomer) -> None:
    """Keep a fetched customer in the synced table (the store sync refreshes it later)."""
    row = session.scalars(
        select(Customer).where(Customer.store_id == store.id, Customer.shopify_id == found.id)
    ).first()
    values = {
        "email": found.email,
        "first_name": found.first_name,
        "last_name": found.last_name,
        "phone": found.phone,
        "country": found.country,
        "subdivision": found.province,
        "orders_count": found.orders_count,
        "synced_at": utcnow(),
    }
    if row is not None:
        for key, value in values.items():
            setattr(row, key, value)
        return
    try:
        with session.begin_nested():
            session.add(Customer(store_id=store.id, shopify_id=found.id, **values))
    except IntegrityError:  # a concurrent submit remembered the same customer first
        pass
