"""The storefront's *Correct my data* and *Do not sell or share my data*, switched on per store:
the buttons and the correction's fields in the customer's language, the stated correction kept
beside the request, and an opt-out that is not offered refused."""

from __future__ import annotations

from sqlalchemy import select

from lib.core.models import CorrectionAsk, Request, Store
from lib.core.request_types import set_offered
from tests.intake.conftest import SHOP, Intake, add_customer


def _offer(intake: Intake, *types: str) -> None:
    with intake.db.write() as session:
        store = session.scalars(select(Store).where(Store.shop_domain == SHOP)).one()
        set_offered(session, store, types, actor="staff:test")


def _requests(intake: Intake) -> list[tuple[Request, CorrectionAsk | None]]:
    with intake.db.read() as session:
        rows = list(session.scalars(select(Request).order_by(Request.id)))
        return [(r, session.get(CorrectionAsk, r.id)) for r in rows]


def test_buttons_and_correction_fields_follow_the_store(intake: Intake) -> None:
    page = intake.http.get(intake.page_url("101")).text
    assert "Correct my data" not in page and 'name="correction_note"' not in page
    _offer(intake, "access", "correction", "opt_out")
    page = intake.http.get(intake.page_url("101")).text
    assert 'value="correction">Correct my data</button>' in page
    assert 'value="opt_out">Do not sell or share my data</button>' in page
    assert '<label for="pd-c-note">Note</label>' in page
    german = intake.http.get(intake.page_url("101", locale="de")).text
    assert "Meine Daten berichtigen" in german
    assert "Meine Daten nicht verkaufen oder weitergeben" in german


def test_logged_in_correction_keeps_what_the_customer_stated(intake: Intake) -> None:
    _offer(intake, "correction")
    form = {
        "type": "correction",
        "correction_note": "  I married; my surname is Byron now. ",
        "last_name": " Byron ",
        "city": "",
        "phone": "+44 20  7946 0000",
    }
    answer = intake.http.post(intake.page_url("101"), data=form)
    assert answer.status_code == 200
    ((request, ask),) = _requests(intake)
    assert (request.type, request.status, request.customer_id) == ("correction", "verified", "101")
    assert ask.statement == "I married; my surname is Byron now."
    assert ask.fields == {"last_name": "Byron", "phone": "+44 20 7946 0000"}


def test_guest_opt_out_waits_for_verification_and_stores_no_correction(intake: Intake) -> None:
    _offer(intake, "opt_out")
    answer = intake.http.post(
        intake.page_url(), data={"type": "opt_out", "email": "ada@example.com", "last_name": "X"}
    )
    assert answer.status_code == 200
    ((request, ask),) = _requests(intake)
    assert (request.type, request.status, ask) == ("opt_out", "pending_verification", None)


def test_a_type_the_store_does_not_offer_is_refused(intake: Intake) -> None:
    _offer(intake, "access")
    answer = intake.http.post(intake.page_url("101"), data={"type": "opt_out"})
    assert answer.status_code == 403
    assert _requests(intake) == []


def test_until_the_store_chooses_us_customers_are_offered_the_opt_out(intake: Intake) -> None:
    add_customer(intake.db, "202", "Grace", "Hopper", "grace@example.com", country="US")
    us = intake.http.get(intake.page_url("202")).text
    de = intake.http.get(intake.page_url("101")).text  # Ada is in Germany
    assert 'value="opt_out"' in us and 'value="opt_out"' not in de
    assert intake.http.post(intake.page_url("202"), data={"type": "opt_out"}).status_code == 200
    assert intake.http.post(intake.page_url("101"), data={"type": "opt_out"}).status_code == 403
    _offer(intake, "access")  # the store's choice wins
    assert 'value="opt_out"' not in intake.http.get(intake.page_url("202")).text
