"""Erasure of a customer in Shopify: request it, cancel it while queued, follow its state.

`customerRequestDataErasure` queues the erasure (scope `write_customer_data_erasure`); Shopify
carries it out about 10 days later, or — when the customer ordered in the last 6 months — 6
months after that order (docs/ERASURE.md). Shopify has no field that tells the queue's state, so
`erasure_state` reads the customer: gone (or without name and email) means done; otherwise the
expected date follows from the last order. `userErrors` become `StoreRefused` with Shopify's
words, and nothing is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from lib.store.api import customer_gid
from lib.store.client import ShopifyClient
from lib.store.refusals import raise_user_errors

SCOPE = "write_customer_data_erasure"
QUEUE_DAYS = 10
"""Shopify erases a queued customer about this many days after the request."""
HOLD_DAYS = 183
"""A customer who ordered within about six months is held until six months after that order."""

REQUEST_ERASURE = """mutation RequestCustomerErasure($customerId: ID!) {
  customerRequestDataErasure(customerId: $customerId) {
    customerId
    userErrors { field message code }
  }
}"""
CANCEL_ERASURE = """mutation CancelCustomerErasure($customerId: ID!) {
  customerCancelDataErasure(customerId: $customerId) {
    customerId
    userErrors { field message code }
  }
}"""
ERASURE_STATE = """query CustomerErasureState($id: ID!) {
  customer(id: $id) {
    id firstName lastName
    defaultEmailAddress { emailAddress }
    lastOrder { createdAt }
  }
}"""


@dataclass(frozen=True, slots=True)
class ErasureState:
    """Where Shopify's erasure of a customer stands, as far as the Admin API shows it."""

    done: bool
    last_order_on: date | None
    expected_on: date | None
    """When Shopify should erase the customer (None once done)."""


def expected_date(requested_on: date, last_order_on: date | None) -> date:
    """Shopify's date for an erasure asked on `requested_on` (its hold on recent orders)."""
    queued = requested_on + timedelta(days=QUEUE_DAYS)
    if last_order_on is None:
        return queued
    return max(queued, last_order_on + timedelta(days=HOLD_DAYS))


def request_erasure(client: ShopifyClient, customer_id: str) -> None:
    """Queue the customer's erasure in Shopify, or raise StoreRefused with its reason."""
    data = client.query(REQUEST_ERASURE, {"customerId": customer_gid(customer_id)})
    raise_user_errors(data.get("customerRequestDataErasure"), "the erasure request")


def cancel_erasure(client: ShopifyClient, customer_id: str) -> None:
    """Cancel a queued erasure, or raise StoreRefused (e.g. it is not being erased any more)."""
    data = client.query(CANCEL_ERASURE, {"customerId": customer_gid(customer_id)})
    raise_user_errors(data.get("customerCancelDataErasure"), "the erasure cancellation")


def erasure_state(client: ShopifyClient, customer_id: str, requested_on: date) -> ErasureState:
    """Read the customer back: erased, or still there and due on the expected date."""
    node = client.query(ERASURE_STATE, {"id": customer_gid(customer_id)}).get("customer")
    email = (node or {}).get("defaultEmailAddress") or {}
    if node is None or not (
        email.get("emailAddress") or node.get("firstName") or node.get("lastName")
    ):
        return ErasureState(True, None, None)
    last = (node.get("lastOrder") or {}).get("createdAt")
    last_on = datetime.fromisoformat(last.replace("Z", "+00:00")).date() if last else None
    return ErasureState(False, last_on, expected_date(requested_on, last_on))
