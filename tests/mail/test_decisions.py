"""Every decision staff take is told to the customer (lib.mail.decisions), whatever the settings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lib.core import lifecycle, register
from lib.core.db import Database
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import LifecycleError, NewRequest
from lib.core.models import OutboxMail, Request, Store
from lib.core.settings import SPECS, set_setting
from lib.dashboard import actions
from lib.dashboard.roles import Actor, Role
from tests.helpers.requests import open_test_request

ADMIN = Actor("admin@shop.example", Role.ADMIN)


def _open(db: Database, store: Store, **kw: object) -> int:
    kw = {"kind": kw.pop("type", RequestType.ERASURE), "country": "FR", **kw}
    return open_test_request(db, store, "ann@example.com", name="Ann Smith", **kw)


def _mails(db: Database, request_id: int, template: str) -> list[OutboxMail]:
    with db.read() as session:
        return list(
            session.scalars(
                select(OutboxMail).where(
                    OutboxMail.request_id == request_id, OutboxMail.template == template
                )
            )
        )


def _all_switches_off(db: Database) -> None:
    with db.write() as session:
        for spec in SPECS:
            if spec.key.startswith("notify_"):
                set_setting(session, spec.key, False, "test")


def test_an_extension_tells_the_new_date_and_the_reason_even_with_mails_off(
    db: Database, store: Store
) -> None:
    _all_switches_off(db)
    request_id = _open(db, store)
    actions.extend(db, ADMIN, request_id, "Your many orders take longer to check")
    (mail,) = _mails(db, request_id, "decision_extended")
    with db.read() as session:
        request = session.get_one(Request, request_id)
        assert request.extended_due_on is not None
        due = request.extended_due_on
    assert mail.to_addr == "ann@example.com"
    assert "Your many orders take longer to check" in mail.text_body
    assert "We need more time" in mail.subject
    # the localised date (store's shop_language, English by default): "March 4, 2027"
    assert f"{due.day}, {due.year}" in mail.text_body


def test_a_rejection_says_why_in_words_and_names_the_complaint_right(
    db: Database, store: Store
) -> None:
    request_id = _open(db, store)
    actions.reject(db, ADMIN, request_id, "manifestly_unfounded", "You asked 40 times today")
    (mail,) = _mails(db, request_id, "decision_rejected")
    assert "The request is manifestly unfounded." in mail.text_body
    assert "manifestly_unfounded" not in mail.text_body + mail.html_body
    assert "You asked 40 times today" in mail.text_body
    assert "supervisory authority" in mail.text_body
    with db.read() as session:
        authority = register.load(session, session.get_one(Store, store.id)).texts["authority"]
    assert authority and authority[:60] in " ".join(mail.text_body.split())
    assert "appeal" not in mail.text_body  # GDPR: no US-state appeal


def test_a_us_state_rejection_says_how_to_appeal(db: Database, store: Store) -> None:
    request_id = _open(db, store, country="US", subdivision="VA", regime="us_state")
    actions.reject(db, ADMIN, request_id, "excessive")
    (mail,) = _mails(db, request_id, "decision_rejected")
    assert "You may appeal this decision" in mail.text_body
    assert "Attorney General" in mail.text_body


def test_an_identity_reason_on_a_verified_request_is_refused_and_sends_nothing(
    db: Database, store: Store
) -> None:
    request_id = _open(db, store)
    with pytest.raises(LifecycleError, match="verified"):
        actions.reject(db, ADMIN, request_id, "identity_not_verified")
    assert _mails(db, request_id, "decision_rejected") == []
    with db.read() as session:
        request = session.get_one(Request, request_id)
        assert request.is_open
        assert "identity_not_verified" not in lifecycle.rejection_codes(request)


def test_a_late_extension_is_refused_and_nothing_is_sent(db: Database, store: Store) -> None:
    new = NewRequest(store, RequestType.ERASURE, Channel.LOGGED_IN, "ann@example.com")
    with db.write() as session:
        request = lifecycle.open_request(
            session, new, actor="customer", at=datetime(2025, 1, 6, tzinfo=UTC)
        )
        request_id = request.id
    with pytest.raises(LifecycleError, match="has passed"):
        actions.extend(db, ADMIN, request_id, "too late")
    assert _mails(db, request_id, "decision_extended") == []


def test_completion_of_an_erasure_is_told_in_the_customer_s_language(
    db: Database, store: Store
) -> None:
    request_id = _open(db, store, locale="de")
    actions.close(db, ADMIN, request_id, "done")
    (mail,) = _mails(db, request_id, "decision_completed")
    assert "Wir haben Ihre personenbezogenen Daten gelöscht." in mail.text_body
    assert "abgeschlossen" in mail.subject


def test_completion_of_an_access_request_sends_no_second_mail(db: Database, store: Store) -> None:
    request_id = _open(db, store, type=RequestType.ACCESS)
    actions.close(db, ADMIN, request_id)
    assert _mails(db, request_id, "decision_completed") == []
