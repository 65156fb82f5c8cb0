"""Customers and Exports pages against a running demo store and real export jobs: search, export
from a customer profile, review, deliver, revoke — and the store connection test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from lib.core import config as process_config
from lib.core.config import Config
from lib.core.db import Database
from lib.core.models import Delivery, Export, Job, RequestEvent
from lib.dashboard import store_actions
from lib.dashboard.roles import PermissionDenied, Role
from lib.store.demo_data import add_demo_customer
from lib.store.scopes import NEEDED
from tests.dashboard.conftest import actor, page
from tests.helpers.export import run_worker
from tests.helpers.stores import make_store
from tests.store.helpers import TOKEN, config_for, request_row, running_store


@dataclass
class Shop:
    db: Database
    config: Config
    store_id: int


@pytest.fixture
def shop(app_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Shop]:
    """A store with one demo customer (Ada, 3 orders), its demo store running, config pointed at
    it."""
    store = make_store(app_db)
    add_demo_customer(
        app_db, email="ada@example.com", first_name="Ada", last_name="Lovelace", orders=3
    )
    with running_store(app_db) as server:
        config = config_for(server, app_db, tmp_path / "exports")
        monkeypatch.setenv("DEMO_STORE_URL", server.url)
        monkeypatch.setenv("DEMO_STORE_TOKEN", TOKEN)
        monkeypatch.setenv("EXPORT_DIR", str(tmp_path / "exports"))
        monkeypatch.setenv("TOKEN_SECRET", config.token_secret)
        process_config.get_config.cache_clear()
        yield Shop(app_db, config, store.id)


def _export_from_customers_page(shop: Shop) -> str:
    at = page("pages/customers.py", Role.MERCHANT).run()
    at.text_input(key="pd_cu_query").input("ada@example.com").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.subheader[0].value == "Ada Lovelace"
    assert [m.value for m in at.metric][:2] == ["DE", "3"]
    at.button(key="pd_cu_export").click().run()
    assert [s.value for s in at.success] == [
        "Export started for ada@example.com from Demo Shop (demo-shop.myshopify.com)"
    ]
    with shop.db.read() as session:
        job = session.scalars(select(Job).where(Job.kind == "export")).one()
    return job.created_by


def test_merchant_exports_a_customer_then_delivers_and_revokes(shop):
    assert _export_from_customers_page(shop) == "merchant@localhost"
    run_worker(shop.db, shop.config)
    at = page("pages/exports.py", Role.MERCHANT).run()
    assert not at.exception and not at.error
    assert at.dataframe[0].value["status"].tolist() == ["Done"]
    assert at.dataframe[1].value["delivery_state"].tolist() == ["not delivered"]
    assert at.button(key="pd_ex_revoke").disabled
    at.button(key="pd_ex_deliver").click().run()
    at.button(key="pd_dlg_deliver_ok").click().run()
    assert [s.value for s in at.success] == ["Download link sent"]
    with shop.db.read() as session:
        export = session.scalars(select(Export)).one()
    assert request_row(shop.db, export.request_id).status == "delivered"
    assert at.dataframe[1].value["delivery_state"].tolist() == ["sent"]
    at.button(key="pd_ex_revoke").click().run()
    at.button(key="pd_ex_revoke_ok").click().run()
    assert [s.value for s in at.success] == ["Link revoked"]
    with shop.db.read() as session:
        assert session.scalars(select(Delivery)).one().revoked_at is not None


def test_review_download_is_the_package_and_is_audited(shop):
    _export_from_customers_page(shop)
    run_worker(shop.db, shop.config)
    with shop.db.read() as session:
        export = session.scalars(select(Export)).one()
    data = store_actions.package_bytes(shop.db, actor("merchant"), export.id)
    assert data == Path(export.path).read_bytes() and data[:2] == b"PK"
    assert store_actions.passphrase(shop.db, actor("admin"), export.id) is None
    with shop.db.read() as session:
        reasons = session.scalars(
            select(RequestEvent.reason).where(RequestEvent.kind == "download")
        )
        assert "package downloaded for review" in set(reasons)
    with pytest.raises(PermissionDenied):
        store_actions.package_bytes(shop.db, actor("compliance"), export.id)


def test_compliance_sees_exports_read_only(shop):
    _export_from_customers_page(shop)
    run_worker(shop.db, shop.config)
    at = page("pages/exports.py", Role.COMPLIANCE).run()
    assert "for merchants and admins" in at.caption[-1].value
    assert not [b for b in at.button if b.label == "Deliver to customer"]


def test_customer_search_finds_by_name_and_says_when_nothing_matches(shop):
    at = page("pages/customers.py", Role.ADMIN).run()
    at.text_input(key="pd_cu_query").input("Lovelace").run()
    assert at.subheader[0].value == "Ada Lovelace"
    at.text_input(key="pd_cu_query").input("nobody@nowhere.example").run()
    assert "No customer of demo-shop.myshopify.com matches" in at.info[0].value


def test_customer_search_by_phone_and_email_keeps_spaces_inside_the_value(shop):
    merchant = actor("merchant")
    by_phone = store_actions.search_customers(merchant, "+49 30 1234567")
    by_email = store_actions.search_customers(merchant, "ada@example.com")
    assert [c.email for c in by_phone] == [c.email for c in by_email] == ["ada@example.com"]


def test_store_connection_test_lists_granted_and_missing_scopes(shop):
    report = store_actions.test_connection(actor("merchant"), "demo-shop.myshopify.com")
    granted = {line.handle for line in report.lines if line.granted}
    assert granted == {"read_customers", "read_orders", "read_all_orders"}  # the demo default
    assert "write_customer_data_erasure" in {line.handle for line in report.missing}
    at = page("pages/settings.py", Role.MERCHANT).run()
    at.button(key=f"pd_set_store_test_{shop.store_id}").click().run()
    assert at.warning[0].value.startswith("Connected to demo-shop.myshopify.com, but 8 of the 11")
    lines = [m.value for m in at.markdown]
    assert any("`read_orders` granted" in line for line in lines)
    assert any(
        "`write_customer_data_erasure` missing — Erasure requests cannot be passed on" in line
        for line in lines
    )
    assert "protected customer data access" in at.info[0].value and "Level 2" in at.info[0].value


def test_store_connection_test_with_every_scope_granted(shop):
    every = [scope.handle for scope in NEEDED]
    httpx.post(f"{shop.config.demo_store_url}/_demo/scopes", json={"scopes": every}, timeout=5)
    at = page("pages/settings.py", Role.MERCHANT).run()
    at.button(key=f"pd_set_store_test_{shop.store_id}").click().run()
    assert at.success[0].value == (
        "Connected to demo-shop.myshopify.com: all 11 needed scopes are granted."
    )


def test_an_unreachable_store_is_a_clear_error(app_db, monkeypatch):
    make_store(app_db)
    monkeypatch.setenv("DEMO_STORE_URL", "http://127.0.0.1:9")
    process_config.get_config.cache_clear()
    at = page("pages/customers.py", Role.MERCHANT).run()
    at.text_input(key="pd_cu_query").input("ada").run()
    assert "python -m lib store" in at.error[0].value
