"""Every block Shopify holds about a customer, over the real demo store and worker: a customer
with all of them present gets each in the package's CSVs and as a table of index.html; another
customer's gift cards and abandoned checkouts never leak in; hostile text stays inert; what is
not collected is named."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from lib.core.db import Database
from lib.core.models import DemoOrder, Export, Request
from lib.store.demo_data import add_demo_customer
from lib.store.demo_records import add_demo_records
from lib.store.scopes import NEEDED
from tests.conftest import make_store
from tests.helpers.export import click_export, read_package, rows, run_worker
from tests.store.helpers import config_for, open_access_request, running_store

HOSTILE = '=HYPERLINK("http://evil.example")<script>alert(1)</script>\u202e'
ALL_SCOPES = frozenset(s.handle for s in NEEDED) | {"read_own_subscription_contracts"}


def _export_everything(db: Database, tmp_path: Path) -> dict[str, bytes]:
    store = make_store(db)
    ada = add_demo_customer(db, email="ada@example.com", orders=4)
    bob = add_demo_customer(db, email="bob@example.com", orders=1, first_name="Bob")
    with db.read() as session:
        first_order = session.scalars(
            select(DemoOrder.id).where(DemoOrder.customer_id == ada.id).order_by(DemoOrder.id)
        ).first()
    add_demo_records(
        db,
        ada.id,
        metafields=[{"namespace": "loyalty", "key": "tier", "value": "gold"}],
        draft_orders=[{"name": "#D1", "status": "OPEN", "total": "42.00", "currency": "EUR"}],
        store_credit=[
            {
                "balance": "12.50",
                "currency": "EUR",
                "history": [["credit", "20.00", "20.00"], ["debit", "-7.50", "12.50"]],
            }
        ],
        gift_cards=[
            {
                "code": "GIFTABCD1234",
                "initial": "50.00",
                "balance": "20.00",
                "currency": "EUR",
                "expires_on": "2027-12-31",
            }
        ],
        abandoned_checkouts=[
            {
                "total": "89.90",
                "currency": "EUR",
                "items": [[2, "Wool socks"]],
                "discount_codes": ["SPRING"],
            }
        ],
        subscriptions=[{"status": "PAUSED", "currency": "EUR", "next_billing": None}],
        order_attributes=[
            {"order": first_order, "key": "gift_message", "value": "Happy birthday"},
            {"order": first_order, "key": "note", "value": HOSTILE},
        ],
    )
    add_demo_records(
        db,
        bob.id,
        gift_cards=[{"code": "BOBSCARD9999", "initial": "5.00", "balance": "5.00",
                     "currency": "EUR"}],
        abandoned_checkouts=[{"total": "1.00", "currency": "EUR", "items": [[1, "Bob's hat"]]}],
    )  # fmt: skip
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with db.write() as session:
        session.get(Request, request_id).locale = "en"
    with running_store(db, scopes=ALL_SCOPES) as server:
        click_export(db, request_id)
        run_worker(db, config_for(server, db, tmp_path))
    with db.read() as session:
        export = session.scalars(select(Export)).one()
    return read_package(Path(export.path))


def test_a_customer_with_every_block_gets_all_of_them(db: Database, tmp_path: Path) -> None:
    files = _export_everything(db, tmp_path)
    [card] = rows(files["gift_cards.csv"])
    assert (card["last_characters"], card["initial_value"], card["balance"]) == (
        "1234",
        "50.00",
        "20.00",
    )
    assert card["expires_on"] == "2027-12-31" and card["enabled"] == "true"
    [checkout] = rows(files["abandoned_checkouts.csv"])  # not Bob's
    assert (checkout["items"], checkout["discount_codes"], checkout["total"]) == (
        "2 × Wool socks",
        "SPRING",
        "89.90",
    )
    [contract] = rows(files["subscription_contracts.csv"])
    assert contract["subscription_status"] == "PAUSED"
    attributes = [(a["key"], a["value"]) for a in rows(files["order_attributes.csv"])]
    assert attributes == [("gift_message", "Happy birthday"), ("note", "'" + HOSTILE)]
    orders = rows(files["orders.csv"])
    assert {o["shipping_method"] for o in orders} == {"Standard shipping"}
    assert {o["shipping_price"] for o in orders} == {"4.95"}
    refunded = [o for o in orders if o["financial_status"] == "REFUNDED"]
    assert refunded and all(o["return_status"] == "RETURNED" for o in refunded)
    refunds = rows(files["order_refunds.csv"])
    assert sorted(r["order_name"] for r in refunds) == sorted(o["order_name"] for o in refunded)
    assert all(r["amount"] == o["total"] for r, o in zip(refunds, refunded, strict=True))
    history = rows(files["store_credit_history.csv"])
    assert [(h["credit_kind"], h["amount"], h["balance_after"]) for h in history] == [
        ("StoreCreditAccountCreditTransaction", "20.00", "20.00"),
        ("StoreCreditAccountDebitTransaction", "'-7.50", "12.50"),  # formula-safe in the CSV
    ]
    for file in ("metafields.csv", "draft_orders.csv", "store_credit.csv"):
        assert len(rows(files[file])) == 1, file

    html = files["index.html"].decode("utf-8")
    for heading in (
        "Your gift cards",
        "Checkouts you did not complete",
        "Your subscriptions",
        "Details given with your orders",
        "Refunds of your orders",
        "Your draft orders",
        "Your store credit",
        "The history of your store credit",
    ):
        assert f"<h2>{heading}</h2>" in html, heading
    assert "Credit added" in html and "Paid with store credit" in html and "-€7.50" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;[U+202E]" in html
    assert "Wool socks" in html and "Happy birthday" in html and "Paused" in html
    assert "€20.00" in html and "€89.90" in html and "Standard shipping" in html
    assert "Returned" in html and "RETURNED" not in html.split('<section id="files">')[0]
    assert "BOBSCARD" not in html and "9999" not in html and "Bob&#39;s hat" not in html
    missing = html.split('<section id="missing">')[1].split("</section>")[0]
    assert "lacks Shopify" not in missing  # every scope granted: nothing is named for a scope
    for block in ("Gift cards", "Abandoned checkouts", "Subscription contracts", "Draft orders"):
        assert f"<strong>{block}</strong>" not in missing, block
    assert "<strong>The history of your store credit</strong>" not in missing
    for block in ("Metafields of each order", "Refunded items and returned items of each order"):
        assert f"<strong>{block}" in missing and "Privacy Desk does not collect them yet" in missing
