"""The demo store's mutations for corrections and opt-outs, with Shopify's `userErrors`.

`customerUpdate`, `customerAddressUpdate`, `dataSaleOptOut`,
`customerEmailMarketingConsentUpdate` and `customerSmsMarketingConsentUpdate` change the demo
rows (the demo store runs a mutation in a write transaction). As at Shopify, a refused input is
an answer with `userErrors` and nothing changed, not a GraphQL error; a missing scope is an
`ACCESS_DENIED` error. `demo_schema.MutationRoot` routes each field here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from lib.core.models import DemoCustomer, DemoCustomerPrivacy, utcnow
from lib.store.demo_types import Context, Obj, parse_gid

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE = re.compile(r"\+[1-9]\d{6,14}")
"""E.164, the form Shopify stores phone numbers in."""
ADDRESS_COLUMNS = {
    "address1": "address1",
    "city": "city",
    "zip": "zip",
    "provinceCode": "province",
    "countryCode": "country",
}
"""MailingAddressInput field → demo_customers column (the demo customer has one address)."""

NodeOf = Callable[[Context, DemoCustomer], Obj]


def _error(field: list[str] | None, message: str, code: str | None = None) -> Obj:
    values: dict[str, Any] = {"field": field, "message": message}
    if code is not None:
        values["code"] = code
    return Obj(values)


def _customer(ctx: Context, customer_id: Any) -> DemoCustomer | None:
    number = parse_gid(customer_id, "Customer")
    if number is None:
        return None
    query = select(DemoCustomer).where(DemoCustomer.id == number)
    if ctx.shop:
        query = query.where(DemoCustomer.shop_domain == ctx.shop)
    return ctx.session.scalar(query)


def privacy_of(ctx: Context, customer_id: int, create: bool = False) -> DemoCustomerPrivacy | None:
    """The customer's privacy row (created with the defaults when `create`)."""
    row = ctx.session.get(DemoCustomerPrivacy, customer_id)
    if row is None and create:
        row = DemoCustomerPrivacy(
            customer_id=customer_id, data_sale_opt_out=False, sms_marketing_state="NOT_SUBSCRIBED"
        )
        ctx.session.add(row)
    return row


def _email_taken(ctx: Context, row: DemoCustomer, email: str) -> bool:
    query = select(DemoCustomer.id).where(
        DemoCustomer.shop_domain == row.shop_domain,
        func.lower(DemoCustomer.email) == email.lower(),
        DemoCustomer.id != row.id,
    )
    return ctx.session.scalar(query.limit(1)) is not None


def customer_update(ctx: Context, args: dict[str, Any], node: NodeOf) -> Obj:
    """`customerUpdate(input:)`: names, email and phone of an existing customer."""
    ctx.need("write_customers", "customerUpdate")
    given = args.get("input") or {}
    row = _customer(ctx, given.get("id"))
    if row is None:
        return Obj({"customer": None, "userErrors": [_error(["id"], "Customer does not exist")]})
    errors: list[Obj] = []
    email, phone = given.get("email"), given.get("phone")
    if email is not None and not EMAIL.fullmatch(email):
        errors.append(_error(["email"], "Email is invalid"))
    elif email is not None and _email_taken(ctx, row, email):
        errors.append(_error(["email"], "Email has already been taken"))
    if phone is not None and phone != "" and not PHONE.fullmatch(phone):
        errors.append(_error(["phone"], "Phone is invalid"))
    for key in ("firstName", "lastName"):
        if given.get(key) is not None and len(given[key]) > 255:
            errors.append(_error([key], f"{key} is too long (maximum is 255 characters)"))
    if errors:
        return Obj({"customer": None, "userErrors": errors})
    if given.get("firstName") is not None:
        row.first_name = given["firstName"]
    if given.get("lastName") is not None:
        row.last_name = given["lastName"]
    if email is not None:
        row.email = email
    if phone is not None:
        row.phone = phone or None
    ctx.session.flush()
    return Obj({"customer": node(ctx, row), "userErrors": []})


def customer_address_update(ctx: Context, args: dict[str, Any], address: NodeOf) -> Obj:
    """`customerAddressUpdate`: the demo customer's one address (id = the customer's)."""
    ctx.need("write_customers", "customerAddressUpdate")
    row = _customer(ctx, args.get("customerId"))
    if row is None:
        return Obj({"address": None, "userErrors": [_error(["customerId"], "Customer not found")]})
    number = parse_gid(str(args.get("addressId") or "").split("?")[0], "MailingAddress")
    if number != row.id:
        return Obj({"address": None, "userErrors": [_error(["addressId"], "Address not found")]})
    given = args.get("address") or {}
    if given.get("zip") is not None and len(given["zip"]) > 20:
        return Obj({"address": None, "userErrors": [_error(["address", "zip"], "Zip is invalid")]})
    for field, column in ADDRESS_COLUMNS.items():
        if given.get(field) is not None:
            setattr(row, column, given[field])
    ctx.session.flush()
    return Obj({"address": address(ctx, row), "userErrors": []})


def data_sale_opt_out(ctx: Context, args: dict[str, Any]) -> Obj:
    """`dataSaleOptOut(email:)`: marks the shop's customer with that email as opted out."""
    ctx.need("write_privacy_settings", "dataSaleOptOut")
    email = str(args.get("email") or "").strip()
    query = select(DemoCustomer).where(func.lower(DemoCustomer.email) == email.lower())
    if ctx.shop:
        query = query.where(DemoCustomer.shop_domain == ctx.shop)
    row = ctx.session.scalar(query.limit(1))
    if row is None:
        failed = _error(["email"], "No customer with this email address", "FAILED")
        return Obj({"customerId": None, "userErrors": [failed]})
    privacy = privacy_of(ctx, row.id, create=True)
    assert privacy is not None
    privacy.data_sale_opt_out, privacy.updated_at = True, utcnow()
    ctx.session.flush()
    return Obj({"customerId": f"gid://shopify/Customer/{row.id}", "userErrors": []})


def _consent_state(given: dict[str, Any], key: str, allowed: set[str]) -> str | None:
    state = (given.get(key) or {}).get("marketingState")
    return state if state in allowed else None


def email_consent_update(ctx: Context, args: dict[str, Any], node: NodeOf) -> Obj:
    """`customerEmailMarketingConsentUpdate`: subscribe or unsubscribe the customer's email."""
    ctx.need("write_customers", "customerEmailMarketingConsentUpdate")
    given = args.get("input") or {}
    row = _customer(ctx, given.get("customerId"))
    if row is None:
        missing = _error(["input", "customerId"], "Customer not found", "INVALID")
        return Obj({"customer": None, "userErrors": [missing]})
    state = _consent_state(given, "emailMarketingConsent", {"SUBSCRIBED", "UNSUBSCRIBED"})
    if state is None:
        wrong = _error(
            ["input", "emailMarketingConsent", "marketingState"],
            "Marketing state must be SUBSCRIBED or UNSUBSCRIBED",
            "INCLUSION",
        )
        return Obj({"customer": None, "userErrors": [wrong]})
    row.accepts_marketing = state == "SUBSCRIBED"
    ctx.session.flush()
    return Obj({"customer": node(ctx, row), "userErrors": []})


def sms_consent_update(ctx: Context, args: dict[str, Any], node: NodeOf) -> Obj:
    """`customerSmsMarketingConsentUpdate`: needs a phone number on the customer."""
    ctx.need("write_customers", "customerSmsMarketingConsentUpdate")
    given = args.get("input") or {}
    row = _customer(ctx, given.get("customerId"))
    if row is None:
        missing = _error(["input", "customerId"], "Customer not found", "INVALID")
        return Obj({"customer": None, "userErrors": [missing]})
    if not row.phone:
        no_phone = _error(["input", "customerId"], "Customer has no phone number", "INVALID")
        return Obj({"customer": None, "userErrors": [no_phone]})
    state = _consent_state(given, "smsMarketingConsent", {"SUBSCRIBED", "UNSUBSCRIBED"})
    if state is None:
        wrong = _error(
            ["input", "smsMarketingConsent", "marketingState"],
            "Marketing state must be SUBSCRIBED or UNSUBSCRIBED",
            "INCLUSION",
        )
        return Obj({"customer": None, "userErrors": [wrong]})
    privacy = privacy_of(ctx, row.id, create=True)
    assert privacy is not None
    privacy.sms_marketing_state, privacy.updated_at = state, utcnow()
    ctx.session.flush()
    return Obj({"customer": node(ctx, row), "userErrors": []})
