"""Request types per store: off by default except data export; switched on, the storefront
shows *Delete My Data* and takes an erasure request (logged in: one click; guest: verify link);
a type the store does not offer is refused and stores nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lib.core import request_types
from lib.core.models import Request, RequestEvent, Store
from lib.core.request_types import RequestTypeError
from tests.intake.conftest import Intake, sqlite_only, verify_link
from tests.mail.smtp_sink import text_part


def _offer(intake: Intake, *types: str) -> None:
    with intake.db.write() as session:
        store = session.scalars(select(Store)).one()
        request_types.set_offered(session, store, types, actor="admin@shop")


@sqlite_only
def test_only_data_export_until_the_store_switches_erasure_on(intake: Intake) -> None:
    page = intake.http.get(intake.page_url("101"))
    assert "Delete My Data" not in page.text
    refused = intake.http.post(intake.page_url("101"), data={"type": "erasure"})
    assert refused.status_code == 403 and "does not take this kind" in refused.text
    api = intake.http.post(intake.api_url("requests", "101"), json={"type": "erasure"})
    assert api.status_code == 403
    assert intake.requests() == []


@sqlite_only
def test_a_logged_in_customer_asks_for_erasure_in_one_click(intake: Intake) -> None:
    _offer(intake, "access", "erasure")
    page = intake.http.get(intake.page_url("101"))
    assert 'value="erasure">Delete My Data</button>' in page.text
    done = intake.http.post(intake.page_url("101"), data={"type": "erasure"})
    assert done.status_code == 200 and "delete your data has been received" in done.text
    [request] = intake.requests()
    assert (request.type, request.status) == ("erasure", "verified")
    assert intake.deliver() >= 1
    received = [m for m in intake.outbox() if m.template == "received"]
    assert received and "what happens and when" in received[0].text_body


@sqlite_only
def test_a_guest_erasure_waits_for_the_verify_link(intake: Intake) -> None:
    _offer(intake, "erasure")
    page = intake.http.get(intake.page_url())
    assert '<input type="hidden" name="type" value="erasure">' in page.text
    posted = intake.http.post(
        intake.page_url(), data={"type": "erasure", "email": "grace@example.com"}
    )
    assert posted.status_code == 200
    [request] = intake.requests()
    assert (request.type, request.status) == ("erasure", "pending_verification")
    assert [m.template for m in intake.outbox()] == ["verify"]


@sqlite_only
def test_a_change_is_audited_and_bad_choices_change_nothing(intake: Intake) -> None:
    _offer(intake, "access", "erasure")
    with intake.db.write() as session:
        store = session.scalars(select(Store)).one()
        with pytest.raises(RequestTypeError, match="at least one"):
            request_types.set_offered(session, store, [], actor="a")
        with pytest.raises(RequestTypeError, match="cannot be offered"):
            request_types.set_offered(session, store, ["shop_erasure"], actor="a")
        assert store.request_types == ["access", "erasure"]
        event = session.scalars(
            select(RequestEvent).where(RequestEvent.kind == "store").order_by(RequestEvent.seq)
        ).all()[-1]
        assert event.details == {
            "shop": store.shop_domain,
            "before": ["access"],
            "after": ["access", "erasure"],
        }
    assert intake.count(Request) == 0


@sqlite_only
def test_a_verified_erasure_is_not_promised_its_data(intake: Intake) -> None:
    _offer(intake, "erasure")
    intake.http.post(intake.page_url(), data={"type": "erasure", "email": "grace@example.com"})
    intake.deliver()
    assert intake.smtp is not None
    link = verify_link(text_part(intake.smtp.wait_for(1)[0]))
    landed = intake.http.get(link, follow_redirects=True)
    assert "what happens and when" in landed.text and "Your data will be sent" not in landed.text
    again = intake.http.get(link)
    assert again.status_code == 410  # a used link says so, whatever the type
