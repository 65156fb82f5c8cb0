"""The store sync job: refresh known customers, link open requests to store customers by email."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from lib.core.db import Database
from lib.core.enums import Channel, JobStatus, RejectionCode, Status
from lib.core.lifecycle import reject
from lib.core.models import Customer, Job, Request, RequestEvent
from lib.jobs.handlers import job_handlers, periodic_jobs
from lib.jobs.worker import Worker
from lib.store.demo_data import add_demo_customer
from lib.store.sync import SYNC_KIND, sync_stores
from tests.helpers.stores import make_store
from tests.store.helpers import config_for, open_access_request, request_row, running_store


def test_known_customers_are_refreshed_from_the_store(db: Database, tmp_path: Path) -> None:
    store = make_store(db)
    ada = add_demo_customer(db, email="ada@example.com", country="US", province="CA", orders=2)
    with db.write() as session:
        session.add(
            Customer(store_id=store.id, shopify_id=str(ada.id), country="DE", email="old@x")
        )
        session.add(Customer(store_id=store.id, shopify_id="424242", country="FR"))
    with running_store(db) as server:
        counts = sync_stores(db, config_for(server, db, tmp_path))
    with db.read() as session:
        rows = {c.shopify_id: c for c in session.scalars(select(Customer))}
    synced = rows[str(ada.id)]
    assert (synced.country, synced.subdivision, synced.email) == ("US", "CA", "ada@example.com")
    assert synced.orders_count == 2 and synced.first_name == "Ada"
    assert rows["424242"].country == "FR"  # gone from the store: kept, counted as missing
    assert (counts.customers_refreshed, counts.customers_missing) == (1, 1)


def test_guest_requests_are_linked_and_only_unverified_ones_change_regime(
    db: Database, tmp_path: Path
) -> None:
    store = make_store(db)  # default regime gdpr
    ada = add_demo_customer(db, email="ada@example.com", country="US", province="CA")
    bea = add_demo_customer(db, email="bea@example.com", country="US", province="CA")
    add_demo_customer(db, email="cy@example.com", country="US", province="CA")
    unverified = open_access_request(db, store, "ada@example.com", channel=Channel.GUEST)
    verified = open_access_request(db, store, "bea@example.com", channel=Channel.STAFF)
    closed = open_access_request(db, store, "cy@example.com", channel=Channel.STAFF)
    stranger = open_access_request(db, store, "nobody@example.com", channel=Channel.GUEST)
    with db.write() as session:
        reject(session, session.get(Request, closed), actor="m", code=RejectionCode.DUPLICATE)
    before = {rid: request_row(db, rid) for rid in (unverified, verified, closed, stranger)}

    with running_store(db) as server:
        counts = sync_stores(db, config_for(server, db, tmp_path))

    linked = request_row(db, unverified)
    assert linked.customer_id == str(ada.id) and (linked.country, linked.subdivision) == (
        "US",
        "CA",
    )
    assert linked.status == Status.PENDING_VERIFICATION
    assert before[unverified].regime == "gdpr" and linked.regime == "ccpa"
    assert linked.due_on != before[unverified].due_on and linked.legal_due_on == linked.due_on

    kept = request_row(db, verified)
    assert kept.customer_id == str(bea.id) and kept.country == "US"  # the store's country, recorded
    assert (kept.regime, kept.due_on) == (before[verified].regime, before[verified].due_on)

    for untouched in (closed, stranger):
        assert request_row(db, untouched).customer_id is None
    assert (counts.requests_linked, counts.regimes_changed) == (2, 1)
    with db.read() as session:
        notes = session.scalars(
            select(RequestEvent).where(
                RequestEvent.request_id == unverified, RequestEvent.actor == "store-sync"
            )
        ).one()
        assert notes.details["regime_before"] == "gdpr" and notes.details["regime"] == "ccpa"
        customers = session.scalars(select(Customer.shopify_id)).all()
    assert str(ada.id) in customers  # the linked customer is now a known one


def test_the_worker_keeps_the_sync_scheduled_and_runs_it(
    sqlite_db: Database, tmp_path: Path
) -> None:
    store = make_store(sqlite_db)
    ada = add_demo_customer(sqlite_db, email="ada@example.com")
    request_id = open_access_request(sqlite_db, store, "ada@example.com", channel=Channel.GUEST)
    with running_store(sqlite_db) as server:
        config = config_for(server, sqlite_db, tmp_path)
        worker = Worker(sqlite_db, job_handlers(config), periodic=periodic_jobs())
        assert worker.run_once()
    with sqlite_db.read() as session:
        job = session.scalars(select(Job).where(Job.kind == SYNC_KIND)).one()
    assert job.status == JobStatus.DONE and job.result["requests_linked"] == 1
    assert request_row(sqlite_db, request_id).customer_id == str(ada.id)
