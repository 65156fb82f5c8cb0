"""Every CSV file of an access package and its fields: name, label and how a person reads it.

One table serves three readers: the package writer (the CSV header), the HTML report (the
column headings and how each value is shown) and the report's list of files and field names
(Art. 20 portability: the CSVs stay machine-readable, the report says what each column is).
Labels are msgids (English in the code, translated in `lib/locale`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from lib.core.i18n import N_


class Kind(StrEnum):
    """How a value is shown in the report (the CSV keeps the value as stored)."""

    TEXT = "text"
    INSTANT = "instant"  # ISO 8601 instant → the locale's date and time
    DAY = "day"  # ISO 8601 instant → the locale's date (an order's day)
    DATE = "date"  # ISO date → the locale's date
    MONEY = "money"  # an amount; the row's `currency` field names the currency
    NUMBER = "number"
    LABEL = "label"  # a code (Shopify enum, request status…) → its label in `labels.py`
    HIDDEN = "hidden"  # in the CSV for joining files, not a column of the report's tables


@dataclass(frozen=True, slots=True)
class Field:
    """One column."""

    name: str
    label: str
    kind: Kind = Kind.TEXT


def _f(name: str, label: str, kind: Kind = Kind.TEXT) -> Field:
    return Field(name, label, kind)


FILES: dict[str, tuple[Field, ...]] = {
    "orders.csv": (
        _f("order_id", N_("Order ID"), Kind.HIDDEN),
        _f("order_name", N_("Order")),
        _f("created_at", N_("Placed on"), Kind.DAY),
        _f("processed_at", N_("Processed on"), Kind.HIDDEN),
        _f("cancelled_at", N_("Cancelled on"), Kind.DAY),
        _f("closed_at", N_("Closed on"), Kind.HIDDEN),
        _f("financial_status", N_("Payment"), Kind.LABEL),
        _f("fulfillment_status", N_("Delivery"), Kind.LABEL),
        _f("currency", N_("Currency"), Kind.HIDDEN),
        _f("total", N_("Total"), Kind.MONEY),
        _f("email", N_("Email address")),
        _f("phone", N_("Phone number")),
        _f("note", N_("Note")),
        _f("tags", N_("Tags")),
        _f("line_items", N_("Items"), Kind.NUMBER),
        _f("shipping_method", N_("Shipping method")),
        _f("shipping_price", N_("Shipping"), Kind.MONEY),
        _f("discount_codes", N_("Discount codes")),
        _f("return_status", N_("Returns"), Kind.LABEL),
    ),
    "order_lines.csv": (
        _f("order_id", N_("Order ID"), Kind.HIDDEN),
        _f("order_name", N_("Order")),
        _f("line_item_id", N_("Item ID"), Kind.HIDDEN),
        _f("title", N_("Product")),
        _f("variant_title", N_("Variant")),
        _f("sku", N_("SKU")),
        _f("quantity", N_("Quantity"), Kind.NUMBER),
        _f("unit_price", N_("Unit price"), Kind.MONEY),
        _f("currency", N_("Currency"), Kind.HIDDEN),
    ),
    "order_fulfillments.csv": (
        _f("order_id", N_("Order ID"), Kind.HIDDEN),
        _f("order_name", N_("Order")),
        _f("delivery_status", N_("Status"), Kind.LABEL),
        _f("created_at", N_("Shipped on"), Kind.DAY),
        _f("company", N_("Carrier")),
        _f("number", N_("Tracking number")),
        _f("url", N_("Tracking link")),
    ),
    "order_transactions.csv": (
        _f("order_id", N_("Order ID"), Kind.HIDDEN),
        _f("order_name", N_("Order")),
        _f("kind", N_("Transaction"), Kind.LABEL),
        _f("transaction_status", N_("Status"), Kind.LABEL),
        _f("gateway", N_("Payment method")),
        _f("processed_at", N_("When"), Kind.INSTANT),
        _f("amount", N_("Amount"), Kind.MONEY),
        _f("currency", N_("Currency"), Kind.HIDDEN),
    ),
    "addresses.csv": (
        _f("source", N_("Kind of address"), Kind.LABEL),
        _f("order_name", N_("Order")),
        _f("first_name", N_("First name")),
        _f("last_name", N_("Last name")),
        _f("company", N_("Company")),
        _f("address1", N_("Address")),
        _f("address2", N_("Address line 2")),
        _f("city", N_("City")),
        _f("province", N_("Region")),
        _f("province_code", N_("Region code"), Kind.HIDDEN),
        _f("zip", N_("Postcode")),
        _f("country", N_("Country")),
        _f("country_code", N_("Country code"), Kind.HIDDEN),
        _f("phone", N_("Phone number")),
    ),
    "draft_orders.csv": (
        _f("draft_order_id", N_("Order ID"), Kind.HIDDEN),
        _f("name", N_("Draft order")),
        _f("created_at", N_("Created on"), Kind.DAY),
        _f("draft_status", N_("Status"), Kind.LABEL),
        _f("total", N_("Total"), Kind.MONEY),
        _f("currency", N_("Currency"), Kind.HIDDEN),
    ),
    "store_credit.csv": (
        _f("account_id", N_("Account"), Kind.HIDDEN),
        _f("balance", N_("Balance"), Kind.MONEY),
        _f("currency", N_("Currency"), Kind.HIDDEN),
    ),
    "store_credit_history.csv": (
        _f("account_id", N_("Account"), Kind.HIDDEN),
        _f("created_at", N_("When"), Kind.INSTANT),
        _f("credit_kind", N_("Transaction"), Kind.LABEL),
        _f("amount", N_("Amount"), Kind.MONEY),
        _f("balance_after", N_("Balance afterwards"), Kind.MONEY),
        _f("currency", N_("Currency"), Kind.HIDDEN),
    ),
    "gift_cards.csv": (
        _f("gift_card_id", N_("Gift card"), Kind.HIDDEN),
        _f("last_characters", N_("Code ending in")),
        _f("created_at", N_("Issued on"), Kind.DAY),
        _f("expires_on", N_("Expires on"), Kind.DATE),
        _f("enabled", N_("Usable"), Kind.LABEL),
        _f("initial_value", N_("Initial value"), Kind.MONEY),
        _f("balance", N_("Balance"), Kind.MONEY),
        _f("currency", N_("Currency"), Kind.HIDDEN),
    ),
    "abandoned_checkouts.csv": (
        _f("checkout_id", N_("Checkout"), Kind.HIDDEN),
        _f("name", N_("Checkout")),
        _f("created_at", N_("Started on"), Kind.INSTANT),
        _f("completed_at", N_("Completed on"), Kind.INSTANT),
        _f("items", N_("Items")),
        _f("discount_codes", N_("Discount codes")),
        _f("total", N_("Total"), Kind.MONEY),
        _f("currency", N_("Currency"), Kind.HIDDEN),
    ),
    "subscription_contracts.csv": (
        _f("contract_id", N_("Subscription"), Kind.HIDDEN),
        _f("subscription_status", N_("Status"), Kind.LABEL),
        _f("created_at", N_("Created on"), Kind.DAY),
        _f("next_billing_at", N_("Next billing on"), Kind.DAY),
        _f("currency", N_("Currency"), Kind.HIDDEN),
    ),
    "order_refunds.csv": (
        _f("order_id", N_("Order ID"), Kind.HIDDEN),
        _f("order_name", N_("Order")),
        _f("created_at", N_("Refunded on"), Kind.INSTANT),
        _f("amount", N_("Amount"), Kind.MONEY),
        _f("currency", N_("Currency"), Kind.HIDDEN),
        _f("note", N_("Note")),
    ),
    "order_attributes.csv": (
        _f("order_id", N_("Order ID"), Kind.HIDDEN),
        _f("order_name", N_("Order")),
        _f("key", N_("Key")),
        _f("value", N_("Value")),
    ),
    "metafields.csv": (
        _f("namespace", N_("Namespace")),
        _f("key", N_("Key")),
        _f("type", N_("Type"), Kind.HIDDEN),
        _f("value", N_("Value")),
        _f("updated_at", N_("Updated on"), Kind.INSTANT),
    ),
    "requests.csv": (
        _f("reference", N_("Request")),
        _f("type", N_("Kind of request"), Kind.LABEL),
        _f("channel", N_("Made through"), Kind.LABEL),
        _f("status", N_("Status"), Kind.LABEL),
        _f("received_at", N_("Received on"), Kind.INSTANT),
        _f("verified_at", N_("Identity confirmed on"), Kind.INSTANT),
        _f("responded_at", N_("Answered on"), Kind.INSTANT),
        _f("closed_at", N_("Closed on"), Kind.INSTANT),
        _f("due_on", N_("Due by"), Kind.DATE),
        _f("regime", N_("Law"), Kind.LABEL),
        _f("rejection_code", N_("Reason for refusal"), Kind.LABEL),
    ),
    "mails.csv": (
        _f("request", N_("Request")),
        _f("created_at", N_("Written on"), Kind.INSTANT),
        _f("sent_at", N_("Sent on"), Kind.INSTANT),
        _f("purpose", N_("Purpose"), Kind.LABEL),
        _f("subject", N_("Subject")),
        _f("text", N_("Text"), Kind.HIDDEN),
    ),
    "activity.csv": (
        _f("request", N_("Request")),
        _f("at", N_("When"), Kind.INSTANT),
        _f("by", N_("By"), Kind.LABEL),
        _f("event", N_("What happened"), Kind.LABEL),
        _f("status", N_("New status"), Kind.LABEL),
        _f("reason", N_("Reason")),
    ),
    "links.csv": (
        _f("request", N_("Request")),
        _f("sent_at", N_("Sent on"), Kind.INSTANT),
        _f("expires_at", N_("Valid until"), Kind.INSTANT),
        _f("downloads", N_("Downloads"), Kind.NUMBER),
        _f("max_downloads", N_("Downloads allowed"), Kind.NUMBER),
        _f("last_download_at", N_("Last download"), Kind.INSTANT),
        _f("revoked_at", N_("Withdrawn on"), Kind.INSTANT),
    ),
}
COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(f.name for f in fields) for name, fields in FILES.items()
}
