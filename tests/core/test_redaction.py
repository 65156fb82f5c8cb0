"""lib.core.redaction on both databases: a person's and a shop's rows are erased with set-based
statements, the other person's and the other shop's stay, and the chain verifies."""

from __future__ import annotations

from sqlalchemy import select

from lib.core import lifecycle
from lib.core.audit import verify_chain
from lib.core.db import Database
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import NewRequest
from lib.core.models import Customer, Job, OutboxMail, Request, RequestEvent, Store
from lib.core.redaction import redact_person, redact_shop
from tests.helpers.stores import make_store


def _request(db: Database, store: Store, email: str, note: str) -> int:
    with db.write() as session:
        store = session.get_one(Store, store.id)
        request = lifecycle.open_request(
            session,
            NewRequest(store, RequestType.ACCESS, Channel.LOGGED_IN, email, name=note),
            actor="customer",
        )
        lifecycle.add_note(session, request, actor="staff", text=f"{note} phoned")
        session.add(
            OutboxMail(
                dedupe_key=f"m:{request.id}",
                request_id=request.id,
                template="received",
                to_addr=email,
                subject=f"Hello {note}",
                text_body=note,
                html_body=note,
                status="sent",
            )
        )
        session.add(Job(kind="export", request_id=request.id, payload={"email": email}))
        session.add(Customer(store_id=store.id, shopify_id=email, email=email, first_name=note))
        return request.id


def test_a_person_is_erased_and_nobody_else(db: Database, store: Store) -> None:
    ann = _request(db, store, "ann@example.com", "Ann Smith")
    bob = _request(db, store, "bob@example.com", "Bob Jones")
    with db.write() as session:
        done = redact_person(
            session, session.get_one(Store, store.id), email="ann@example.com", customer_id=None
        )
    assert (done.requests, done.customers, done.mails) == (1, 1, 1)
    with db.read() as session:
        assert verify_chain(session).ok
        assert session.get_one(Request, ann).name is None
        assert session.get_one(Request, bob).name == "Bob Jones"
        notes = dict(
            session.execute(
                select(RequestEvent.request_id, RequestEvent.reason).where(
                    RequestEvent.kind == "note"
                )
            ).all()
        )
        assert notes == {ann: None, bob: "Bob Jones phoned"}
        jobs = dict(session.execute(select(Job.request_id, Job.payload)).all())
        assert jobs == {ann: {}, bob: {"email": "bob@example.com"}}
        mails = dict(session.execute(select(OutboxMail.request_id, OutboxMail.to_addr)).all())
        assert mails == {ann: "", bob: "bob@example.com"}


def test_a_shop_is_erased_and_the_other_shop_stays(db: Database, store: Store) -> None:
    other = make_store(db, "other-shop.myshopify.com")
    _request(db, store, "ann@example.com", "Ann Smith")
    kept = _request(db, other, "ann@example.com", "Ann Smith")
    with db.write() as session:
        done = redact_shop(session, session.get_one(Store, store.id))
    assert done.requests == 1
    with db.read() as session:
        assert verify_chain(session).ok
        purged = session.get_one(Store, store.id)
        assert purged.shop_domain.startswith("erased-") and purged.contact_email is None
        assert session.scalars(select(Customer.store_id)).all() == [other.id]
        assert session.get_one(Request, kept).email == "ann@example.com"
