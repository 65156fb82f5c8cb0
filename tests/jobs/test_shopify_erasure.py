"""Erasure in Shopify through the real worker and the demo store over HTTP: queued, held while
the customer has recent orders, then the demo rows really anonymised and our copies erased;
Shopify's userErrors leave the request open with its words; an open access request blocks the
erasure until staff cancel it explicitly; a queued erasure can be cancelled."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from lib.core.audit import verify_chain
from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import Channel, JobStatus, RequestType
from lib.core.lifecycle import NewRequest, open_request
from lib.core.models import (
    DemoCustomer,
    DemoRecord,
    Job,
    OutboxMail,
    Request,
    RequestEvent,
    Store,
    utcnow,
)
from lib.jobs.erasure_job import ErasureBlocked, start_erasure
from lib.store.demo_data import add_demo_customer
from lib.store.demo_server import DemoStoreServer
from lib.store.erasure import HOLD_DAYS, QUEUE_DAYS, cancel_erasure, request_erasure
from lib.store.refusals import StoreRefused
from tests.helpers.export import run_worker
from tests.helpers.stores import make_store
from tests.store.helpers import client_for, config_for, running_store

SCOPES = frozenset({"read_customers", "read_orders", "write_customer_data_erasure"})


@pytest.fixture
def demo(db: Database) -> Iterator[DemoStoreServer]:
    with running_store(db, scopes=SCOPES) as server:
        yield server


@pytest.fixture
def config(demo: DemoStoreServer, db: Database, tmp_path: Path) -> Config:
    return config_for(demo, db, tmp_path)


def _request(db: Database, email: str, kind: RequestType = RequestType.ERASURE) -> int:
    with db.read() as session:
        store = session.scalars(select(Store)).first()
    store = store or make_store(db)
    with db.write() as session:
        request = open_request(
            session,
            NewRequest(session.get_one(Store, store.id), kind, Channel.LOGGED_IN, email),
            actor="customer",
        )
        return request.id


def _erase(db: Database, request_id: int, *, cancel_open: bool = False) -> list[str]:
    with db.write() as session:
        request = session.get_one(Request, request_id)
        return start_erasure(session, request, actor="staff", cancel_open=cancel_open)


def _mail(db: Database, request_id: int, template: str) -> OutboxMail | None:
    with db.read() as session:
        return session.scalars(
            select(OutboxMail).where(
                OutboxMail.request_id == request_id, OutboxMail.template == template
            )
        ).first()


def test_a_customer_without_recent_orders_is_erased_in_shopify_then_here(
    db: Database, demo: DemoStoreServer, config: Config
) -> None:
    ref = add_demo_customer(db, email="grace@example.com", orders=0, first_name="Grace")
    request_id = _request(db, "grace@example.com")
    _erase(db, request_id)
    run_worker(db, config)
    with db.read() as session:
        request = session.get_one(Request, request_id)
        assert request.status == "in_progress" and request.customer_id == str(ref.id)
        record = session.scalars(select(DemoRecord).where(DemoRecord.kind == "data_erasure")).one()
        due = (utcnow() + timedelta(days=QUEUE_DAYS)).date().isoformat()
        assert record.payload["erase_on"] == due
    scheduled = _mail(db, request_id, "erasure_scheduled")
    assert scheduled is not None and "a few days" in scheduled.text_body

    with db.write() as session:  # ten days later: Shopify's queue is due
        record = session.scalars(select(DemoRecord).where(DemoRecord.kind == "data_erasure")).one()
        record.payload = {"erase_on": (utcnow() - timedelta(days=1)).date().isoformat()}
        session.execute(
            update(Job).where(Job.status == JobStatus.QUEUED).values(run_after=utcnow())
        )
    other = add_demo_customer(db, email="other@example.com", orders=0)
    request_erasure(client_for(demo), str(other.id))  # any write runs Shopify's queue
    run_worker(db, config)
    with db.read() as session:
        customer = session.get_one(DemoCustomer, ref.id)
        assert (customer.email, customer.first_name, customer.phone) == ("", "", None)
        request = session.get_one(Request, request_id)
        assert request.status == "completed" and request.redacted_at is not None
        assert request.email == ""
        assert verify_chain(session).ok
    done = _mail(db, request_id, "decision_completed")
    assert done is not None and done.to_addr == "grace@example.com"  # kept until it is sent
    assert "We have erased your personal data" in done.text_body


def test_recent_orders_hold_the_erasure_and_the_customer_is_told_until_when(
    db: Database, config: Config
) -> None:
    add_demo_customer(db, email="ada@example.com", orders=2)
    request_id = _request(db, "ada@example.com")
    _erase(db, request_id)
    run_worker(db, config)
    held = (utcnow() + timedelta(days=HOLD_DAYS)).date()
    mail = _mail(db, request_id, "erasure_scheduled")
    assert mail is not None and "placed orders recently" in mail.text_body
    assert str(held.year) in mail.text_body
    with db.read() as session:
        follow = session.scalars(select(Job).where(Job.kind == "shopify_erasure_follow")).one()
        assert follow.status == "queued" and follow.run_after.date() == held
        assert session.get_one(DemoCustomer, 1).email == "ada@example.com"  # not yet


def test_shopify_s_user_errors_leave_the_request_open_with_its_words(
    db: Database, config: Config
) -> None:
    request_id = _request(db, "nobody@example.com")
    with db.write() as session:
        session.execute(update(Request).values(customer_id="987654"))
    _erase(db, request_id)
    run_worker(db, config)
    with db.read() as session:
        request = session.get_one(Request, request_id)
        job = session.scalars(select(Job).where(Job.kind == "shopify_erasure")).one()
        notes = session.scalars(
            select(RequestEvent.reason).where(
                RequestEvent.request_id == request_id, RequestEvent.kind == "note"
            )
        ).all()
    assert request.is_open and request.status == "verified"
    assert job.status == "failed" and "Customer does not exist" in (job.last_error or "")
    assert any("Customer does not exist" in (n or "") for n in notes)


def test_an_open_access_request_blocks_the_erasure_until_cancelled_explicitly(
    db: Database, config: Config
) -> None:
    add_demo_customer(db, email="ada@example.com", orders=0)
    access = _request(db, "ada@example.com", RequestType.ACCESS)
    erasure = _request(db, "ada@example.com")
    with pytest.raises(ErasureBlocked, match="still open"):
        _erase(db, erasure)
    with db.read() as session:
        assert session.get_one(Request, access).is_open
        assert session.scalars(select(Job).where(Job.kind == "shopify_erasure")).first() is None
    canceled = _erase(db, erasure, cancel_open=True)
    with db.read() as session:
        access_row = session.get_one(Request, access)
        assert canceled == [access_row.reference] and access_row.status == "canceled"
        reason = session.scalars(
            select(RequestEvent.reason).where(
                RequestEvent.request_id == access, RequestEvent.to_status == "canceled"
            )
        ).one()
    assert reason is not None and "erased" in reason


def test_a_queued_erasure_can_be_cancelled_once(db: Database, demo: DemoStoreServer) -> None:
    ref = add_demo_customer(db, email="ada@example.com", orders=0)
    client = client_for(demo)
    request_erasure(client, str(ref.id))
    cancel_erasure(client, str(ref.id))
    with pytest.raises(StoreRefused, match="not being erased"):
        cancel_erasure(client, str(ref.id))
    with pytest.raises(StoreRefused, match="does not exist"):
        request_erasure(client, "424242")
