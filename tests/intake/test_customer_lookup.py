"""A logged-in customer the store sync has not seen yet is asked of the store API first."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lib.core.models import Customer, Request
from tests.intake.conftest import Intake, add_demo_customer, sqlite_only
from tests.store.helpers import TOKEN, running_store


def _requests(intake: Intake) -> list[Request]:
    with intake.db.read() as session:
        return list(session.scalars(select(Request)))


@sqlite_only
def test_unsynced_customer_is_fetched_from_the_store_and_remembered(
    db: Any, make_intake: Any
) -> None:
    add_demo_customer(db, "4242", "Zoé", "Martin", "Zoe@Example.fr")
    with running_store(db) as store:
        intake = make_intake(demo_store_url=store.url, demo_store_token=TOKEN)
        answer = intake.http.post(intake.api_url("requests", "4242"), json={})
    assert answer.status_code == 202, answer.text
    [request] = _requests(intake)
    assert (request.email, request.name, request.country) == ("zoe@example.fr", "Zoé Martin", "FR")
    assert request.status == "verified" and request.channel == "logged_in"
    with db.read() as session:
        synced = session.scalars(select(Customer).where(Customer.shopify_id == "4242")).one()
    assert synced.email == "zoe@example.fr"


@sqlite_only
def test_store_down_refuses_with_retry_and_stores_nothing(db: Any, make_intake: Any) -> None:
    add_demo_customer(db, "4343", "Li", "Wei", "li@example.cn")
    intake = make_intake(demo_store_url="http://127.0.0.1:9")
    answer = intake.http.post(intake.api_url("requests", "4343"), json={})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "60"
    assert "try again" in answer.text
    assert _requests(intake) == []
