"""customers/redact and shop/redact end to end: real intake (uvicorn), SMTP sink, the worker's
erasure jobs; afterwards no text column and no file of the export folder holds the person (or
the shop), and the audit chain verifies yet still catches tampering."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import String, Text, select, text, update

from lib.core import lifecycle
from lib.core.audit import verify_chain
from lib.core.db import Database
from lib.core.identity import email_hash
from lib.core.models import Base, Export, Job, Request, RequestEvent, Store, utcnow
from lib.dashboard import actions
from lib.dashboard.roles import Actor, Role
from lib.jobs.erasure_job import redact_retained
from lib.jobs.handlers import job_handlers
from lib.jobs.worker import Worker
from lib.security import sign_webhook
from tests.intake.conftest import PROXY_SECRET, SHOP, Intake, sqlite_only
from tests.mail.smtp_sink import text_part

ADA = ("ada@example.com", "Lovelace", "Ada Lovelace")
PATH = "/webhooks/shopify"


@pytest.fixture
def intake(make_intake: Callable[..., Intake], tmp_path: Path) -> Intake:
    """The running intake with an export folder of its own (scanned after the erasure)."""
    return make_intake(export_dir=str(tmp_path / "exports"))


def _webhook(
    intake: Intake,
    topic: str,
    payload: dict,
    *,
    webhook_id: str | None = None,
    secret: str = PROXY_SECRET,
    shop: str = SHOP,
) -> tuple[int, dict]:
    body = json.dumps({"shop_domain": shop, **payload}).encode()
    response = intake.http.post(
        PATH,
        content=body,
        headers={
            "content-type": "application/json",
            "x-shopify-hmac-sha256": sign_webhook(body, secret),
            "x-shopify-topic": topic,
            "x-shopify-shop-domain": shop,
            "x-shopify-webhook-id": webhook_id or str(uuid.uuid4()),
        },
    )
    return response.status_code, (response.json() if response.content else {})


def _work(intake: Intake) -> None:
    """Run the worker until it has nothing left to do (jobs and mail)."""
    worker = Worker(intake.db, job_handlers(intake.config))
    for _ in range(50):
        if not worker.run_once() and not intake.deliver():
            return
    raise AssertionError("the worker never ran out of work")


def _traces(db: Database, needles: tuple[str, ...]) -> list[str]:
    """Every (table.column) of Privacy Desk's own tables whose text holds one of `needles`."""
    found = []
    with db.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name.startswith("demo_"):  # the bundled store: Shopify's side, not ours
                continue
            columns = [c for c in table.columns if isinstance(c.type, String | Text)] + [
                c for c in table.columns if c.type.__class__.__name__ == "JSON"
            ]
            for column in columns:
                for value in session.execute(select(column)).scalars():
                    blob = str(value or "").lower()
                    found += [f"{table.name}.{column.name}" for n in needles if n.lower() in blob]
    return found


def _package(intake: Intake, request_id: int) -> Path:
    """An export package on disk as the export job leaves it (holding the person's data)."""
    folder = intake.config.export_path()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"test-{uuid.uuid4().hex}.zip"
    path.write_text("customer.csv\nAda,Lovelace,ada@example.com\n")
    with intake.db.write() as session:
        session.add(Export(request_id=request_id, path=str(path), sha256="0" * 64))
    return path


@sqlite_only
def test_customers_redact_erases_every_copy_and_the_chain_survives(intake: Intake) -> None:
    page = intake.http.post(intake.page_url("101"), data={})  # Ada, logged in: access
    assert page.status_code == 200
    [access] = intake.requests()
    with intake.db.write() as session:
        request = session.get_one(Request, access.id)
        lifecycle.add_note(session, request, actor="staff@shop", text="Ada Lovelace phoned")
    package = _package(intake, access.id)
    _work(intake)  # the received and merchant mails go out over SMTP
    assert intake.smtp is not None and len(intake.smtp.wait_for(2)) == 2
    assert _traces(intake.db, ADA)  # the control: the scan sees her before the erasure

    status, body = _webhook(intake, "customers/redact", {"customer": {"id": 101, "email": ADA[0]}})
    assert (status, body) == (200, {"status": "created"})
    _work(intake)

    assert _traces(intake.db, ADA) == []
    assert not package.exists()
    leftovers = [p for p in intake.config.export_path().rglob("*") if p.is_file()]
    assert all(ADA[0] not in p.read_text(errors="ignore") for p in leftovers)
    with intake.db.read() as session:
        assert verify_chain(session).ok
        requests = {r.type: r for r in session.scalars(select(Request))}
        assert requests["access"].status == "canceled"
        assert requests["erasure"].status == "completed"
        assert {r.email_hash for r in requests.values()} == {email_hash(ADA[0])}
        assert all(r.redacted_at is not None and r.reference for r in requests.values())
        cancel = session.scalars(
            select(RequestEvent).where(
                RequestEvent.request_id == requests["access"].id,
                RequestEvent.to_status == "canceled",
            )
        ).one()
        assert cancel.payload_digest is not None  # its reason was erased, its digest kept


@sqlite_only
def test_after_erasure_the_chain_still_catches_edits_removals_and_reordering(
    intake: Intake,
) -> None:
    intake.http.post(intake.page_url("101"), data={})
    _webhook(intake, "customers/redact", {"customer": {"id": 101, "email": ADA[0]}})
    _work(intake)
    db = intake.db
    with db.read() as session:
        assert verify_chain(session).ok
        erased = session.scalars(
            select(RequestEvent.seq).where(
                RequestEvent.payload_digest.is_not(None), RequestEvent.payload_salt.is_(None)
            )
        ).first()
        assert erased is not None
    tampers = [
        f"UPDATE request_events SET reason = 'x' WHERE seq = {int(erased)}",  # noqa: S608
        "UPDATE request_events SET actor = 'someone' WHERE seq = 2",
        "UPDATE request_events SET seq = 1000 WHERE seq = 3",  # removed from its place
        "DELETE FROM request_events WHERE seq = (SELECT max(seq) FROM request_events)",
    ]
    for statement in tampers:
        with db.write() as session:
            session.execute(text("SAVEPOINT t"))
            session.execute(text(statement))
            report = verify_chain(session)
            session.execute(text("ROLLBACK TO SAVEPOINT t"))
        assert not report.ok, statement


@sqlite_only
def test_shop_redact_leaves_nothing_of_the_shop(intake: Intake) -> None:
    intake.http.post(intake.page_url("101"), data={})
    intake.http.post(intake.page_url(), data={"email": "grace@example.com"})
    with intake.db.read() as session:
        store = session.scalars(select(Store)).one()
        needles = (SHOP, store.name, store.contact_email or "", *ADA, "grace@example.com")
    _work(intake)
    status, body = _webhook(intake, "shop/redact", {"shop_id": 1})
    assert (status, body) == (200, {"status": "created"})
    _work(intake)
    assert _traces(intake.db, needles) == []
    with intake.db.read() as session:
        assert verify_chain(session).ok
        assert session.scalars(select(Store.redacted_at)).one() is not None
    again = _webhook(intake, "shop/redact", {"shop_id": 1})
    assert again == (200, {"status": "unknown_shop"})  # a later delivery recreates nothing
    assert intake.count(Store) == 1 and len(intake.requests()) == 3


@sqlite_only
def test_forged_replayed_and_unknown_shop_redacts_erase_nothing(intake: Intake) -> None:
    intake.http.post(intake.page_url("101"), data={})
    payload = {"customer": {"id": 101, "email": ADA[0]}}
    forged, _ = _webhook(intake, "customers/redact", payload, secret="not-the-secret")
    assert forged == 401
    unknown = _webhook(intake, "customers/redact", payload, shop="other-shop.myshopify.com")
    assert unknown == (200, {"status": "unknown_shop"})
    purge = _webhook(intake, "shop/redact", {}, shop="other-shop.myshopify.com")
    assert purge == (200, {"status": "unknown_shop"})
    _work(intake)
    assert {r.email for r in intake.requests()} == {ADA[0]}
    assert intake.count(Store) == 1

    first = _webhook(intake, "customers/redact", payload, webhook_id="w-1")
    replay = _webhook(intake, "customers/redact", payload, webhook_id="w-1")
    assert first == (200, {"status": "created"}) and replay == (200, {"status": "duplicate"})
    with intake.db.read() as session:
        kinds = session.scalars(select(Job.kind).where(Job.kind == "redact")).all()
    assert kinds == ["redact"]


@sqlite_only
def test_closed_requests_lose_their_identity_after_the_retention(intake: Intake) -> None:
    intake.http.post(intake.page_url("101"), data={})
    intake.http.post(intake.page_url(), data={"email": "grace@example.com"})
    old, recent = intake.requests()
    with intake.db.write() as session:
        for request_id in (old.id, recent.id):
            request = session.get_one(Request, request_id)
            lifecycle.transition(session, request, "canceled", actor="staff", reason="test")
        session.execute(
            update(Request)
            .where(Request.id == old.id)
            .values(closed_at=utcnow() - timedelta(days=25 * 31))
        )
    result = redact_retained(intake.db, intake.config)
    assert result["requests"] == 1
    with intake.db.read() as session:
        assert session.get_one(Request, old.id).email == ""
        assert session.get_one(Request, old.id).email_hash == email_hash(ADA[0])
        assert session.get_one(Request, recent.id).email == "grace@example.com"
        assert verify_chain(session).ok


@sqlite_only
def test_decision_notices_reach_the_customer_over_smtp(intake: Intake) -> None:
    intake.http.post(intake.page_url("101"), data={})
    [request] = intake.requests()
    admin = Actor("admin@shop.example", Role.ADMIN)
    actions.extend(intake.db, admin, request.id, "We must gather orders from two warehouses")
    actions.reject(intake.db, admin, request.id, "excessive", "Third request this week")
    _work(intake)
    assert intake.smtp is not None
    mails = {m["Subject"]: m for m in intake.smtp.wait_for(4) if m["To"] == ADA[0]}
    extended = next(m for s, m in mails.items() if s.startswith("We need more time"))
    rejected = next(m for s, m in mails.items() if "cannot be carried out" in s)
    assert "two warehouses" in text_part(extended)
    body = " ".join(text_part(rejected).split())
    assert "The request is excessive" in body and "Third request this week" in body
    assert "supervisory authority" in body
