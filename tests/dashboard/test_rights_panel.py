"""The request page's correction and appeal panels (AppTest): the live diff, Apply in Shopify
queues the ticked field, an unticked one needs its reason; an appeal is decided on the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lib.core import config
from lib.core.appeals import open_appeal
from lib.core.db import Database
from lib.core.enums import RejectionCode, RequestType, Status
from lib.core.lifecycle import reject
from lib.core.models import Job, Request
from lib.dashboard.roles import Role
from lib.store.demo_data import add_demo_customer
from tests.dashboard.conftest import page
from tests.helpers.requests import open_test_row
from tests.helpers.stores import make_store
from tests.store.helpers import TOKEN, running_store

WRITE = frozenset({"read_customers", "read_orders", "write_customers", "write_privacy_settings"})


def _open(db: Database, kind: RequestType, customer: int, **kw) -> tuple[int, str]:
    request = open_test_row(db, make_store(db), kind=kind, country="US", subdivision="VA",
                            customer_id=str(customer), regime="us_state",
                            asks=("Fix please", kw) if kw else None)  # fmt: skip
    return request.id, request.reference


def test_correction_panel_diff_and_apply(
    app_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = add_demo_customer(app_db, email="ada@example.com", orders=0)
    rid, ref = _open(app_db, RequestType.CORRECTION, ada.id, last_name="Byron", city="Paris")
    with running_store(app_db, scopes=WRITE) as server:
        monkeypatch.setenv("DEMO_STORE_URL", server.url)
        monkeypatch.setenv("DEMO_STORE_TOKEN", TOKEN)
        monkeypatch.setenv("EXPORT_DIR", str(tmp_path))
        config.get_config.cache_clear()
        at = page("pages/request_detail.py", Role.ADMIN, ref=ref).run()
        boxes = {b.key: b.label for b in at.checkbox}
        assert boxes["pd_rt_apply_last_name"] == "**Last name**: store has Lovelace → asked Byron"
        at.checkbox(key="pd_rt_apply_city").uncheck().run()
        at.button(key="pd_rt_apply").click().run()
        assert "Give the reason for refusing: City" in at.error[0].value
        at.text_input(key="pd_rt_why_city").input("We deliver to Berlin.").run()
        at.button(key="pd_rt_apply").click().run()
        assert at.success and "Correction queued" in at.success[0].value
    with app_db.read() as session:
        job = session.scalars(select(Job).where(Job.request_id == rid)).one()
    assert job.kind == "correction"
    assert (job.payload["apply"], job.payload["refuse"]) == (
        {"last_name": "Lovelace"},
        {"city": "We deliver to Berlin."},
    )


def test_appeal_panel_denies_with_reasons(app_db: Database) -> None:
    ada = add_demo_customer(app_db, email="ada@example.com", orders=0)
    rid, _ = _open(app_db, RequestType.ACCESS, ada.id)
    with app_db.write() as session:
        refused = session.get_one(Request, rid)
        reject(session, refused, actor="alice@shop.test", code=RejectionCode.EXCESSIVE)
        appeal = open_appeal(session, refused, fingerprint="e" * 64)
        appeal_id, ref = appeal.id, appeal.reference
    at = page("pages/request_detail.py", Role.COMPLIANCE, ref=ref).run()
    assert any("oag.state.va.us" in c.value for c in at.caption)
    at.text_input(key="pd_rt_appeal_reason").input("The request repeats last week's.").run()
    at.button(key="pd_rt_appeal_deny").click().run()
    assert at.success and at.success[0].value == "Appeal denied."
    with app_db.read() as session:
        row = session.get_one(Request, appeal_id)
        assert (row.status, row.rejection_text) == (
            Status.REJECTED,
            "The request repeats last week's.",
        )
