"""The demo store's own data: customers, orders, line items and their other blocks (metafields,
draft orders, store credit), seeded once per installation.

Customers follow the shops' country mix with the names, streets and phone numbers of their
country (and a share of right-to-left, emoji and combining-mark names); orders are spread over
each customer's life, with a few heavy buyers and `HEAVY_EMAIL` with exactly `HEAVY_ORDERS`.
"""

from __future__ import annotations

import json
import random
import sys
import unicodedata
from typing import Any

import numpy as np
from sqlalchemy import func, select, text

from lib.core.db import Database
from lib.core.demo.clock import DAY, MINUTE, fmt
from lib.core.demo.shops import StoreRef
from lib.core.demo.world import (
    EMAIL_DOMAINS,
    HEAVY_EMAIL,
    HEAVY_ORDERS,
    PRODUCTS,
    SHOPIFY_IDS,
    SPECIAL_NAMES,
    STORES,
    WORLD,
    customers_for,
    words,
)
from lib.core.demo.writers import insert_rows
from lib.core.models import DemoCustomer, DemoOrder

CUSTOMER_COLUMNS = words(
    "id shop_domain first_name last_name email phone country province city address1 zip "
    "tags note accepts_marketing locale created_at"
)
ORDER_COLUMNS = words(
    "id customer_id name created_at financial_status fulfillment_status currency "
    "total_price shipping_city shipping_address1 shipping_zip shipping_country"
)
LINE_ITEM_COLUMNS = ("id", "order_id", "title", "sku", "quantity", "price")
RECORD_COLUMNS = ("id", "customer_id", "kind", "created_at", "payload")


def _slug(value: str) -> str:
    """An email-safe ASCII form of a name ('Jürgen' → 'jurgen')."""
    value = value.replace("ß", "ss").replace("ł", "l").replace("Ł", "L").replace("ø", "o")
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def _zip_code(country: str, rnd: random.Random) -> str:
    d = rnd.randrange
    formats = {
        "IE": f"D{d(1, 25):02d} X{d(100, 999)}",
        "NL": f"{d(1000, 9999)} {rnd.choice('ABKLMX')}Z",
        "PL": f"{d(10, 99)}-{d(100, 999)}",
        "SE": f"{d(100, 999)} {d(10, 99)}",
        "GB": f"SW{d(1, 20)} {d(1, 9)}AA",
        "BR": f"{d(10000, 99999)}-{d(100, 999)}",
        "CA": f"H{d(1, 9)}A {d(1, 9)}B{d(1, 9)}",
        "AU": f"{d(2000, 7999)}",
        "JP": f"{d(100, 999)}-{d(1000, 9999)}",
    }
    return formats.get(country, f"{d(10000, 99999)}")


def ensure_store_data(
    db: Database, stores: list[StoreRef], requests: int, seed: int, now_us: int, progress: bool
) -> tuple[int, int, int]:
    """Seed customers, orders and line items unless the demo shops have customers already."""
    domains = [ref.spec.domain for ref in stores]
    with db.read() as session:
        existing = session.scalar(
            select(func.count())
            .select_from(DemoCustomer)
            .where(DemoCustomer.shop_domain.in_(domains))
        )
        next_ids = {
            "customer": session.scalar(select(func.max(DemoCustomer.id))),
            "order": session.scalar(select(func.max(DemoOrder.id))),
            "line_item": session.scalar(text("SELECT MAX(id) FROM demo_line_items")),
        }
    if existing:
        return 0, 0, 0
    ids = {
        k: max(first, (next_ids[k] or 0) + 1) for k, first in SHOPIFY_IDS.items() if k in next_ids
    }
    if progress:
        print(f"seeding the demo store: {customers_for(requests):,} customers …", file=sys.stderr)
    customers, orders, items = store_rows(
        customers_for(requests), seed, now_us, ids, "" if db.is_sqlite else "+00"
    )
    with db.read() as session:
        first_record = (session.scalar(text("SELECT MAX(id) FROM demo_records")) or 0) + 1
    records = record_rows(customers, seed, max(first_record, SHOPIFY_IDS["record"]))
    with db.write_connection() as conn, conn.begin():
        insert_rows(conn, "demo_customers", CUSTOMER_COLUMNS, customers)
        insert_rows(conn, "demo_orders", ORDER_COLUMNS, orders)
        insert_rows(conn, "demo_line_items", LINE_ITEM_COLUMNS, items)
        insert_rows(conn, "demo_records", RECORD_COLUMNS, records)
    return len(customers), len(orders), len(items)


def record_rows(
    customers: list[tuple[Any, ...]], seed: int, first_id: int
) -> list[tuple[Any, ...]]:
    """The customers' other blocks (`demo_records`): a loyalty metafield for every third
    customer, a draft order for every eighth, store credit for every sixth, a gift card for every
    tenth, an abandoned checkout for every seventh, a subscription contract for every twelfth,
    all of them for the heavy buyer. Drawn from random streams of their own (the later blocks
    from a second one, so the first blocks' values stay as they were)."""
    rnd = random.Random(f"demo-store-records/{seed}")
    more = random.Random(f"demo-store-records-2/{seed}")
    rows: list[tuple[Any, ...]] = []
    for index, customer in enumerate(customers):
        number, created, currency = customer[0], customer[-1], WORLD[customer[6]].currency
        blocks: list[tuple[str, dict[str, Any]]] = []
        if index % 3 == 0:
            tier = rnd.choice(("bronze", "silver", "gold"))
            blocks.append(("metafield", {"namespace": "loyalty", "key": "tier", "value": tier}))
        if index % 8 == 0:
            total = f"{rnd.randrange(1500, 25000) / 100:.2f}"
            status = rnd.choice(("OPEN", "INVOICE_SENT", "COMPLETED"))
            blocks.append(
                ("draft_order", {"name": f"#D{index + 1}", "status": status, "total": total,
                                 "currency": currency})
            )  # fmt: skip
        if index % 6 == 0:
            balance = f"{rnd.randrange(500, 5000) / 100:.2f}"
            history = [["credit", balance, balance]]  # one credit: the balance
            blocks.append(
                ("store_credit", {"balance": balance, "currency": currency, "history": history})
            )
        if index % 10 == 0:
            initial = more.choice((25, 50, 100))
            card = {"code": f"{more.getrandbits(48):012X}", "initial": f"{initial:.2f}",
                    "balance": f"{more.randrange(0, initial * 100) / 100:.2f}",
                    "currency": currency}  # fmt: skip
            blocks.append(("gift_card", card))
        if index % 7 == 0:
            total = f"{more.randrange(1500, 25000) / 100:.2f}"
            items = [[more.randint(1, 3), more.choice(PRODUCTS)[0]]]
            blocks.append(("abandoned_checkout", {"total": total, "currency": currency,
                                                  "items": items}))  # fmt: skip
        if index % 12 == 0:
            status = more.choice(("ACTIVE", "ACTIVE", "PAUSED", "CANCELLED"))
            blocks.append(("subscription", {"status": status, "currency": currency}))
        for kind, payload in blocks:
            rows.append((first_id + len(rows), number, kind, created, json.dumps(payload)))
    return rows


def store_rows(
    count: int, seed: int, now_us: int, ids: dict[str, int], suffix: str
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """`count` customers with their orders and line items, as rows in the columns above."""
    rnd = random.Random(f"demo-store/{seed}")
    rng = np.random.default_rng([seed, 0xC0FFEE])
    emails: set[str] = set()
    customers, created = [], []
    for index in range(count):
        spec = STORES[0] if index == 0 or rnd.random() < STORES[0].share else STORES[1]
        country, province, _w = rnd.choices(spec.countries, [c[2] for c in spec.countries])[0]
        place = WORLD[country]
        if index == 0:
            first, last, country, province = "Hedwig", "Käufer", "DE", None
        elif index <= len(SPECIAL_NAMES):  # each at least once, whatever the size
            first, last = SPECIAL_NAMES[index - 1]
        elif rnd.random() < 0.04:
            first, last = rnd.choice(SPECIAL_NAMES)
        else:
            first, last = rnd.choice(place.first_names), rnd.choice(place.last_names)
        if index == 0:
            email = HEAVY_EMAIL
        else:
            local = ".".join(p for p in (_slug(first), _slug(last)) if p) or "customer"
            domain = rnd.choice(EMAIL_DOMAINS)
            email = f"{local}@{domain}"
            while email in emails:
                email = f"{local}{rnd.randrange(1, 10_000)}@{domain}"
        emails.add(email)
        place = WORLD[country]
        cities = [c for c in place.cities if province is None or c[1] == province]
        city, city_province = rnd.choice(cities or place.cities)
        since = now_us - rnd.randrange(30 * DAY, 6 * 365 * DAY)
        number = f"{place.phone} {rnd.randrange(1_000_000, 9_999_999)}"
        phone = None if rnd.random() < 0.12 else number
        tags = rnd.choice(("", "", "", "vip", "newsletter", "wholesale", "vip, newsletter"))
        note = rnd.choice(
            (None,) * 12
            + ("Bitte klingeln 🔔", "Leave at the back door", "Prefers contact by phone")
        )
        street = f"{rnd.choice(place.streets)} {rnd.randrange(1, 200)}"
        customers.append(
            (ids["customer"] + index, spec.domain, first, last, email, phone, country,
             province or city_province, city, street, _zip_code(country, rnd), tags, note,
             rnd.random() < 0.4, place.locale, fmt(since) + suffix)
        )  # fmt: skip
        created.append(since)
    # Orders: most customers 0-30, a few heavy ones, the heavy buyer exactly HEAVY_ORDERS.
    counts = np.where(rng.random(count) < 0.2, 0, np.minimum(rng.geometric(0.2, count), 30))
    heavy = rng.choice(np.arange(1, count), size=min(4, count - 1), replace=False)
    counts[heavy] = rng.integers(120, 400, len(heavy))
    counts[0] = HEAVY_ORDERS
    owner = np.repeat(np.arange(count), counts)
    placed_from = np.asarray(created, dtype=np.int64)[owner]
    at = placed_from + (rng.random(len(owner)) * (now_us - MINUTE - placed_from)).astype(np.int64)
    order = np.lexsort((owner, at))  # ids and names follow time, as in a shop
    owner, at = owner[order], at[order]
    items_per = rng.integers(1, 6, len(owner))
    item_order = np.repeat(np.arange(len(owner)), items_per)
    product = rng.integers(0, len(PRODUCTS), len(item_order))
    qty = rng.choice([1, 1, 1, 2, 2, 3], len(item_order))
    base_cents = np.asarray([p[2] for p in PRODUCTS])[product]
    cents = (base_cents * rng.choice([1.0, 1.0, 0.9, 0.8], len(item_order))).astype(np.int64)
    totals = np.bincount(item_order, weights=qty * cents, minlength=len(owner)).astype(np.int64)
    totals += rng.choice([0, 490, 990], len(owner))
    financial = rng.choice(
        ["paid"] * 17 + ["refunded", "partially_refunded", "pending"], len(owner)
    ).tolist()
    fulfillment = rng.choice(["fulfilled"] * 8 + ["unfulfilled", "partial"], len(owner)).tolist()
    names: dict[str, int] = {}
    orders = []
    for k, (who, when, total) in enumerate(
        zip(owner.tolist(), at.tolist(), totals.tolist(), strict=True)
    ):
        cust = customers[who]
        shop = cust[1]
        names[shop] = names.get(shop, 1000) + 1
        orders.append(
            (ids["order"] + k, cust[0], f"#{names[shop]}", fmt(when) + suffix, financial[k],
             fulfillment[k], WORLD[cust[6]].currency, f"{total / 100:.2f}", cust[8], cust[9],
             cust[10], cust[6])
        )  # fmt: skip
    items = [
        (ids["line_item"] + k, ids["order"] + o, PRODUCTS[p][0], f"{PRODUCTS[p][1]}-{p:02d}", q,
         f"{c / 100:.2f}")
        for k, (o, p, q, c) in enumerate(
            zip(item_order.tolist(), product.tolist(), qty.tolist(), cents.tolist(), strict=True)
        )
    ]  # fmt: skip
    return customers, orders, items
