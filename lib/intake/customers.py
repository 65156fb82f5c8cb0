"""Who a storefront customer is: name, email and country for a request.

Looks in the synced `customers` table first, then in the demo store's own tables (the bundled
demo shop answers for shops without a real store). Results only fill in a request; they never
change what a guest is told, so a lookup cannot reveal whether an address has an account.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from lib.core.models import Customer, DemoCustomer, Store


@dataclass(frozen=True, slots=True)
class CustomerInfo:
    """What a request needs to know about a customer."""

    customer_id: str
    email: str | None
    name: str | None
    country: str | None
    subdivision: str | None


def _name(first: str | None, last: str | None) -> str | None:
    return " ".join(part for part in (first, last) if part) or None


def _from_synced(row: Customer) -> CustomerInfo:
    return CustomerInfo(
        row.shopify_id,
        row.email,
        _name(row.first_name, row.last_name),
        row.country,
        row.subdivision,
    )


def _from_demo(row: DemoCustomer) -> CustomerInfo:
    return CustomerInfo(
        str(row.id), row.email, _name(row.first_name, row.last_name), row.country, row.province
    )


def customer_by_id(session: Session, store: Store, customer_id: str) -> CustomerInfo | None:
    """The customer with Shopify's numeric id `customer_id` in `store`, or None."""
    synced = session.scalars(
        select(Customer).where(Customer.store_id == store.id, Customer.shopify_id == customer_id)
    ).first()
    if synced is not None:
        return _from_synced(synced)
    if not customer_id.isdigit():
        return None
    demo = session.scalars(
        select(DemoCustomer).where(
            DemoCustomer.id == int(customer_id), DemoCustomer.shop_domain == store.shop_domain
        )
    ).first()
    return _from_demo(demo) if demo is not None else None


def customer_by_email(session: Session, store: Store, email: str) -> CustomerInfo | None:
    """The customer whose email is `email` (already normalised to lower case), or None.

    Both tables are always queried, so a known and an unknown address cost the same work.
    """
    synced = session.scalars(
        select(Customer).where(Customer.store_id == store.id, Customer.email == email).limit(1)
    ).first()
    demo = session.scalars(
        select(DemoCustomer)
        .where(DemoCustomer.shop_domain == store.shop_domain, DemoCustomer.email == email)
        .limit(1)
    ).first()
    if synced is not None:
        return _from_synced(synced)
    return _from_demo(demo) if demo is not None else None
