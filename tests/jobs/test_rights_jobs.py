"""Correction and opt-out jobs through the real worker against the demo store over HTTP:
applied, applied in part, refused; opted out and read back; bad input leaves the request open
with the reason on its timeline and changes nothing in the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from lib.core.audit import verify_chain
from lib.core.config import Config
from lib.core.db import Database
from lib.core.deadlines import compute_deadline
from lib.core.enums import EventKind, JobStatus, RequestType, Status
from lib.core.identity import email_hash
from lib.core.lifecycle import LifecycleError
from lib.core.models import CorrectionAsk, DemoCustomer, Job, Request, RequestEvent, Store
from lib.jobs.correction_job import queue_correction, refuse_correction
from lib.jobs.optout_job import KIND, SWEEP_KIND, queue_opt_out, sweep_opt_outs
from lib.jobs.queue import ClaimedJob
from lib.jobs.worker import JobContext
from lib.store.demo_data import add_demo_customer
from lib.store.demo_server import DemoStoreServer
from tests.helpers.export import run_worker
from tests.helpers.requests import open_test_row
from tests.helpers.stores import make_store
from tests.store.helpers import config_for, running_store

WRITE = frozenset({"read_customers", "read_orders", "write_customers", "write_privacy_settings"})
STAFF = "staff:carol@shop.test"


@pytest.fixture
def demo(db: Database) -> Iterator[DemoStoreServer]:
    with running_store(db, scopes=WRITE) as server:
        yield server


@pytest.fixture
def config(demo: DemoStoreServer, db: Database, tmp_path: Path) -> Config:
    return config_for(demo, db, tmp_path)


def _request(
    db: Database, kind: RequestType, address: str, customer_id: int | None, **ask: str
) -> int:
    store = make_store(db) if not _stores(db) else _stores(db)[0]
    return open_test_row(db, store, address, kind=kind, actor=f"customer:{address}",
                         name="Ada Lovelace", country="US", subdivision="CA",
                         customer_id=str(customer_id) if customer_id else None,
                         asks=("Wrong data", ask) if ask else None).id  # fmt: skip


def _stores(db: Database) -> list[Store]:
    with db.read() as session:
        rows = list(session.scalars(select(Store)))
        for row in rows:
            session.expunge(row)
        return rows


def _demo(db: Database, customer_id: int) -> DemoCustomer:
    with db.read() as session:
        row = session.get_one(DemoCustomer, customer_id)
        session.expunge(row)
        return row


def _state(db: Database, request_id: int) -> tuple[Request, list[RequestEvent], Job | None]:
    with db.read() as session:
        request = session.get_one(Request, request_id)
        events = list(
            session.scalars(
                select(RequestEvent)
                .where(RequestEvent.request_id == request_id)
                .order_by(RequestEvent.seq)
            )
        )
        job = session.scalars(select(Job).where(Job.request_id == request_id)).first()
        for row in (request, *events, *([job] if job else [])):
            session.expunge(row)
        assert verify_chain(session).ok
        return request, events, job


def test_correction_applied_in_shopify_and_in_our_copies(db: Database, config: Config) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    city = _demo(db, ada.id).city
    rid = _request(db, RequestType.CORRECTION, "ada@example.com", ada.id, last_name="Byron")
    with db.write() as session:
        queue_correction(
            session, session.get_one(Request, rid), actor=STAFF, apply={"last_name": "Lovelace"}
        )
    run_worker(db, config)
    request, events, job = _state(db, rid)
    assert job.status == JobStatus.DONE
    assert (request.status, request.name) == (Status.COMPLETED, "Ada Byron")
    assert events[-1].reason == "correction applied" and events[-1].actor == STAFF
    assert (_demo(db, ada.id).last_name, _demo(db, ada.id).city) == ("Byron", city)
    with db.read() as session:
        ask = session.get_one(CorrectionAsk, rid)
        assert ask.outcome == {"last_name": {"applied": True, "old": "Lovelace", "new": "Byron"}}
        assert ask.decided_by == STAFF


def test_correction_applied_in_part_keeps_the_refusal_reason(db: Database, config: Config) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    city = _demo(db, ada.id).city
    rid = _request(
        db, RequestType.CORRECTION, "ada@example.com", ada.id, first_name="Augusta", city="Paris"
    )
    with db.write() as session:
        queue_correction(
            session,
            session.get_one(Request, rid),
            actor=STAFF,
            apply={"first_name": "Ada"},
            refuse={"city": "Our invoices show the Berlin address."},
        )
    run_worker(db, config)
    request, events, _ = _state(db, rid)
    assert request.status == Status.COMPLETED
    assert events[-1].reason == "correction applied in part"
    assert events[-1].details == {"applied": ["first_name"], "refused": ["city"]}
    row = _demo(db, ada.id)
    assert (row.first_name, row.city) == ("Augusta", city)
    with db.read() as session:
        outcome = session.get_one(CorrectionAsk, rid).outcome
    assert outcome["city"] == {"applied": False, "reason": "Our invoices show the Berlin address."}


def test_correction_refused_whole(db: Database, config: Config) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    rid = _request(db, RequestType.CORRECTION, "ada@example.com", ada.id, last_name="Byron")
    with db.write() as session:
        request = session.get_one(Request, rid)
        with pytest.raises(LifecycleError, match="reason"):
            refuse_correction(session, request, actor=STAFF, reason=" ")
        refuse_correction(session, request, actor=STAFF, reason="The name matches your ID.")
    request, _, job = _state(db, rid)
    assert (request.status, request.rejection_text, job) == (
        Status.REJECTED,
        "The name matches your ID.",
        None,
    )
    assert _demo(db, ada.id).last_name == "Lovelace"


def test_correction_decisions_are_checked(db: Database, config: Config) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    rid = _request(db, RequestType.CORRECTION, "ada@example.com", ada.id, last_name="Byron")
    with db.write() as session:
        request = session.get_one(Request, rid)
        with pytest.raises(LifecycleError, match="did not ask to change: email"):
            queue_correction(session, request, actor=STAFF, apply={"email": "a@b.c"})
        with pytest.raises(LifecycleError, match="reason for refusing: Last name"):
            queue_correction(session, request, actor=STAFF, apply={}, refuse={"last_name": ""})


@pytest.mark.parametrize(
    ("ask", "previewed", "message"),
    [
        ({"last_name": "Byron"}, {"last_name": "King"}, "Last name is now 'Lovelace'"),
        ({"email": "grace@example.com"}, {"email": "ada@example.com"}, "already been taken"),
    ],
)
def test_correction_the_store_refuses_stays_open_with_the_reason(
    db: Database, config: Config, ask: dict, previewed: dict, message: str
) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    add_demo_customer(db, email="grace@example.com", orders=0)
    rid = _request(db, RequestType.CORRECTION, "ada@example.com", ada.id, **ask)
    with db.write() as session:
        queue_correction(session, session.get_one(Request, rid), actor=STAFF, apply=previewed)
    run_worker(db, config)
    request, events, job = _state(db, rid)
    assert job.status == JobStatus.FAILED and job.attempts == 1 and message in job.last_error
    assert request.status == Status.VERIFIED and request.is_open
    assert events[-1].kind == EventKind.NOTE and message in events[-1].reason
    row = _demo(db, ada.id)
    assert (row.last_name, row.email) == ("Lovelace", "ada@example.com")


def test_opt_out_applied_and_read_back(db: Database, config: Config) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0, phone="+4930123456")
    with db.write() as session:
        session.get_one(DemoCustomer, ada.id).accepts_marketing = True
    rid = _request(db, RequestType.OPT_OUT, "ada@example.com", ada.id)
    with db.write() as session:
        request = session.get_one(Request, rid)
        received = request.received_at.date()  # the store's time zone is UTC
        assert request.due_on == compute_deadline("ccpa", received, request_type="opt_out").due
        assert request.due_on < compute_deadline("ccpa", received).due  # not the 45 days
        queue_opt_out(session, request, actor=STAFF, email_marketing=True, sms_marketing=True)
    run_worker(db, config)
    request, events, job = _state(db, rid)
    assert (job.status, request.status) == (JobStatus.DONE, Status.COMPLETED)
    assert events[-1].details["read_back"] == {
        "customer_id": f"gid://shopify/Customer/{ada.id}",
        "data_sale_opt_out": True,
        "email_marketing": "NOT_SUBSCRIBED",
        "sms_marketing": "UNSUBSCRIBED",
    }
    assert _demo(db, ada.id).accepts_marketing is False


def test_opt_out_for_a_customer_the_store_lacks(db: Database, config: Config) -> None:
    add_demo_customer(db, email="ada@example.com", orders=0)
    rid = _request(db, RequestType.OPT_OUT, "nobody@example.com", None)
    with db.write() as session:
        queue_opt_out(session, session.get_one(Request, rid), actor=STAFF)
    run_worker(db, config)
    request, events, job = _state(db, rid)
    assert job.status == JobStatus.FAILED and "no customer with this email" in job.last_error
    assert request.status == Status.VERIFIED
    assert events[-1].kind == EventKind.NOTE and "Opt-out not applied" in events[-1].reason


def test_the_sweep_queues_each_verified_opt_out_once(db: Database, config: Config) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    rid = _request(db, RequestType.OPT_OUT, "ada@example.com", ada.id)
    access = _request(db, RequestType.ACCESS, "ada@example.com", ada.id)
    claimed = ClaimedJob(0, SWEEP_KIND, {}, None, 1, 1, "system")
    assert sweep_opt_outs(JobContext(db, claimed, "test")) == {"queued": 1}
    assert sweep_opt_outs(JobContext(db, claimed, "test")) == {"queued": 0}
    run_worker(db, config)
    request, events, job = _state(db, rid)
    assert (job.kind, job.status, request.status) == (KIND, JobStatus.DONE, Status.COMPLETED)
    assert events[-1].details["read_back"]["data_sale_opt_out"] is True
    assert _state(db, access)[2] is None


def test_a_guests_correction_finds_the_customer_by_email(db: Database, config: Config) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    rid = _request(db, RequestType.CORRECTION, "ada@example.com", None, last_name="Byron")
    nobody = _request(db, RequestType.CORRECTION, "nobody@example.com", None, last_name="X")
    with db.write() as session:
        for request_id in (rid, nobody):
            queue_correction(
                session,
                session.get_one(Request, request_id),
                actor=STAFF,
                apply={"last_name": "Lovelace"},
            )
    run_worker(db, config)
    assert _state(db, rid)[0].status == Status.COMPLETED
    assert _demo(db, ada.id).last_name == "Byron"
    request, events, job = _state(db, nobody)
    assert job.status == JobStatus.FAILED and "no customer with the email" in job.last_error
    assert request.status == Status.VERIFIED and events[-1].kind == EventKind.NOTE


def test_a_corrected_email_moves_our_copies_and_their_keyed_hash(
    db: Database, config: Config
) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=0)
    rid = _request(db, RequestType.CORRECTION, "ada@example.com", ada.id, email="ada@byron.example")
    with db.write() as session:
        queue_correction(
            session, session.get_one(Request, rid), actor=STAFF, apply={"email": "ada@example.com"}
        )
    run_worker(db, config)
    request, _, _ = _state(db, rid)
    assert (request.status, request.email) == (Status.COMPLETED, "ada@byron.example")
    assert request.email_hash == email_hash("ada@byron.example")
    assert _demo(db, ada.id).email == "ada@byron.example"
