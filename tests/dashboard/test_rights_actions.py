"""Staff actions for corrections, opt-outs and appeals: the diff preview against the live demo
store, role checks, and decisions that reach Shopify through the real worker."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lib.core import config
from lib.core.appeals import open_appeal
from lib.core.db import Database
from lib.core.enums import RejectionCode, RequestType, Status
from lib.core.lifecycle import reject
from lib.core.models import DemoCustomer, Request, Store, utcnow
from lib.dashboard import rights_actions as ra
from lib.dashboard.actions import ActionError
from lib.dashboard.roles import Actor, PermissionDenied, Role
from lib.jobs.handlers import job_handlers
from lib.jobs.worker import Worker
from lib.store.demo_data import add_demo_customer
from tests.helpers.requests import open_test_row
from tests.helpers.stores import make_store
from tests.store.helpers import TOKEN, running_store

WRITE = frozenset({"read_customers", "read_orders", "write_customers", "write_privacy_settings"})
MERCHANT = Actor("mia@shop.test", Role.MERCHANT)
COMPLIANCE = Actor("olga@shop.test", Role.COMPLIANCE)
ANALYST = Actor("ann@shop.test", Role.ANALYST)


def _request(db: Database, store: Store, kind: RequestType, customer: int, **kw) -> int:
    state, regime = kw.pop("state", "CA"), kw.pop("regime", None)
    return open_test_row(db, store, kind=kind, country="US", subdivision=state, regime=regime,
                         customer_id=str(customer), asks=("Typo in my name", kw) if kw else None,
                         ).id  # fmt: skip


def test_preview_apply_and_role_checks(
    app_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store(app_db)
    ada = add_demo_customer(app_db, email="ada@example.com", orders=0)
    rid = _request(
        app_db, store, RequestType.CORRECTION, ada.id, last_name="Byron", first_name="Ada"
    )
    with running_store(app_db, scopes=WRITE) as server:
        monkeypatch.setenv("DEMO_STORE_URL", server.url)
        monkeypatch.setenv("DEMO_STORE_TOKEN", TOKEN)
        monkeypatch.setenv("EXPORT_DIR", str(tmp_path))
        config.get_config.cache_clear()
        preview = ra.correction_preview(app_db, ANALYST, rid)
        assert preview.statement == "Typo in my name"
        assert [(r.label, r.current, r.asked, r.changes) for r in preview.rows] == [
            ("First name", "Ada", "Ada", False),
            ("Last name", "Lovelace", "Byron", True),
        ]
        with pytest.raises(PermissionDenied):
            ra.apply_correction(app_db, ANALYST, rid, {"last_name": "Lovelace"})
        with pytest.raises(PermissionDenied):  # refusing a field is compliance's decision
            ra.apply_correction(
                app_db, MERCHANT, rid, {"last_name": "Lovelace"}, {"first_name": "same"}
            )
        with pytest.raises(ActionError, match="did not ask to change: phone"):
            ra.apply_correction(app_db, MERCHANT, rid, {"phone": None})
        ra.apply_correction(app_db, MERCHANT, rid, {"last_name": "Lovelace"})
        Worker(app_db, job_handlers(config.get_config())).run_once()
        after = ra.correction_preview(app_db, ANALYST, rid)
    assert after.outcome == {"last_name": {"applied": True, "old": "Lovelace", "new": "Byron"}}
    with app_db.read() as session:
        assert session.get_one(Request, rid).status == Status.COMPLETED
        assert session.get_one(DemoCustomer, ada.id).last_name == "Byron"


def test_opt_out_action_needs_a_verified_opt_out(app_db: Database) -> None:
    store = make_store(app_db)
    ada = add_demo_customer(app_db, email="ada@example.com", orders=0)
    access = _request(app_db, store, RequestType.ACCESS, ada.id)
    with pytest.raises(ActionError, match="is not an opt-out request"):
        ra.apply_opt_out(app_db, MERCHANT, access)
    with pytest.raises(PermissionDenied):
        ra.apply_opt_out(app_db, COMPLIANCE, access)


def test_appeal_view_and_decision_by_another_officer(app_db: Database) -> None:
    store = make_store(app_db)
    ada = add_demo_customer(app_db, email="ada@example.com", orders=0)
    rid = _request(app_db, store, RequestType.OPT_OUT, ada.id, state="VA", regime="us_state")
    with app_db.write() as session:
        refused = session.get_one(Request, rid)
        reject(session, refused, actor=COMPLIANCE.email, code=RejectionCode.OTHER, text="Fraud.")
        appeal_id = open_appeal(
            session, refused, fingerprint="d" * 64, at=utcnow() + timedelta(minutes=1)
        ).id
    view = ra.appeal_view(app_db, ANALYST, appeal_id)
    assert (view.refused_type, view.refused_by, view.refusal, view.state) == (
        "opt_out",
        COMPLIANCE.email,
        "Fraud.",
        "VA",
    )
    assert "oag.state.va.us" in view.attorney_general.url
    with pytest.raises(ActionError, match="someone other than the person who refused"):
        ra.decide_appeal(app_db, COMPLIANCE, appeal_id, grant=False, reason="No.")
    with pytest.raises(PermissionDenied):
        ra.decide_appeal(app_db, MERCHANT, appeal_id, grant=True, reason="Yes.")
    other = Actor("otto@shop.test", Role.COMPLIANCE)
    outcome = ra.decide_appeal(app_db, other, appeal_id, grant=True, reason="Not fraud after all.")
    assert outcome.granted and outcome.reopened and outcome.attorney_general is None
    with app_db.read() as session:
        assert session.get_one(Request, appeal_id).status == Status.COMPLETED
