"""Corrections in Shopify: the store's current values, a field-by-field diff, and applying it.

Staff see what the customer asked for next to what the store holds now (`current_values`,
`diff`); `apply_changes` re-reads the store first and refuses, changing nothing, when a value
is no longer the one staff previewed. Name, email and phone go through `customerUpdate`, the
address through `customerAddressUpdate` on the default address. Shopify's `userErrors` raise
`StoreRefused` with its reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lib.store.api import customer_by_email, customer_gid
from lib.store.client import CustomerNotFound, ShopifyClient
from lib.store.refusals import StoreRefused, raise_user_errors

_ADDRESS = "id address1 city zip provinceCode countryCodeV2"
CURRENT = f"""query CorrectionCurrent($id: ID!) {{
  customer(id: $id) {{
    id firstName lastName
    defaultEmailAddress {{ emailAddress }}
    defaultPhoneNumber {{ phoneNumber }}
    defaultAddress {{ {_ADDRESS} }}
  }}
}}"""
UPDATE_CUSTOMER = """mutation CorrectCustomer($input: CustomerInput!) {
  customerUpdate(input: $input) {
    customer { id firstName lastName defaultEmailAddress { emailAddress } }
    userErrors { field message }
  }
}"""
UPDATE_ADDRESS = f"""mutation CorrectAddress(
  $customerId: ID!, $addressId: ID!, $address: MailingAddressInput!
) {{
  customerAddressUpdate(customerId: $customerId, addressId: $addressId, address: $address) {{
    address {{ {_ADDRESS} }}
    userErrors {{ field message }}
  }}
}}"""

CUSTOMER_FIELDS: Mapping[str, str] = {
    "first_name": "firstName",
    "last_name": "lastName",
    "email": "email",
    "phone": "phone",
}
ADDRESS_FIELDS: Mapping[str, str] = {
    "address1": "address1",
    "city": "city",
    "zip": "zip",
    "province_code": "provinceCode",
    "country_code": "countryCode",
}
FIELDS: tuple[str, ...] = (*CUSTOMER_FIELDS, *ADDRESS_FIELDS)
LABELS: Mapping[str, str] = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "address1": "Street address",
    "city": "City",
    "zip": "Postal code",
    "province_code": "State or province",
    "country_code": "Country",
}


class StaleValue(StoreRefused):
    """The store's value changed since staff previewed the correction; nothing was changed."""


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field of the correction: the store's value now and the one asked for."""

    field: str
    current: str | None
    asked: str | None

    @property
    def label(self) -> str:
        return LABELS[self.field]


def customer_for(client: ShopifyClient, customer_id: str | None, email: str) -> str:
    """The request's store customer: its linked id, else the customer with its email (a guest's
    request is verified by email, not linked); CustomerNotFound when the store has neither."""
    if customer_id:
        return customer_id
    found = customer_by_email(client, email)
    if found is None:
        raise CustomerNotFound(f"the store has no customer with the email {email}")
    return found.id


def current_values(client: ShopifyClient, customer_id: str | int) -> dict[str, str | None]:
    """The store's values of every correctable field, plus `address_id` (None without one)."""
    node = client.query(CURRENT, {"id": customer_gid(customer_id)}).get("customer")
    if node is None:
        raise CustomerNotFound(f"no customer {customer_id} in this store")
    address = node.get("defaultAddress") or {}
    return {
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "email": (node.get("defaultEmailAddress") or {}).get("emailAddress"),
        "phone": (node.get("defaultPhoneNumber") or {}).get("phoneNumber"),
        "address1": address.get("address1"),
        "city": address.get("city"),
        "zip": address.get("zip"),
        "province_code": address.get("provinceCode"),
        "country_code": address.get("countryCodeV2"),
        "address_id": address.get("id"),
    }


def diff(current: Mapping[str, str | None], asked: Mapping[str, Any]) -> list[FieldChange]:
    """The asked fields whose value differs from the store's, in `FIELDS` order.

    Unknown keys raise ValueError naming them; blank answers are ignored (not asked).
    """
    unknown = sorted(set(asked) - set(FIELDS))
    if unknown:
        raise ValueError(f"not correctable fields: {', '.join(unknown)}")
    changes = []
    for name in FIELDS:
        value = asked.get(name)
        wanted = value.strip() if isinstance(value, str) else None
        if wanted and wanted != (current.get(name) or ""):
            changes.append(FieldChange(name, current.get(name), wanted))
    return changes


def apply_changes(
    client: ShopifyClient, customer_id: str | int, changes: list[FieldChange]
) -> dict[str, str | None]:
    """Write `changes` to Shopify and return the store's values afterwards.

    Every `change.current` must still be the store's value, else `StaleValue` and nothing is
    written. Customer fields are written first, then the address; a refusal of the address
    after the customer fields were written says so in its message.
    """
    gid = customer_gid(customer_id)
    now = current_values(client, customer_id)
    stale = [c for c in changes if (now.get(c.field) or None) != (c.current or None)]
    if stale:
        names = ", ".join(f"{c.label} is now {now.get(c.field)!r}" for c in stale)
        raise StaleValue(
            f"The store's values changed since the preview ({names}); nothing was changed."
        )
    person = {CUSTOMER_FIELDS[c.field]: c.asked for c in changes if c.field in CUSTOMER_FIELDS}
    place = {ADDRESS_FIELDS[c.field]: c.asked for c in changes if c.field in ADDRESS_FIELDS}
    if place and not now.get("address_id"):
        raise StoreRefused(
            "The customer has no address in the store to correct; nothing was changed."
        )
    if person:
        data = client.query(UPDATE_CUSTOMER, {"input": {"id": gid, **person}})
        raise_user_errors(data.get("customerUpdate"), "the name, email or phone change")
    if place:
        variables = {"customerId": gid, "addressId": now["address_id"], "address": place}
        data = client.query(UPDATE_ADDRESS, variables)
        try:
            raise_user_errors(data.get("customerAddressUpdate"), "the address change")
        except StoreRefused as exc:
            if person:
                done = ", ".join(LABELS[c.field] for c in changes if c.field in CUSTOMER_FIELDS)
                raise StoreRefused(f"{exc} {done} had already been corrected.") from None
            raise
    return current_values(client, customer_id)
