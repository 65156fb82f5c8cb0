"""The request page carries the access workflow: the package (summary, review, delivery to a named
recipient), the guard against closing over a running export, the UK clock stop, and reasons that
must not be empty."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lib.core import config
from lib.core.db import Database
from lib.core.enums import Channel, JobStatus, RequestType, Status
from lib.core.lifecycle import NewRequest, open_request
from lib.core.models import Job, Request
from lib.dashboard.roles import Role
from lib.jobs.exports import request_export
from lib.jobs.handlers import job_handlers
from lib.jobs.worker import Worker
from lib.store.demo_data import add_demo_customer
from tests.dashboard.conftest import Seeded, page
from tests.store.helpers import TOKEN, running_store


def _detail(seeded: Seeded, name: str, role: Role):
    return page("pages/request_detail.py", role, ref=seeded.refs[name]).run()


def _request(db: Database, request_id: int) -> Request:
    with db.read() as session:
        return session.get(Request, request_id)


def test_an_empty_extension_reason_extends_nothing(seeded: Seeded) -> None:
    at = _detail(seeded, "verified", Role.COMPLIANCE)
    at.button(key="pd_act_extend").click().run()
    at.button(key="pd_dlg_extend_ok").click().run()
    assert not at.success
    assert at.session_state["pd_dlg_extend_error"].startswith("Give the reason")
    assert _request(seeded.db, seeded.id("verified")).extended_due_on is None


def test_compliance_stops_and_restarts_the_uk_clock(seeded: Seeded) -> None:
    with seeded.db.write() as session:
        uk = open_request(
            session,
            NewRequest(
                seeded.store, RequestType.ACCESS, Channel.LOGGED_IN, "uk@example.com", country="GB"
            ),
            actor="customer",
        )
        seeded.refs["uk"] = uk.reference
        assert uk.regime == "uk_gdpr"
    at = _detail(seeded, "uk", Role.COMPLIANCE)
    at.button(key="pd_act_pause").click().run()
    at.text_area(key="pd_dlg_pause_reason").input("Asked for the order number")
    at.button(key="pd_dlg_pause_ok").click().run()
    assert [s.value for s in at.success] == ["Clock stopped"]
    assert _request(seeded.db, uk.id).paused_since is not None
    assert "Clock stopped" in [m.label for m in at.metric]
    assert any("stopped the clock" in m.value for m in at.tabs[0].markdown)
    at.button(key="pd_act_resume").click().run()
    assert [s.value for s in at.success] == ["Clock restarted"]
    assert _request(seeded.db, uk.id).paused_since is None
    gdpr = _detail(seeded, "verified", Role.COMPLIANCE)  # only UK GDPR stops the clock
    assert "pd_act_pause" not in [b.key for b in gdpr.button]


def test_closing_over_a_running_export_asks_to_cancel_it_first(seeded: Seeded) -> None:
    at = _detail(seeded, "verified", Role.ADMIN)
    at.button(key="pd_act_export").click().run()
    assert seeded.status("verified") == "in_progress"
    at.button(key="pd_act_close").click().run()
    assert "Cancel the export first" in at.warning[0].value
    assert "pd_dlg_close_ok" not in [b.key for b in at.button]
    at.button(key="pd_dlg_close_cancel_export").click().run()
    assert [s.value for s in at.success] == ["Export cancelled"]
    assert seeded.status("verified") == "verified"
    with seeded.db.read() as session:
        job = session.scalars(select(Job)).one()
    assert job.status == JobStatus.FAILED and job.last_error.startswith("cancelled by")


@pytest.fixture
def exported(seeded: Seeded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Seeded:
    """A verified access request of a demo customer, exported by a real worker."""
    db = seeded.db
    ada = add_demo_customer(db, email="ada@example.com", orders=3, first_name="Ada",
                            last_name="Lovelace")  # fmt: skip
    with db.write() as session:
        request = open_request(
            session,
            NewRequest(
                seeded.store,
                RequestType.ACCESS,
                Channel.LOGGED_IN,
                "ada@example.com",
                name="Ada Lovelace",
                customer_id=str(ada.id),
            ),
            actor="customer",
        )
        seeded.refs["ada"] = request.reference
        request_export(session, request, "merchant@shop.example")
    with running_store(db) as server:
        monkeypatch.setenv("DEMO_STORE_URL", server.url)
        monkeypatch.setenv("DEMO_STORE_TOKEN", TOKEN)
        monkeypatch.setenv("EXPORT_DIR", str(tmp_path))
        config.get_config.cache_clear()
        Worker(db, job_handlers(config.get_config())).run_once()
    assert seeded.status("ada") == Status.READY_FOR_REVIEW
    return seeded


def test_the_merchant_reviews_and_delivers_from_the_request_page(exported: Seeded) -> None:
    at = _detail(exported, "ada", Role.MERCHANT)
    reference = exported.refs["ada"]
    (title,) = [h.value for h in at.subheader if h.value.startswith("Package")]
    assert title.startswith(f"Package {reference} of ")
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Files"]) >= 5 and int(metrics["Rows"].replace(",", "")) > 0
    assert {b.label for b in at.button} >= {"Deliver to customer…", "Revoke link"}
    assert at.button(key="pd_pk_revoke").disabled
    assert at.button(key="pd_act_export").label == "Export again"
    at.button(key="pd_pk_deliver").click().run()
    (text,) = [m.value for m in at.markdown if "gets a mail" in m.value]
    assert "Ada Lovelace <ada@example.com>" in text.replace("\\", "")
    assert "3 downloads" in text and "days" in text
    assert "pd_dlg_deliver_cancel" in [b.key for b in at.button]
    at.button(key="pd_dlg_deliver_ok").click().run()
    assert [s.value for s in at.success] == ["Download link sent"]
    assert exported.status("ada") == Status.DELIVERED
    assert any("downloaded 0 times of 3" in c.value for c in at.caption)
    assert not at.button(key="pd_pk_revoke").disabled


def test_a_package_whose_request_is_completed_says_why_it_cannot_be_delivered(
    exported: Seeded,
) -> None:
    with exported.db.write() as session:
        request = session.get(Request, exported.id("ada"))
        request.status = Status.COMPLETED  # as after the customer's first download
    at = _detail(exported, "ada", Role.MERCHANT)
    deliver = at.button(key="pd_pk_deliver")
    assert deliver.disabled
    assert deliver.help == "The customer has downloaded this package; the request is completed."
