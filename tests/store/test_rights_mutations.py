"""Corrections and opt-outs against the demo store over real HTTP: the mutations change the
demo rows, a refusal is Shopify's `userErrors` and changes nothing, read-backs prove it."""

from __future__ import annotations

import pytest

from lib.core.db import Database
from lib.core.models import DemoCustomer
from lib.store.correction import (
    FieldChange,
    StaleValue,
    apply_changes,
    current_values,
    diff,
)
from lib.store.demo_data import add_demo_customer
from lib.store.optout import CustomerMissing, apply_opt_out, read_back
from lib.store.refusals import StoreRefused
from tests.store.helpers import client_for, running_store

WRITE = frozenset({"read_customers", "read_orders", "write_customers", "write_privacy_settings"})
"""What an installed Privacy Desk is granted (the static demo token reads only)."""


def _row(db: Database, customer_id: int) -> DemoCustomer:
    with db.read() as session:
        row = session.get(DemoCustomer, customer_id)
        assert row is not None
        session.expunge(row)
        return row


def test_correction_diff_then_apply_changes_the_store(db: Database) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    with running_store(db, scopes=WRITE) as server, client_for(server) as client:
        now = current_values(client, ada.id)
        assert (now["first_name"], now["email"], now["city"]) == (
            "Ada",
            "ada@example.com",
            now["city"],
        )
        asked = {"last_name": "Byron", "email": "ada@example.com", "city": "London", "zip": " "}
        changes = diff(now, asked)
        assert [(c.field, c.current, c.asked) for c in changes] == [
            ("last_name", "Lovelace", "Byron"),
            ("city", now["city"], "London"),
        ]  # unchanged email and blank zip are not changes
        after = apply_changes(client, ada.id, changes)
    assert (after["last_name"], after["city"]) == ("Byron", "London")
    row = _row(db, ada.id)
    assert (row.last_name, row.city, row.first_name) == ("Byron", "London", "Ada")


def test_correction_of_a_value_the_store_no_longer_has_changes_nothing(db: Database) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    with running_store(db, scopes=WRITE) as server, client_for(server) as client:
        changes = [
            FieldChange("first_name", "Augusta", "Ada Augusta"),  # the store says "Ada"
            FieldChange("last_name", "Lovelace", "King"),
        ]
        with pytest.raises(StaleValue, match=r"First name is now 'Ada'.*nothing was changed"):
            apply_changes(client, ada.id, changes)
    assert _row(db, ada.id).last_name == "Lovelace"


def test_shopify_user_errors_refuse_the_correction(db: Database) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    add_demo_customer(db, email="grace@example.com", orders=0)
    with running_store(db, scopes=WRITE) as server, client_for(server) as client:
        now = current_values(client, ada.id)
        taken = diff(now, {"email": "grace@example.com", "first_name": "Augusta"})
        with pytest.raises(StoreRefused, match=r"email: Email has already been taken"):
            apply_changes(client, ada.id, taken)
        with pytest.raises(StoreRefused, match=r"phone: Phone is invalid"):
            apply_changes(client, ada.id, diff(now, {"phone": "call me"}))
    row = _row(db, ada.id)
    assert (row.email, row.first_name) == ("ada@example.com", "Ada")


def test_diff_rejects_unknown_fields(db: Database) -> None:
    with pytest.raises(ValueError, match="not correctable fields: password"):
        diff({}, {"password": "x"})


def test_opt_out_applied_and_read_back(db: Database) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0, phone="+4930123456")
    with db.write() as session:
        session.get(DemoCustomer, ada.id).accepts_marketing = True
    with running_store(db, scopes=WRITE) as server, client_for(server) as client:
        before = read_back(client, ada.id)
        assert (before.data_sale_opt_out, before.email_marketing) == (False, "SUBSCRIBED")
        proof = apply_opt_out(client, "ADA@example.com", email_marketing=True, sms_marketing=True)
        again = read_back(client, ada.id)
    assert proof == again
    assert proof.customer_id == f"gid://shopify/Customer/{ada.id}"
    assert (proof.data_sale_opt_out, proof.email_marketing, proof.sms_marketing) == (
        True,
        "NOT_SUBSCRIBED",
        "UNSUBSCRIBED",
    )


def test_opt_out_keeps_marketing_unless_asked(db: Database) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    with db.write() as session:
        session.get(DemoCustomer, ada.id).accepts_marketing = True
    with running_store(db, scopes=WRITE) as server, client_for(server) as client:
        proof = apply_opt_out(client, "ada@example.com")
    assert (proof.data_sale_opt_out, proof.email_marketing) == (True, "SUBSCRIBED")


def test_opt_out_for_a_customer_the_store_does_not_have(db: Database) -> None:
    add_demo_customer(db, email="ada@example.com", orders=0)
    with (
        running_store(db, scopes=WRITE) as server,
        client_for(server) as client,
        pytest.raises(CustomerMissing, match=r"no customer with this email.*nothing was changed"),
    ):
        apply_opt_out(client, "nobody@example.com")


def test_opt_out_needs_the_privacy_scope(db: Database) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    scopes = frozenset({"read_customers", "write_customers"})
    with running_store(db, scopes=scopes) as server, client_for(server) as client:
        with pytest.raises(Exception, match="write_privacy_settings"):
            apply_opt_out(client, "ada@example.com")
        assert read_back(client, ada.id).data_sale_opt_out is False
