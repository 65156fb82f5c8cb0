"""Retention: packages and their links are purged after their lifetime, audited, and nothing
that can still be used is touched; leftovers of interrupted builds are swept."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lib.core.audit import verify_chain
from lib.core.config import Config
from lib.core.db import Database
from lib.core.enums import EventKind, JobStatus, Status
from lib.core.lifecycle import LifecycleError, reject, transition
from lib.core.models import Delivery, Export, Job, Request, RequestEvent, Store, utcnow
from lib.jobs.delivery import DownloadGrant, DownloadRefused, deliver, open_download, revoke
from lib.jobs.handlers import job_handlers, periodic_jobs
from lib.jobs.retention import PURGE_KIND, purge_exports
from lib.jobs.worker import Worker
from tests.store.helpers import open_access_request

CONFIG = Config(token_secret="retention-test-secret")


def _package(db: Database, store: Store, folder: Path, email: str) -> Export:
    """A request ready for review with its package on disk (the export job's end state)."""
    request_id = open_access_request(db, store, email)
    path = folder / f"pkg-{request_id}.zip"
    path.write_bytes(b"PK\x05\x06" + bytes(18))
    with db.write() as session:
        request = session.get(Request, request_id)
        for status in (Status.IN_PROGRESS, Status.READY_FOR_REVIEW):
            transition(session, request, status, actor="system")
        export = Export(request_id=request_id, path=str(path), sha256="0" * 64)
        session.add(export)
    return export


def _deliver(db: Database, export: Export) -> tuple[Delivery, str]:
    with db.write() as session:
        result = deliver(
            session, session.get(Export, export.id), "merchant@shop.test", config=CONFIG
        )
    return result.delivery, result.url.rsplit("/", 1)[1]


def _export(db: Database, export_id: int) -> Export:
    with db.read() as session:
        return session.get(Export, export_id)


def _links(db: Database, export_id: int) -> int:
    with db.read() as session:
        query = select(func.count()).select_from(Delivery).where(Delivery.export_id == export_id)
        return session.scalar(query)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "exports"
    path.mkdir()
    return path


def test_delivered_packages_live_until_their_last_link_expires(
    db: Database, store: Store, folder: Path
) -> None:
    export = _package(db, store, folder, "ada@example.com")
    delivery, token = _deliver(db, export)
    assert isinstance(open_download(db, token, config=CONFIG), DownloadGrant)
    week = delivery.expires_at - utcnow()
    assert timedelta(days=6, hours=23) < week <= timedelta(days=7)  # download_link_days = 7

    before_expiry = purge_exports(db, folder, now=delivery.expires_at - timedelta(minutes=1))
    assert (before_expiry.exports, before_expiry.links) == (0, 0)
    assert Path(export.path).is_file() and _links(db, export.id) == 1

    after = delivery.expires_at + timedelta(minutes=1)
    result = purge_exports(db, folder, now=after)
    assert (result.exports, result.links) == (1, 1)
    assert not Path(export.path).exists() and _links(db, export.id) == 0
    assert _export(db, export.id).purged_at == after
    with db.read() as session:
        event = session.scalars(select(RequestEvent).order_by(RequestEvent.seq.desc())).first()
        assert verify_chain(session).ok
    assert (event.kind, event.actor, event.request_id) == (
        EventKind.NOTE,
        "system",
        export.request_id,
    )
    assert event.details == {
        "export_id": export.id,
        "file": Path(export.path).name,
        "links_deleted": 1,
    }
    assert "deleted after their lifetime" in event.reason

    assert open_download(db, token, config=CONFIG) is DownloadRefused.INVALID  # the link is gone
    again = purge_exports(db, folder, now=after + timedelta(days=1))
    assert (again.exports, again.links) == (0, 0)  # idempotent


def test_a_newer_link_keeps_the_package_and_revoking_does_not_shorten_it(
    db: Database, store: Store, folder: Path
) -> None:
    export = _package(db, store, folder, "bob@example.com")
    first, _token = _deliver(db, export)
    with db.write() as session:
        revoke(session, session.get(Delivery, first.id), "merchant@shop.test", "sent to a typo")
    second, _token = _deliver(db, export)
    assert purge_exports(db, folder, now=first.expires_at - timedelta(seconds=1)).exports == 0
    with db.write() as session:  # the second link is issued a day later than the first
        session.get(Delivery, second.id).expires_at = first.expires_at + timedelta(days=1)
    assert purge_exports(db, folder, now=first.expires_at + timedelta(hours=1)).exports == 0
    assert Path(export.path).is_file() and _links(db, export.id) == 2
    done = purge_exports(db, folder, now=first.expires_at + timedelta(days=2))
    assert (done.exports, done.links) == (1, 2)
    with db.write() as session, pytest.raises(LifecycleError, match="no longer on disk"):
        deliver(session, session.get(Export, export.id), "merchant@shop.test", config=CONFIG)


def test_undelivered_packages_live_while_the_request_is_open_then_a_link_lifetime(
    db: Database, store: Store, folder: Path
) -> None:
    export = _package(db, store, folder, "carol@example.com")
    far = utcnow() + timedelta(days=400)
    assert purge_exports(db, folder, now=far).exports == 0  # still waiting for review
    with db.write() as session:
        reject(session, session.get(Request, export.request_id), actor="dpo", code="excessive")
        closed = session.get(Request, export.request_id).closed_at
    assert purge_exports(db, folder, now=closed + timedelta(days=6)).exports == 0
    assert purge_exports(db, folder, now=closed + timedelta(days=7, seconds=1)).exports == 1
    assert not Path(export.path).exists() and _export(db, export.id).purged_at is not None


def test_leftovers_older_than_a_day_are_swept_and_live_files_kept(
    db: Database, store: Store, folder: Path
) -> None:
    live = _package(db, store, folder, "dan@example.com")
    work = folder / ".work" / "17-2"
    work.mkdir(parents=True)
    (work / "orders.csv").write_text("order_id\n")
    part = folder / ".DSR-2026-000009-17-abcd.zip.part"
    orphan = folder / "DSR-2026-000009-17-0dead0ff.zip"
    fresh = folder / "DSR-2026-000010-18-00c0ffee.zip"  # just renamed into place by a build
    for path in (part, orphan, fresh):
        path.write_bytes(b"PK")
    old = (utcnow() - timedelta(days=2)).timestamp()
    for path in (work / "orders.csv", work, part, orphan, Path(live.path)):
        os.utime(path, (old, old))
    result = purge_exports(db, folder)
    assert (result.exports, result.orphans) == (0, 3)
    assert not work.exists() and not part.exists() and not orphan.exists()
    assert fresh.exists() and Path(live.path).exists()


def test_the_worker_keeps_the_purge_scheduled_and_runs_it(
    db: Database, store: Store, folder: Path
) -> None:
    config = CONFIG.replace(export_dir=str(folder))
    assert PURGE_KIND in periodic_jobs() and PURGE_KIND in job_handlers(config)
    export = _package(db, store, folder, "eve@example.com")
    delivery, _token = _deliver(db, export)
    with db.write() as session:  # the link's lifetime ended
        session.get(Delivery, delivery.id).expires_at = utcnow() - timedelta(seconds=1)
    handlers = {PURGE_KIND: job_handlers(config)[PURGE_KIND]}
    worker = Worker(db, handlers, periodic={PURGE_KIND: periodic_jobs()[PURGE_KIND]})
    assert worker.run_once()
    with db.read() as session:
        job = session.scalars(select(Job).where(Job.kind == PURGE_KIND)).one()
    assert job.status == JobStatus.DONE
    assert job.result == {"exports": 1, "links": 1, "orphans": 0}
    assert not Path(export.path).exists()
