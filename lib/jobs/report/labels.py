"""Codes as a person reads them: Shopify enums, request states, who did what (msgids).

A code without a label here (a Shopify enum value added after this was written) is shown in
words, never as the code: `PARTIALLY_PAID` → "Partially paid".
"""

from __future__ import annotations

from lib.core import i18n
from lib.core.i18n import N_

GROUPS: dict[str, dict[str, str]] = {
    "financial_status": {
        "AUTHORIZED": N_("Authorised"),
        "EXPIRED": N_("Expired"),
        "PAID": N_("Paid"),
        "PARTIALLY_PAID": N_("Partly paid"),
        "PARTIALLY_REFUNDED": N_("Partly refunded"),
        "PENDING": N_("Pending"),
        "REFUNDED": N_("Refunded"),
        "VOIDED": N_("Cancelled"),
    },
    "fulfillment_status": {
        "FULFILLED": N_("Delivered"),
        "IN_PROGRESS": N_("In progress"),
        "ON_HOLD": N_("On hold"),
        "OPEN": N_("Open"),
        "PARTIALLY_FULFILLED": N_("Partly delivered"),
        "PENDING_FULFILLMENT": N_("Pending"),
        "RESTOCKED": N_("Returned to stock"),
        "SCHEDULED": N_("Scheduled"),
        "UNFULFILLED": N_("Not yet sent"),
        "REQUEST_DECLINED": N_("Declined"),
    },
    "delivery_status": {
        "SUCCESS": N_("Delivered"),
        "OPEN": N_("Open"),
        "PENDING": N_("Pending"),
        "CANCELLED": N_("Cancelled"),
        "ERROR": N_("Failed"),
        "FAILURE": N_("Failed"),
    },
    "kind": {
        "SALE": N_("Payment"),
        "CAPTURE": N_("Payment"),
        "AUTHORIZATION": N_("Authorisation"),
        "EMV_AUTHORIZATION": N_("Authorisation"),
        "REFUND": N_("Refund"),
        "SUGGESTED_REFUND": N_("Refund"),
        "VOID": N_("Cancelled"),
        "CHANGE": N_("Change given"),
    },
    "transaction_status": {
        "SUCCESS": N_("Succeeded"),
        "PENDING": N_("Pending"),
        "AWAITING_RESPONSE": N_("Pending"),
        "FAILURE": N_("Failed"),
        "ERROR": N_("Failed"),
        "UNKNOWN": N_("Unknown"),
    },
    "draft_status": {
        "OPEN": N_("Open"),
        "INVOICE_SENT": N_("Invoice sent"),
        "COMPLETED": N_("Completed"),
    },
    "return_status": {
        "NO_RETURN": N_("None"),
        "RETURN_REQUESTED": N_("Return requested"),
        "IN_PROGRESS": N_("Return in progress"),
        "INSPECTION_COMPLETE": N_("Returned items inspected"),
        "RETURNED": N_("Returned"),
        "RETURN_FAILED": N_("Return failed"),
    },
    "credit_kind": {
        "StoreCreditAccountCreditTransaction": N_("Credit added"),
        "StoreCreditAccountDebitTransaction": N_("Paid with store credit"),
        "StoreCreditAccountDebitRevertTransaction": N_("Payment reversed"),
        "StoreCreditAccountExpirationTransaction": N_("Expired"),
    },
    "subscription_status": {
        "ACTIVE": N_("Active"),
        "PAUSED": N_("Paused"),
        "CANCELLED": N_("Cancelled"),
        "EXPIRED": N_("Expired"),
        "FAILED": N_("Failed"),
    },
    "enabled": {"True": N_("Yes"), "False": N_("No")},
    "marketing": {
        "SUBSCRIBED": N_("Subscribed"),
        "NOT_SUBSCRIBED": N_("Not subscribed"),
        "UNSUBSCRIBED": N_("Unsubscribed"),
        "PENDING": N_("Pending confirmation"),
        "REDACTED": N_("Removed"),
        "INVALID": N_("Invalid"),
    },
    "source": {
        "saved_address": N_("Saved address"),
        "order_shipping": N_("Delivery address of an order"),
        "order_billing": N_("Billing address of an order"),
    },
    "type": {
        "access": N_("Copy of my data"),
        "erasure": N_("Erase my data"),
        "correction": N_("Correct my data"),
        "opt_out": N_("Do not sell or share my data"),
        "shop_erasure": N_("Erase the shop's data"),
    },
    "channel": {
        "logged_in": N_("The shop's website, signed in"),
        "guest": N_("The shop's website, by email"),
        "webhook": N_("Shopify"),
        "staff": N_("The shop's staff"),
    },
    "status": {
        "received": N_("Received"),
        "pending_verification": N_("Waiting for your confirmation"),
        "verified": N_("Confirmed"),
        "in_progress": N_("Being prepared"),
        "ready_for_review": N_("Being checked"),
        "delivered": N_("Sent to you"),
        "completed": N_("Completed"),
        "rejected": N_("Refused"),
        "canceled": N_("Withdrawn"),
        "expired": N_("Expired unconfirmed"),
    },
    "regime": {
        "gdpr": N_("GDPR (European Union)"),
        "uk_gdpr": N_("UK GDPR (United Kingdom)"),
        "ccpa": N_("CCPA (California)"),
        "us_state": N_("US state privacy law"),
        "lgpd": N_("LGPD (Brazil)"),
        "pipeda": N_("PIPEDA (Canada)"),
        "shopify": N_("Shopify's privacy rules"),
    },
    "rejection_code": {
        "identity_not_verified": N_("Identity could not be confirmed"),
        "manifestly_unfounded": N_("Manifestly unfounded"),
        "excessive": N_("Excessive"),
        "no_data_found": N_("No data found"),
        "duplicate": N_("Same as an earlier request"),
        "other": N_("Other reason"),
    },
    "purpose": {
        "verify": N_("Confirm your request"),
        "received": N_("Request received"),
        "data_ready": N_("Your data is ready"),
        "passphrase": N_("Passphrase of your package"),
    },
    "account_state": {
        "ENABLED": N_("Active account"),
        "DISABLED": N_("No account"),
        "INVITED": N_("Invited to open an account"),
        "DECLINED": N_("Declined the account invitation"),
    },
    "by": {
        "customer": N_("You"),
        "system": N_("Privacy Desk (automatic)"),
        "shopify": N_("Shopify"),
        "staff:admin": N_("Staff (administrator)"),
        "staff:merchant": N_("Staff (shop team)"),
        "staff:compliance": N_("Staff (data protection)"),
        "staff:analyst": N_("Staff (analyst)"),
        "staff:staff": N_("Staff"),
    },
    "event": {
        "transition": N_("Status changed"),
        "note": N_("Internal note"),
        "extended": N_("Deadline extended"),
        "paused": N_("Deadline paused"),
        "resumed": N_("Deadline resumed"),
        "duplicate_submit": N_("Request sent again"),
        "export": N_("Data collected into a package"),
        "download": N_("Package downloaded"),
        "mail": N_("Message sent"),
    },
}


def label(group: str, code: str | None, locale: str) -> str:
    """The translated label of `code` in `group`; unknown codes in words; None → ""."""
    if not code:
        return ""
    known = GROUPS.get(group, {}).get(code)
    if known:
        return i18n.gettext(locale, known)
    words = code.replace("_", " ").strip().lower()
    return words[:1].upper() + words[1:]
