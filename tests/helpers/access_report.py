"""An export of a customer with hostile names and titles over the demo store: its files."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select, update

from lib.core.db import Database
from lib.core.enums import Status
from lib.core.models import DemoLineItem, DemoOrder, Export, Request, StaffRole, Store
from lib.mail.notifications import notify_customer
from lib.store.demo_data import add_demo_customer
from tests.helpers.export import click_export, read_package, run_worker
from tests.helpers.stores import make_store
from tests.store.helpers import config_for, open_access_request, running_store

HOSTILE_NAME = '<script>alert("x")</script>'


HOSTILE_TITLE = '=HYPERLINK("http://evil.example","ok")<img src=x onerror=alert(1)>'


BIDI = "invoice\u202etxt.exe"


def export_hostile_customer(
    db: Database,
    tmp_path: Path,
    *,
    scopes: frozenset[str] | None = None,
    orders_requested: list[str] | None = None,
) -> tuple[dict[str, bytes], Store]:
    store = make_store(db)
    ada = add_demo_customer(
        db, email="ada@example.com", first_name=HOSTILE_NAME, last_name=BIDI, orders=3
    )
    with db.write() as session:
        first = session.scalars(select(DemoOrder.id).where(DemoOrder.customer_id == ada.id)).first()
        session.execute(
            update(DemoLineItem).where(DemoLineItem.order_id == first).values(title=HOSTILE_TITLE)
        )
        session.add(StaffRole(email="merchant@shop.test", role="merchant", updated_by="admin"))
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with db.write() as session:
        request = session.get(Request, request_id)
        request.orders_requested = orders_requested
        request.locale = "en"  # the demo customer's own Admin API locale is German
        notify_customer(session, request, session.get(Store, store.id), event="received")
    options = {} if scopes is None else {"scopes": scopes}
    with running_store(db, **options) as server:
        click_export(db, request_id)
        run_worker(db, config_for(server, db, tmp_path))
    with db.read() as session:
        export = session.scalars(select(Export)).one()
        assert session.get(Request, request_id).status == Status.READY_FOR_REVIEW
    return read_package(Path(export.path)), store
