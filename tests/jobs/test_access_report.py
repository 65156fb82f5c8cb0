"""The access package's index.html over the real demo store and worker: the summary names the
shop, the Art. 15 sections are there, Privacy Desk's own records (mails, activity by role), no
`gid://` or raw enum value, hostile store text inert in the HTML and the CSVs, missing blocks
named with their reason, and the orders a `customers/data_request` named."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from lib.core import register
from lib.core.db import Database
from lib.core.enums import Channel, Status
from lib.core.lifecycle import transition
from lib.core.models import DemoOrder, Export, Request, utcnow
from lib.store.demo_data import add_demo_customer
from lib.store.demo_records import add_demo_records
from lib.store.scopes import NEEDED
from tests.helpers.access_report import HOSTILE_TITLE, export_hostile_customer
from tests.helpers.export import click_export, read_package, rows, run_worker
from tests.helpers.stores import make_store
from tests.store.helpers import config_for, open_access_request, post, running_store

RAW_ENUM = re.compile(
    r"\b(PAID|PENDING|REFUNDED|FULFILLED|UNFULFILLED|PARTIALLY_FULFILLED|SUBSCRIBED|"
    r"NOT_SUBSCRIBED|ENABLED|DISABLED)\b"
)


def _visible_text(html: str) -> str:
    """The report without its style sheet and the field-name list (which names columns)."""
    html = re.sub(r"<style>.*?</style>", "", html, flags=re.S)
    return html.split('<section id="files">')[0]


def test_the_report_reads_as_an_answer_with_the_art_15_information(
    sqlite_db: Database, tmp_path: Path
) -> None:
    files, _ = export_hostile_customer(sqlite_db, tmp_path)
    html = files["index.html"].decode("utf-8")
    text = _visible_text(html)
    assert "<title>Your data from Demo Shop</title>" in html  # the shop's name, not its domain
    assert f"3 orders in {utcnow().year}" in text and "Subscribed to email marketing since " in text
    for heading in (
        "Why the shop uses your data",
        "Which data",
        "Who receives your data",
        "Transfers outside the EU and their safeguards",
        "How long it is kept",
        "Where the data comes from",
        "Automated decisions",
        "Where you can complain",
        "Who to contact",
        "Your rights",
    ):
        assert f"<h3>{heading}</h3>" in html, heading
    assert "Shopify International Limited" in html and "owner@demo-shop.test" in html
    assert "Messages sent to you" in html and "get a copy of your data" in html  # the mail's text
    assert "merchant@shop.test" not in html  # staff by role only
    assert "Staff (shop team)" in html and "Being prepared" in html
    assert "gid://" not in html
    assert not RAW_ENUM.search(text), RAW_ENUM.search(text)
    assert "<script" not in html and "<img" not in html  # no script, no external asset
    assert 'http-equiv="Content-Security-Policy" content="default-src \'none\'' in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "\u202e" not in html and "invoice[U+202E]txt.exe" in html
    readme = files["README.txt"].decode("utf-8")
    assert readme.startswith("Your data from Demo Shop") and "- index.html: start here" in readme


def test_hostile_text_stays_data_in_the_csvs(sqlite_db: Database, tmp_path: Path) -> None:
    files, _ = export_hostile_customer(sqlite_db, tmp_path)
    lines = rows(files["order_lines.csv"])
    assert "'" + HOSTILE_TITLE in {line["title"] for line in lines}  # no formula runs
    addresses = rows(files["addresses.csv"])
    assert all(not a["phone"] or a["phone"].startswith("'+") for a in addresses)
    html = files["index.html"].decode("utf-8")
    assert "+49 30 1234567" in html and "'+49" not in html  # reads naturally in the report
    payments = rows(files["order_transactions.csv"])
    assert {p["kind"] for p in payments} >= {"SALE"} and all(p["amount"] for p in payments)
    deliveries = rows(files["order_fulfillments.csv"])
    assert deliveries and all(d["number"].startswith("JD") for d in deliveries)
    assert "<h2>Payments and refunds</h2>" in html and "Shopify Payments" in html
    assert "DHL Express" in html and deliveries[0]["number"] in html
    mails = rows(files["mails.csv"])
    assert [m["purpose"] for m in mails] == ["received"]
    activity = rows(files["activity.csv"])
    assert {a["by"] for a in activity} >= {"customer", "staff:merchant"}


def test_blocks_the_shop_did_not_grant_are_named_with_the_scope(
    sqlite_db: Database, tmp_path: Path
) -> None:
    granted = frozenset(s.handle for s in NEEDED) - {
        "read_draft_orders",
        "read_gift_cards",
        "read_store_credit_accounts",
        "read_store_credit_account_transactions",
    }
    files, _ = export_hostile_customer(sqlite_db, tmp_path, scopes=granted)
    html = files["index.html"].decode("utf-8")
    for block, scope in (
        ("Draft orders", "read_draft_orders"),
        ("Gift cards", "read_gift_cards"),
        ("Store credit", "read_store_credit_accounts"),
        ("Subscription contracts", "read_own_subscription_contracts"),
        ("The history of your store credit", "read_store_credit_account_transactions"),
    ):
        assert (
            f"<strong>{block}</strong>: the shop&#39;s app lacks Shopify&#39;s {scope} access"
            in html
        ), block
    assert "<strong>Abandoned checkouts</strong>" not in html  # read_orders was granted
    for held in ("gift-cards", "subscriptions", "drafts", "credit"):
        assert f'<section id="{held}">' not in html, held


def test_the_orders_a_data_request_named_are_said_found_or_not(
    sqlite_db: Database, tmp_path: Path
) -> None:
    with sqlite_db.read() as session:
        next_order = 1 + (session.scalar(select(DemoOrder.id).order_by(DemoOrder.id.desc())) or 0)
    files, _ = export_hostile_customer(
        sqlite_db, tmp_path, orders_requested=[str(next_order), "99"]
    )
    html = files["index.html"].decode("utf-8")
    assert f"all your orders are included. Found: {next_order}. Not found in the shop: 99." in html


def test_a_reviewed_register_is_what_the_customer_reads_in_their_language(
    sqlite_db: Database, tmp_path: Path
) -> None:
    store = make_store(sqlite_db)
    with sqlite_db.write() as session:
        shop = session.merge(store)
        content = {**register.defaults(shop), "purposes": "Tee verkaufen und liefern."}
        register.save(session, shop, content, "dpo@shop.test", reviewed=True)
    ada = add_demo_customer(sqlite_db, email="jan@example.com", orders=1)
    request_id = open_access_request(
        sqlite_db, store, "jan@example.com", customer_id=str(ada.id), channel=Channel.LOGGED_IN
    )
    with sqlite_db.write() as session:
        request = session.get(Request, request_id)
        request.locale = "de"
        transition(session, request, Status.IN_PROGRESS, actor="merchant@shop.test")
        transition(session, request, Status.VERIFIED, actor="merchant@shop.test")
    with running_store(sqlite_db) as server:
        click_export(sqlite_db, request_id)
        run_worker(sqlite_db, config_for(server, sqlite_db, tmp_path))
    with sqlite_db.read() as session:
        export = session.scalars(select(Export)).one()
    html = read_package(Path(export.path))["index.html"].decode("utf-8")
    assert '<html lang="de" dir="ltr">' in html
    assert "<h3>Wofür der Shop Ihre Daten nutzt</h3>" in html
    assert "Tee verkaufen und liefern." in html
    assert f"1 Bestellung im Jahr {utcnow().year}" in html and "Staff" not in _visible_text(html)


def test_metafields_draft_orders_and_store_credit_are_in_the_package(
    db: Database, tmp_path: Path
) -> None:
    store = make_store(db)
    ada = add_demo_customer(db, email="ada@example.com", orders=1)
    add_demo_records(
        db,
        ada.id,
        metafields=[{"namespace": "loyalty", "key": "tier", "value": "=gold"}],
        draft_orders=[
            {"name": "#D1", "status": "INVOICE_SENT", "total": "42.00", "currency": "EUR"}
        ],
        store_credit=[{"balance": "12.50", "currency": "EUR"}],
    )
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with db.write() as session:
        session.get(Request, request_id).locale = "en"
    granted = frozenset(s.handle for s in NEEDED)
    with running_store(db, scopes=granted) as server:
        click_export(db, request_id)
        run_worker(db, config_for(server, db, tmp_path))
    with db.read() as session:
        export = session.scalars(select(Export)).one()
    files = read_package(Path(export.path))
    assert rows(files["metafields.csv"]) == [
        {"namespace": "loyalty", "key": "tier", "type": "single_line_text_field",
         "value": "'=gold", "updated_at": rows(files["metafields.csv"])[0]["updated_at"]}
    ]  # fmt: skip
    [draft] = rows(files["draft_orders.csv"])
    assert (draft["name"], draft["draft_status"], draft["total"]) == (
        "#D1",
        "INVOICE_SENT",
        "42.00",
    )
    assert [r["balance"] for r in rows(files["store_credit.csv"])] == ["12.50"]
    html = files["index.html"].decode("utf-8")
    for heading in ("Your draft orders", "Your store credit", "Other fields the shop keeps"):
        assert f"<h2>{heading}" in html, heading
    assert "Invoice sent" in html and "€42.00" in html and "€12.50" in html and "=gold" in html
    assert "<strong>Draft orders</strong>" not in html  # held, so not listed as missing


def test_a_block_the_shop_refuses_is_named_and_the_package_still_made(
    sqlite_db: Database, tmp_path: Path
) -> None:
    store = make_store(sqlite_db)
    ada = add_demo_customer(sqlite_db, email="ada@example.com", orders=2)
    add_demo_records(sqlite_db, ada.id, metafields=[{"namespace": "a", "key": "b", "value": "c"}])
    request_id = open_access_request(sqlite_db, store, "ada@example.com", customer_id=str(ada.id))
    with sqlite_db.write() as session:
        session.get(Request, request_id).locale = "en"
    with running_store(sqlite_db) as server:
        post(server, "/_demo/faults", {"max_cost": 200})  # the metafields page asks for ~250
        click_export(sqlite_db, request_id)
        run_worker(sqlite_db, config_for(server, sqlite_db, tmp_path))
    with sqlite_db.read() as session:
        export = session.scalars(select(Export)).one()
    files = read_package(Path(export.path))
    assert rows(files["metafields.csv"]) == [] and len(rows(files["orders.csv"])) == 2
    html = files["index.html"].decode("utf-8")
    assert (
        "<strong>Metafields (extra fields kept by the shop&#39;s apps)</strong>: the shop did not "
        "give them when asked" in html
    )
