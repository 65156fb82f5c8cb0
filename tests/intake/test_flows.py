"""Flows A and B of the seed end to end over real sockets: uvicorn, aiosmtpd, the mail chore."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lib.core.audit import verify_chain
from lib.core.models import Request, utcnow
from lib.core.settings import set_setting
from lib.mail.delivery import deliver_pending
from tests.helpers.processes import free_port
from tests.intake.conftest import MERCHANT, Intake, sqlite_only, verify_link
from tests.mail.smtp_sink import SmtpSink, html_part, text_part


def _set(intake: Intake, key: str, value: object) -> None:
    with intake.db.write() as session:
        set_setting(session, key, value, "test")


def _flow_a(intake: Intake, smtp: SmtpSink) -> None:
    """Page → email → verification mail → its link → verified notice (mails not yet sent)."""
    page = intake.http.get(intake.page_url())
    assert page.status_code == 200
    assert 'name="email"' in page.text and "Request Data Export" in page.text
    submitted = intake.http.post(intake.page_url(), data={"email": "Ada@Example.com"})
    assert submitted.status_code == 200 and "click Verify Request" in submitted.text
    [request] = intake.requests()
    assert (request.status, request.channel, request.email) == (
        "pending_verification",
        "guest",
        "ada@example.com",
    )
    assert request.name == "Ada Lovelace" and request.customer_id is None

    assert intake.deliver() == 1
    [mail] = smtp.wait_for(1)
    assert mail["To"] == "ada@example.com" and "verify" in mail["Subject"].lower()
    assert ">Verify Request</a>" in html_part(mail)
    followed = intake.http.get(verify_link(text_part(mail)), follow_redirects=False)
    assert followed.status_code == 303
    location = followed.headers["location"]
    assert (
        location.startswith(f"{intake.config.app_proxy_prefix}?") and "notice=verified" in location
    )
    landed = intake.http.get(location)
    assert landed.status_code == 200 and "Your request has been verified" in landed.text
    [request] = intake.requests()
    assert request.status == "verified" and request.verified_at is not None


def _flow_b(intake: Intake) -> None:
    """Logged in: the page's one button, no email field."""
    page = intake.http.get(intake.page_url("101"))
    assert page.status_code == 200
    assert "Request Data Export" in page.text and 'name="email"' not in page.text
    assert "logged in as Ada Lovelace" in page.text
    submitted = intake.http.post(intake.page_url("101"))
    assert submitted.status_code == 200 and "has been received" in submitted.text
    [request] = intake.requests()
    assert (request.status, request.channel, request.customer_id, request.email) == (
        "verified",
        "logged_in",
        "101",
        "ada@example.com",
    )


def test_flow_a_guest_verifies_by_email_then_both_mails_arrive(
    intake: Intake, smtp: SmtpSink
) -> None:
    _flow_a(intake, smtp)
    assert intake.deliver() == 2
    confirmation = smtp.to("ada@example.com")[-1]
    assert confirmation["Subject"].startswith("We have received your data request (DSR-")
    body = " ".join(text_part(confirmation).split())
    assert "Thank you for verifying" in body and "Your data will be sent to you shortly" in body
    assert "Demo Shop" in body and "owner@demo-shop.test" in body
    [notification] = smtp.to(MERCHANT)
    assert notification["Subject"].startswith("Data request verified: DSR-")
    assert notification["Subject"].endswith("(data export)")
    request = intake.requests()[0]
    assert "ada@example.com" in text_part(notification)
    assert f"{intake.config.dashboard_url}/request?ref={request.reference}" in text_part(
        notification
    )
    assert intake.deliver() == 0 and len(smtp.messages) == 3
    with intake.db.read() as session:
        assert verify_chain(session).ok


def test_flow_b_logged_in_customer_needs_no_verification(intake: Intake, smtp: SmtpSink) -> None:
    _flow_b(intake)
    assert intake.deliver() == 2
    [confirmation] = smtp.to("ada@example.com")
    assert "Your data will be sent to you shortly" in " ".join(text_part(confirmation).split())
    assert "verifying" not in text_part(confirmation)
    [notification] = smtp.to(MERCHANT)
    assert notification["Subject"].startswith("New data request: DSR-")


@sqlite_only
def test_guest_support_off_refuses_guests_and_keeps_logged_in_customers(
    intake: Intake, smtp: SmtpSink
) -> None:
    _set(intake, "guest_support", False)
    page = intake.http.get(intake.page_url())
    assert page.status_code == 200
    assert "log in to your account" in page.text and "<form" not in page.text
    refused = intake.http.post(intake.page_url(), data={"email": "ada@example.com"})
    assert refused.status_code == 403 and "Please log in to your account" in refused.text
    api = intake.http.post(intake.api_url("requests"), json={"email": "ada@example.com"})
    assert api.status_code == 403 and "log in" in api.json()["detail"]
    state = intake.http.get(intake.api_url("state")).json()
    assert state["mode"] == "login_required"
    assert intake.requests() == []
    _flow_b(intake)


@sqlite_only
@pytest.mark.parametrize(
    ("setting", "flow", "missing"),
    [
        ("notify_customer_received", "b", "ada@example.com"),
        ("notify_merchant_new_request", "b", MERCHANT),
        ("notify_customer_verified", "a", "ada@example.com"),
        ("notify_merchant_verified", "a", MERCHANT),
    ],
)
def test_each_notification_toggle_stops_only_its_mail(
    intake: Intake, smtp: SmtpSink, setting: str, flow: str, missing: str
) -> None:
    _set(intake, setting, False)
    if flow == "a":
        _flow_a(intake, smtp)
        smtp.messages.clear()  # the verification mail is not a notification
    else:
        _flow_b(intake)
    assert intake.deliver() == 1
    [sent] = smtp.wait_for(1)
    other = MERCHANT if missing != MERCHANT else "ada@example.com"
    assert sent["To"] == other and smtp.to(missing) == []


@sqlite_only
def test_smtp_down_at_submit_keeps_the_request_and_mails_arrive_once_later(make_intake) -> None:
    port = free_port()
    intake = make_intake(smtp_url=f"smtp://127.0.0.1:{port}")
    _flow_b(intake)
    assert intake.deliver() == 0
    assert {(m.status, bool(m.last_error)) for m in intake.outbox()} == {("pending", True)}
    assert intake.count(Request) == 1
    sink = SmtpSink(port).start()
    try:
        later = utcnow() + timedelta(hours=2)
        assert deliver_pending(intake.db, intake.config, now=later) == 2
        assert deliver_pending(intake.db, intake.config, now=later + timedelta(hours=2)) == 0
        messages = sink.wait_for(2)
    finally:
        sink.stop()
    assert sorted(m["To"] for m in messages) == sorted(["ada@example.com", MERCHANT])
    assert {m.status for m in intake.outbox()} == {"sent"}
