"""Neighbours failing mid-way: the store dropping every connection in the middle of an export,
and a mail server refusing a mail for good.

tests/jobs/test_export_faults.py covers a store that answers 429/5xx/drops now and then (the
export completes) and one that answers 500 from the first query (it fails after bounded
retries); tests/mail/test_delivery.py covers SMTP outages, 4xx retries and 5xx failures. Here the
failure comes after part of the data was fetched and written, and the failed mail must be
visible to staff.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import func, select, update

from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import EventKind, JobStatus, Status
from lib.core.models import Export, Job, OutboxMail, RequestEvent, utcnow
from lib.dashboard.roles import Role
from lib.jobs.handlers import job_handlers
from lib.jobs.worker import Worker
from lib.mail.delivery import deliver_pending
from lib.store.demo_data import add_demo_customer
from tests.dashboard.conftest import page
from tests.helpers.export import click_export, read_package, rows
from tests.helpers.outbox import queue_mails
from tests.helpers.stores import make_store
from tests.mail.smtp_sink import SmtpSink
from tests.reliability.processes import record
from tests.store.helpers import (
    config_for,
    job_row,
    open_access_request,
    post,
    request_row,
    running_store,
    wait_until,
)


def _count(db: Database, model: type, *where: object) -> int:
    with db.read() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where))


def test_store_dropping_connections_mid_export_leaves_nothing_half_delivered(
    db: Database, tmp_path: Path
) -> None:
    store = make_store(db)
    ada = add_demo_customer(db, email="ada@example.com", orders=300, lines_per_order=2)
    request_id = open_access_request(db, store, "ada@example.com", customer_id=str(ada.id))
    with running_store(db) as server:
        post(server, "/_demo/faults", {"delay": 0.15})  # a slow store: 150 ms per answer
        config = config_for(server, db, tmp_path, store_max_attempts=2, store_backoff_ms=10)
        job_id, _ = click_export(db, request_id)
        worker = Worker(db, job_handlers(config))
        first = threading.Thread(target=worker.run_once)
        first.start()
        wait_until(lambda: job_row(db, job_id).progress_done >= 2, timeout=30)
        fetched = job_row(db, job_id).progress_done
        post(server, "/_demo/faults", {"drop_rate": 1.0, "delay": 0.0})  # now every answer drops
        first.join(timeout=30)
        for _attempt in (2, 3):  # the job's retries, without waiting for their backoff
            with db.write() as session:
                session.execute(update(Job).values(run_after=utcnow()))
            worker.run_once()
        post(server, "/_demo/faults", {"drop_rate": 0.0, "delay": 0.02})
        failed = job_row(db, job_id)
        request = request_row(db, request_id)
        assert failed.status == JobStatus.FAILED and failed.attempts == failed.max_attempts == 3
        assert failed.last_error.startswith("StoreUnavailable: the store did not answer after 2")
        assert request.status == Status.VERIFIED  # back with the merchant, the reason recorded
        assert _count(db, Export) == 0
        assert _count(db, RequestEvent, RequestEvent.kind == EventKind.EXPORT) == 0
        assert _count(db, OutboxMail, OutboxMail.template == "export_ready") == 0
        assert not list(tmp_path.glob("*.zip")) and not list(tmp_path.glob(".*.part"))
        assert not any((tmp_path / ".work").iterdir())  # the half-written files are gone
        with db.read() as session:
            reason = session.scalars(
                select(RequestEvent.reason)
                .where(RequestEvent.request_id == request_id)
                .order_by(RequestEvent.seq.desc())
            ).first()
        assert reason.startswith("export failed: StoreUnavailable")

        again, created = click_export(db, request_id)  # the store is back, slow but working
        assert created and again != job_id
        worker.run_once()
    done = job_row(db, again)
    assert done.status == JobStatus.DONE and done.attempts == 1
    assert request_row(db, request_id).status == Status.READY_FOR_REVIEW
    with db.read() as session:
        export = session.scalars(select(Export)).one()
    assert len(rows(read_package(Path(export.path))["orders.csv"])) == 300
    record(
        f"store_drops_mid_export_{db.engine.dialect.name}",
        {
            "pages_fetched_before_the_outage": fetched - 1,
            "job_attempts_then_failed": failed.attempts,
            "store_tries_per_query": 2,
            "half_delivered_exports": 0,
            "retry_export_after_recovery": "done in 1 attempt",
        },
    )


def test_a_mail_refused_for_good_is_failed_and_shown_on_the_mail_page(app_db: Database) -> None:
    queue_mails(app_db, 2)
    sink = SmtpSink().start()
    sink.reply = lambda m: (
        "550 5.1.1 no such mailbox" if m["To"] == "customer1@example.com" else None
    )
    try:
        assert deliver_pending(app_db, Config(smtp_url=sink.url)) == 1
    finally:
        sink.stop()
    at = page("pages/mail.py", Role.MERCHANT).run()
    assert not at.exception and not at.error
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Sent"], metrics["Failed"]) == ("1", "1")
    table = at.dataframe[0].value
    [failed] = table[table["status"] == "failed"].to_dict("records")
    assert (
        failed["to"] == "customer1@example.com" and "550 5.1.1 no such mailbox" in failed["error"]
    )
    at.selectbox(key="pd_ml_status").set_value("failed").run()
    assert at.dataframe[0].value["to"].tolist() == ["customer1@example.com"]
