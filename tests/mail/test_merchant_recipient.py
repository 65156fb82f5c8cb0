"""Merchant notifications go to the request's own store, through the real outbox and SMTP."""

from __future__ import annotations

from sqlalchemy import select

from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import NewRequest, open_request
from lib.core.models import OutboxMail, Store
from lib.core.settings import set_setting
from lib.mail.delivery import deliver_pending
from lib.mail.notifications import on_request_received
from tests.helpers.stores import make_store
from tests.mail.smtp_sink import SmtpSink


def _staff_request(db: Database, store_id: int, email: str) -> None:
    with db.write() as session:
        store = session.get(Store, store_id)
        request = open_request(
            session,
            NewRequest(store=store, type=RequestType.ACCESS, channel=Channel.STAFF, email=email),
            actor="staff@shop.example",
        )
        on_request_received(session, request, store)


def _sent(db: Database, smtp: SmtpSink, count: int) -> list[tuple[str, str]]:
    deliver_pending(db, Config(smtp_url=smtp.url, mail_from="Privacy Desk <pd@x.example>"))
    return sorted((m["To"], m["Subject"]) for m in smtp.wait_for(count))


def test_each_store_hears_of_its_own_requests(db: Database, smtp: SmtpSink) -> None:
    berlin = make_store(db, "berlin.myshopify.com")
    lyon = make_store(db, "lyon.myshopify.com")
    with db.write() as session:
        session.get(Store, lyon.id).contact_email = "boutique@lyon.example"
    _staff_request(db, berlin.id, "ada@example.com")
    _staff_request(db, lyon.id, "marie@example.com")
    recipients = [to for to, _subject in _sent(db, smtp, 2)]
    assert recipients == ["boutique@lyon.example", "owner@demo-shop.test"]
    assert smtp.to("merchant@example.com") == []  # the global fallback is not used


def test_a_store_without_an_address_falls_back_to_merchant_email(
    db: Database, smtp: SmtpSink
) -> None:
    store = make_store(db)
    with db.write() as session:
        session.get(Store, store.id).contact_email = None
        set_setting(session, "merchant_email", "privacy@head-office.example", "admin@x.example")
    _staff_request(db, store.id, "ada@example.com")
    [(to, subject)] = _sent(db, smtp, 1)
    assert to == "privacy@head-office.example" and "DSR-" in subject
    with db.read() as session:
        [mail] = session.scalars(select(OutboxMail)).all()
    assert mail.template == "merchant_request" and mail.to_addr == to
