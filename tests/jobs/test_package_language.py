"""The export package speaks the customer's language: the request's, else the customer's Admin
API `locale`, else the shop's (README.txt; later mails follow the language the export found)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from lib.core.db import Database
from lib.core.models import DemoCustomer, Export, Request
from lib.core.settings import set_setting
from lib.store.demo_data import add_demo_customer
from tests.helpers.export import click_export, read_package, run_worker
from tests.helpers.stores import make_store
from tests.store.helpers import config_for, open_access_request, running_store

DUTCH = (
    "Uw gegevens van Demo Shop",  # the shop by its name, not its myshopify domain
    "Dit pakket beantwoordt uw verzoek DSR-",
    "Wat elk bestand bevat",
    "- orders.csv: één regel per bestelling: bestelnummer, datums, betaal- en",
    "Ontbreekt er iets of klopt er iets niet?",
)


def _export(db: Database, tmp_path: Path, customer_locale: str, request_locale: str | None):
    store = make_store(db)
    name = ("Bram", "van der Berg-Ünal")
    zoe = add_demo_customer(
        db, email="bram@example.com", orders=2, first_name=name[0], last_name=name[1]
    )
    with db.write() as session:
        session.get_one(DemoCustomer, zoe.id).locale = customer_locale
    request_id = open_access_request(db, store, "bram@example.com", customer_id=str(zoe.id))
    with db.write() as session:
        session.get_one(Request, request_id).locale = request_locale
    with running_store(db) as server:
        click_export(db, request_id)
        run_worker(db, config_for(server, db, tmp_path))
    with db.read() as session:
        export = session.scalars(select(Export)).one()
        locale = session.get_one(Request, request_id).locale
    return read_package(Path(export.path)), locale


def test_a_dutch_customer_s_package_readme_is_in_dutch(sqlite_db: Database, tmp_path: Path) -> None:
    files, locale = _export(sqlite_db, tmp_path, customer_locale="nl", request_locale=None)
    readme = files["README.txt"].decode("utf-8")
    for line in DUTCH:
        assert line in readme, readme
    assert "What each file holds" not in readme
    assert json.loads(files["manifest.json"])["language"] == "nl"
    assert locale == "nl"  # the request now knows: the download mail will be Dutch too
    customer = json.loads(files["customer.json"])
    assert customer["lastName"] == "van der Berg-Ünal"  # names stay as written (UTF-8)
    report = files["index.html"].decode("utf-8")  # the readable report, in Dutch too
    assert '<html lang="nl"' in report and "van der Berg-Ünal" in report
    for heading in ("In het kort", "Wat de winkel met uw gegevens doet", "Uw bestellingen"):
        assert heading in report
    assert "What the shop does with your data" not in report


def test_the_request_s_language_wins_over_the_account_s(
    sqlite_db: Database, tmp_path: Path
) -> None:
    files, locale = _export(sqlite_db, tmp_path, customer_locale="nl", request_locale="da")
    assert "Dine data fra Demo Shop" in files["README.txt"].decode("utf-8")
    assert locale == "da"


def test_without_any_language_the_shop_s_is_used(sqlite_db: Database, tmp_path: Path) -> None:
    with sqlite_db.write() as session:
        set_setting(session, "shop_language", "pl", "admin@shop.test")
    files, _locale = _export(sqlite_db, tmp_path, customer_locale="xx", request_locale=None)
    assert "Twoje dane ze sklepu Demo Shop" in files["README.txt"].decode("utf-8")
