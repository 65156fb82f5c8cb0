"""Actions on the store, exports and deliveries, each checked against the actor's role first.

They call the store client (`lib.store`) and the export service (`lib.jobs.exports`,
`lib.jobs.delivery`); store failures become ActionError with the store's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

from lib.core.audit import append_event
from lib.core.config import get_config
from lib.core.db import Database
from lib.core.enums import EventKind
from lib.core.models import Delivery, Export, Store
from lib.dashboard.actions import ActionError, load_request
from lib.dashboard.connection_view import ScopeReport, scope_report
from lib.dashboard.roles import Actor, Right, require
from lib.jobs import delivery, exports
from lib.store import StoreError, find_customers, store_client
from lib.store.api import access_scopes, quote_value
from lib.store.client import INTERACTIVE_ATTEMPTS


def start_export(db: Database, actor: Actor, request_id: int) -> None:
    """Queue the export job that collects the customer's data from the store."""
    require(actor, Right.EXPORT)
    with db.write() as session:
        exports.request_export(session, load_request(session, request_id), actor.email)


@dataclass(frozen=True, slots=True)
class Package:
    """An export package read for the reviewing merchant."""

    name: str
    data: bytes
    passphrase: str | None


def review_package(db: Database, actor: Actor, export_id: int) -> Package:
    """The package's bytes for review before delivery (and its passphrase); audited."""
    require(actor, Right.DELIVER)
    with db.write() as session:
        export = session.get(Export, export_id)
        if export is None or export.purged_at is not None or not Path(export.path).is_file():
            raise ActionError(f"package {export_id} is no longer on disk; export again")
        append_event(
            session,
            actor=actor.email,
            kind=EventKind.DOWNLOAD,
            request_id=export.request_id,
            reason="package downloaded for review",
            details={"export_id": export.id},
        )
        passphrase = exports.package_passphrase(get_config(), export)
        path = Path(export.path)
    return Package(path.name, path.read_bytes(), passphrase)


def package_bytes(db: Database, actor: Actor, export_id: int) -> bytes:
    """Just the package's bytes (the review download button's callable)."""
    return review_package(db, actor, export_id).data


def passphrase(db: Database, actor: Actor, export_id: int) -> str | None:
    """The passphrase of an encrypted package, for the reviewing merchant; None if plain."""
    require(actor, Right.DELIVER)
    with db.read() as session:
        export = session.get(Export, export_id)
        if export is None:
            raise ActionError(f"package {export_id} does not exist")
        return exports.package_passphrase(get_config(), export)


def deliver(db: Database, actor: Actor, export_id: int) -> str:
    """Send the customer an expiring download link for a reviewed package; returns the link."""
    require(actor, Right.DELIVER)
    with db.write() as session:
        export = session.get(Export, export_id)
        if export is None:
            raise ActionError(f"package {export_id} does not exist")
        return delivery.deliver(session, export, actor.email).url


def revoke(db: Database, actor: Actor, delivery_id: int, reason: str = "") -> None:
    """Stop a customer's download link from working."""
    require(actor, Right.DELIVER)
    with db.write() as session:
        row = session.get(Delivery, delivery_id)
        if row is None:
            raise ActionError(f"link {delivery_id} does not exist")
        if not delivery.revoke(session, row, actor.email, reason or None):
            raise ActionError(f"link {delivery_id} was already revoked")


def search_customers(actor: Actor, text: str, shop_domain: str | None = None) -> list[Any]:
    """Store customers matching a name, email or phone (the store's own search)."""
    require(actor, Right.CUSTOMERS)
    text = text.strip()
    if not text:
        return []
    query = text
    if "@" in text:
        query = f"email:{quote_value(text)}"
    elif text.lstrip("+").replace(" ", "").isdigit():
        query = f"phone:{quote_value(text)}"
    try:
        return find_customers(query, shop_domain, max_attempts=INTERACTIVE_ATTEMPTS)
    except StoreError as exc:
        raise ActionError(f"the store did not answer: {exc}") from exc


def export_customer(db: Database, actor: Actor, store_id: int, customer: Any) -> str:
    """*More actions → Request customer data → Export*: record a staff request and export it.

    Returns:
        The request's reference.
    """
    require(actor, Right.EXPORT)
    if not customer.email:
        raise ActionError("this customer has no email address to export for")
    with db.write() as session:
        store = session.get(Store, store_id)
        if store is None:
            raise ActionError(f"store {store_id} does not exist")
        request, _job, _created = exports.export_customer(
            session, store, customer.email, actor.email, customer=customer
        )
        return str(request.reference)


def test_connection(actor: Actor, shop_domain: str | None = None) -> ScopeReport:
    """*Test connection*: ask the store which scopes the app has, against the needed ones."""
    require(actor, Right.SETTINGS)
    try:
        client = store_client(shop_domain=shop_domain)
        granted = access_scopes(client)
    except StoreError as exc:
        raise ActionError(f"the store did not answer as expected: {exc}") from exc
    return scope_report(shop_domain or client.base_url, granted)


def set_contact_email(db: Database, actor: Actor, store_id: int, email: str) -> str | None:
    """Change where a store's merchant notifications go; audited when it changes.

    An empty `email` clears the store's address, so its mails go to the `merchant_email` fallback.

    Returns:
        The address now stored (normalised), or None when the store uses the fallback.
    """
    require(actor, Right.SETTINGS)
    text = email.strip()
    address = None
    if text:
        try:
            address = validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError as exc:
            raise ActionError(f"{text!r} is not a valid email address.") from exc
    with db.write() as session:
        store = session.get(Store, store_id)
        if store is None:
            raise ActionError(f"store {store_id} does not exist")
        before = store.contact_email
        if before == address:
            return address
        store.contact_email = address
        append_event(
            session,
            actor=actor.email,
            kind=EventKind.SETTING,
            reason="store contact email changed",
            details={
                "store": store.shop_domain,
                "key": "contact_email",
                "before": before,
                "after": address,
            },
        )
    return address
