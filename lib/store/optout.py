"""Opt-out of sale/sharing in Shopify, with marketing unsubscribes, proved by a read-back.

`apply_opt_out` finds the customer by email (an opt-out for someone the store does not have
is refused, nothing sent), calls `dataSaleOptOut`, unsubscribes email and SMS marketing where
the customer asked, then reads the customer back: the returned `OptOutProof` is what the
store now says, and a read-back that does not show the opt-out is an error.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lib.store.api import customer_by_email, customer_gid
from lib.store.client import CustomerNotFound, ShopifyClient
from lib.store.refusals import StoreRefused, raise_user_errors

OPT_OUT = """mutation OptOutOfSale($email: String!) {
  dataSaleOptOut(email: $email) { customerId userErrors { field message code } }
}"""
UNSUBSCRIBE_EMAIL = """mutation UnsubscribeEmail(
  $input: CustomerEmailMarketingConsentUpdateInput!
) {
  customerEmailMarketingConsentUpdate(input: $input) {
    customer { id }
    userErrors { field message code }
  }
}"""
UNSUBSCRIBE_SMS = """mutation UnsubscribeSms($input: CustomerSmsMarketingConsentUpdateInput!) {
  customerSmsMarketingConsentUpdate(input: $input) {
    customer { id }
    userErrors { field message code }
  }
}"""
READ_BACK = """query OptOutReadBack($id: ID!) {
  customer(id: $id) {
    id dataSaleOptOut
    defaultEmailAddress { emailAddress marketingState }
    defaultPhoneNumber { phoneNumber smsMarketingConsent { state } }
  }
}"""


class CustomerMissing(StoreRefused):
    """No customer with the request's email in the store; nothing was changed."""


@dataclass(frozen=True, slots=True)
class OptOutProof:
    """The customer's state as the store reports it after the opt-out."""

    customer_id: str
    data_sale_opt_out: bool
    email_marketing: str | None
    sms_marketing: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_back(client: ShopifyClient, customer_id: str | int) -> OptOutProof:
    """What the store says now about the customer's opt-out and marketing consent."""
    node = client.query(READ_BACK, {"id": customer_gid(customer_id)}).get("customer")
    if node is None:
        raise CustomerNotFound(f"no customer {customer_id} in this store")
    phone = node.get("defaultPhoneNumber") or {}
    return OptOutProof(
        customer_id=node["id"],
        data_sale_opt_out=bool(node.get("dataSaleOptOut")),
        email_marketing=(node.get("defaultEmailAddress") or {}).get("marketingState"),
        sms_marketing=(phone.get("smsMarketingConsent") or {}).get("state"),
    )


def _consent(kind: str, customer: str) -> dict[str, Any]:
    return {"customerId": customer, kind: {"marketingState": "UNSUBSCRIBED"}}


def apply_opt_out(
    client: ShopifyClient, email: str, *, email_marketing: bool = False, sms_marketing: bool = False
) -> OptOutProof:
    """Opt the customer with `email` out of sale/sharing (and marketing where asked)."""
    customer = customer_by_email(client, email)
    if customer is None:
        raise CustomerMissing(
            "The store has no customer with this email address; nothing was changed."
        )
    data = client.query(OPT_OUT, {"email": customer.email or email})
    raise_user_errors(data.get("dataSaleOptOut"), "the opt-out of sale and sharing")
    if email_marketing:
        data = client.query(
            UNSUBSCRIBE_EMAIL, {"input": _consent("emailMarketingConsent", customer.gid)}
        )
        raise_user_errors(data.get("customerEmailMarketingConsentUpdate"), "the email unsubscribe")
    if sms_marketing and customer.phone:
        data = client.query(
            UNSUBSCRIBE_SMS, {"input": _consent("smsMarketingConsent", customer.gid)}
        )
        raise_user_errors(data.get("customerSmsMarketingConsentUpdate"), "the SMS unsubscribe")
    proof = read_back(client, customer.gid)
    if not proof.data_sale_opt_out:
        raise StoreRefused("Shopify accepted the opt-out but the customer does not show it.")
    return proof
