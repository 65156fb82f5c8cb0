"""The outbox: rendering (autoescaped HTML, text part, layout), dedupe, same transaction."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from jinja2 import UndefinedError
from sqlalchemy import func, select

from lib.core.db import Database
from lib.core.models import OutboxMail, Store
from lib.mail.outbox import queue_mail, render
from tests.helpers.requests import open_test_request

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
STORE = {"name": "Demo Shop", "contact_email": "owner@demo-shop.test"}


def _request(name: str | None = "Ada") -> dict:
    return {
        "name": name,
        "type_label": "get a copy of your data",
        "reference": "DSR-2026-000001",
        "due_on": "2026-03-02",
        "due_date": date(2026, 3, 2),
    }


def _context(**extra) -> dict:
    opening = "Demo Shop has received your request."
    return {"store": STORE, "request": _request(), "verified": False, "opening": opening, **extra}


def test_render_gives_subject_text_and_html_with_the_store_layout() -> None:
    subject, text, html = render("received", _context())
    assert subject == "We have received your data request (DSR-2026-000001)"
    assert "Your data will be sent to you shortly" in text.replace("\n", " ")
    assert "Demo Shop" in text and "owner@demo-shop.test" in text
    assert html.startswith("<!DOCTYPE html>") and 'href="mailto:owner@demo-shop.test"' in html


def test_hostile_names_are_inert_in_html_and_kept_verbatim_in_text() -> None:
    context = {
        "store": {"name": HOSTILE, "contact_email": None},
        "request": _request(HOSTILE),
        "verified": True,
        "opening": HOSTILE,
    }
    _subject, text, html = render("received", context)
    assert "<script>" not in html and "<img" not in html and "onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;" in html
    assert HOSTILE in text  # the text part is plain text: nothing to escape


def test_subject_is_one_line_even_if_a_value_has_newlines() -> None:
    context = _context()
    context["store"] = {"name": "Shop\r\nBcc: victim@example.com", "contact_email": None}
    subject, _text, _html = render("verify", {**context, "verify_url": "http://x", "link_hours": 1})
    assert "\n" not in subject and "\r" not in subject


def test_a_missing_variable_is_an_error_not_a_blank() -> None:
    with pytest.raises(UndefinedError):
        render("verify", _context())  # verify_url missing


def _open(db: Database, store: Store) -> int:
    return open_test_request(db, store, name="Ada", actor="test")


def test_queue_mail_fills_the_store_from_the_request_and_dedupes(db: Database, store) -> None:
    request_id = _open(db, store)
    context = {"request": _request(), "verified": False, "opening": "Received."}
    with db.write() as session:
        first = queue_mail(
            session,
            template="received",
            to="ada@example.com",
            context=context,
            dedupe_key="k1",
            request_id=request_id,
        )
        second = queue_mail(
            session,
            template="received",
            to="ada@example.com",
            context=context,
            dedupe_key="k1",
            request_id=request_id,
        )
    assert first is not None and second is None
    assert "Demo Shop" in first.text_body and first.status == "pending"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 1


def test_a_rolled_back_change_leaves_no_mail(db: Database, store) -> None:
    with pytest.raises(RuntimeError), db.write() as session:
        queue_mail(
            session, template="received", to="a@example.com", context=_context(), dedupe_key="gone"
        )
        raise RuntimeError("the change failed")
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_concurrent_queueing_of_one_key_makes_one_row_and_no_error(db: Database) -> None:
    errors: list[BaseException] = []
    results: list[object] = []
    barrier = threading.Barrier(6)

    def queue() -> None:
        try:
            barrier.wait()
            with db.write() as session:
                mail = queue_mail(
                    session,
                    template="received",
                    to="a@example.com",
                    context=_context(),
                    dedupe_key="race",
                )
                results.append(mail is not None)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=queue) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(results) == [False] * 5 + [True]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 1
