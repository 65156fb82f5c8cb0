"""Export jobs end to end: request → worker → package from the demo store over real HTTP."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import struct
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lib.core.audit import verify_chain
from lib.core.db import Database
from lib.core.enums import Channel, EventKind, JobStatus, Status
from lib.core.lifecycle import LifecycleError, reject
from lib.core.models import (
    DemoLineItem,
    DemoOrder,
    Export,
    Job,
    OutboxMail,
    Request,
    RequestEvent,
    Store,
)
from lib.core.settings import set_setting
from lib.jobs.exports import export_customer, package_passphrase
from lib.jobs.package import COLUMNS
from lib.store.demo_data import add_demo_customer
from lib.store.demo_server import DemoStoreServer
from tests.helpers.export import click_export, read_package, rows, run_worker
from tests.helpers.stores import make_store
from tests.store.helpers import config_for, open_access_request, request_row, running_store

FILES = {"index.html", "customer.json", *COLUMNS, "README.txt", "manifest.json"}


@pytest.fixture
def demo(db: Database) -> Iterator[DemoStoreServer]:
    with running_store(db) as server:
        yield server


def test_package_holds_every_order_and_line_item_of_the_customer(
    db: Database, store: Store, demo: DemoStoreServer, tmp_path: Path
) -> None:
    ada = add_demo_customer(db, email="ada@example.com", orders=60, lines_per_order=7)
    add_demo_customer(db, email="bob@example.com", orders=5)  # must not leak into Ada's package
    earlier = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with db.write() as session:
        reject(session, session.get(Request, earlier), actor="m", code="duplicate")
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    config = config_for(demo, db, tmp_path)

    clicks = [click_export(db, request_id) for _ in range(3)]
    assert [created for _, created in clicks] == [True, False, False]
    assert len({job_id for job_id, _ in clicks}) == 1
    assert request_row(db, request_id).status == Status.IN_PROGRESS

    run_worker(db, config)
    with db.read() as session:
        job = session.get(Job, clicks[0][0])
        (export,) = session.scalars(select(Export).where(Export.request_id == request_id))
        kinds = [
            e.kind
            for e in session.scalars(
                select(RequestEvent).where(RequestEvent.request_id == request_id)
            )
        ]
        mail = session.scalars(
            select(OutboxMail).where(OutboxMail.template == "export_ready")
        ).one()
        demo_orders = {
            o.id: o
            for o in session.scalars(select(DemoOrder).where(DemoOrder.customer_id == ada.id))
        }
        demo_lines = {
            i.id: i
            for i in session.scalars(
                select(DemoLineItem).where(DemoLineItem.order_id.in_(demo_orders))
            )
        }
        assert verify_chain(session).ok
    assert job.status == JobStatus.DONE and job.attempts == 1
    assert job.progress_total is not None and job.progress_done == job.progress_total >= 3
    assert request_row(db, request_id).status == Status.READY_FOR_REVIEW
    assert kinds.count(EventKind.EXPORT) == 1
    assert mail.to_addr == "owner@demo-shop.test" and "/request?ref=" in mail.text_body

    path = Path(export.path)
    assert (
        path.parent == tmp_path and export.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    )
    files = read_package(path)
    assert set(files) == FILES
    manifest = json.loads(files["manifest.json"])
    assert manifest["request_reference"] == request_row(db, request_id).reference
    for entry in manifest["files"]:
        assert hashlib.sha256(files[entry["name"]]).hexdigest() == entry["sha256"]
    assert {e["name"] for e in manifest["files"]} == FILES - {"manifest.json"}
    for name, header in COLUMNS.items():
        reader = csv.reader(io.StringIO(files[name].decode(), newline=""))
        table = list(reader)
        assert tuple(table[0]) == header and all(len(r) == len(header) for r in table)

    orders = rows(files["orders.csv"])
    assert {int(o["order_id"]) for o in orders} == set(demo_orders)
    for order in orders:
        stored = demo_orders[int(order["order_id"])]
        assert order["order_name"] == stored.name and order["total"] == f"{stored.total_price:.2f}"
        assert order["financial_status"] == stored.financial_status.upper()
    lines = rows(files["order_lines.csv"])
    assert len(lines) == len(demo_lines) == 60 * 7
    for line in lines:
        stored = demo_lines[int(line["line_item_id"])]
        assert int(line["order_id"]) == stored.order_id and int(line["quantity"]) == stored.quantity
        assert line["sku"] == stored.sku and line["unit_price"] == f"{stored.price:.2f}"
        title = stored.title
        assert line["title"] == ("'" + title if title[0] in "=+-@" else title)  # OWASP escaping
    addresses = rows(files["addresses.csv"])
    assert [a["source"] for a in addresses].count("order_shipping") == 60
    assert "'-Unter den Linden 1" in {a["address1"] for a in addresses}
    history = rows(files["requests.csv"])
    assert [h["status"] for h in history] == ["rejected", "in_progress"]  # as of the export
    customer = json.loads(files["customer.json"])
    assert customer["defaultEmailAddress"]["emailAddress"] == "ada@example.com"
    assert "orders.csv" in files["README.txt"].decode()


def test_encrypted_package_needs_the_passphrase_which_is_never_stored(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    ada = add_demo_customer(db, email="ada@example.com", orders=2)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with db.write() as session:
        set_setting(session, "encrypt_exports", True, "admin@shop.test")
    with running_store(db) as server:
        config = config_for(server, db, tmp_path)
        click_export(db, request_id)
        run_worker(db, config)
    with db.read() as session:
        export = session.scalars(select(Export)).one()
        stored = " ".join(
            [json.dumps(j.result) + json.dumps(j.payload) for j in session.scalars(select(Job))]
            + [json.dumps(e.details) for e in session.scalars(select(RequestEvent))]
            + [m.text_body for m in session.scalars(select(OutboxMail))]
        )
    passphrase = package_passphrase(config, export)
    assert export.encrypted and passphrase and passphrase not in stored
    with zipfile.ZipFile(export.path) as plain, pytest.raises(RuntimeError, match="password"):
        plain.read("orders.csv")
    files = read_package(Path(export.path), passphrase)
    assert len(rows(files["orders.csv"])) == 2
    with zipfile.ZipFile(export.path) as archive:
        extra = archive.getinfo("orders.csv").extra
    (header,) = struct.unpack("<H", extra[:2])  # WinZip AES extra field: id, size, version,
    assert header == 0x9901 and extra[6:8] == b"AE" and extra[8] == 3  # "AE", strength 3 = 256


def test_staff_export_from_a_customer_records_one_staff_request(
    sqlite_db: Database, tmp_path: Path
) -> None:
    db, store = sqlite_db, make_store(sqlite_db)
    add_demo_customer(db, email="ada@example.com", orders=3)
    results = []
    for _ in range(3):
        with db.write() as session:
            request, job, created = export_customer(
                session, store, "Ada@Example.com", "merchant@shop.test"
            )
            results.append((request.id, job.id, created))
    assert len({r[0] for r in results}) == 1 and len({r[1] for r in results}) == 1
    assert [r[2] for r in results] == [True, False, False]
    request = request_row(db, results[0][0])
    assert request.channel == Channel.STAFF and request.status == Status.IN_PROGRESS
    with running_store(db) as server:
        run_worker(db, config_for(server, db, tmp_path))
    assert request_row(db, request.id).status == Status.READY_FOR_REVIEW
    with db.write() as session:  # the next Export of that customer reuses the open request
        again, _job, _created = export_customer(session, store, "ada@example.com", "m")
        assert again.id == request.id


def test_exporting_an_unverified_request_is_refused(sqlite_db: Database) -> None:
    store = make_store(sqlite_db)
    guest = open_access_request(sqlite_db, store, "guest@example.com", channel=Channel.GUEST)
    with pytest.raises(LifecycleError, match="verified first"):
        click_export(sqlite_db, guest)
    with sqlite_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_customer_missing_from_the_store_fails_clearly_and_hands_the_request_back(
    sqlite_db: Database, tmp_path: Path
) -> None:
    store = make_store(sqlite_db)
    request_id = open_access_request(sqlite_db, store, "nobody@example.com")
    with running_store(sqlite_db) as server:
        job_id, _ = click_export(sqlite_db, request_id)
        run_worker(sqlite_db, config_for(server, sqlite_db, tmp_path))
    with sqlite_db.read() as session:
        job = session.get(Job, job_id)
        last = session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request_id)
            .order_by(RequestEvent.seq.desc())
        ).first()
    assert job.status == JobStatus.FAILED and job.attempts == 1
    assert "no customer with the email nobody@example.com" in job.last_error
    assert request_row(sqlite_db, request_id).status == Status.VERIFIED
    assert last.to_status == Status.VERIFIED and "export failed" in last.reason
    assert not list(tmp_path.glob("*.zip"))


def test_a_missing_scope_fails_at_once_naming_it(sqlite_db: Database, tmp_path: Path) -> None:
    store = make_store(sqlite_db)
    ada = add_demo_customer(sqlite_db, email="ada@example.com")
    request_id = open_access_request(sqlite_db, store, "ada@example.com", customer_id=str(ada.id))
    with running_store(sqlite_db, scopes=frozenset({"read_customers"})) as server:
        job_id, _ = click_export(sqlite_db, request_id)
        run_worker(sqlite_db, config_for(server, sqlite_db, tmp_path))
    with sqlite_db.read() as session:
        job = session.get(Job, job_id)
    assert job.status == JobStatus.FAILED and job.attempts == 1  # retrying cannot help
    assert "lacks the `read_orders` access scope" in job.last_error
    assert request_row(sqlite_db, request_id).status == Status.VERIFIED
