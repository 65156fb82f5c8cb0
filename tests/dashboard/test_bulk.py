"""Bulk actions: role-checked, audited per request, a few at once and many as a resumable job."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from lib.core import lifecycle
from lib.core.audit import verify_chain
from lib.core.db import Database
from lib.core.enums import Channel, EventKind, JobStatus, RequestType, Status
from lib.core.lifecycle import NewRequest
from lib.core.models import Job, OutboxMail, Request, RequestEvent, Store
from lib.dashboard import bulk
from lib.dashboard.actions import ActionError
from lib.dashboard.roles import PermissionDenied, Role
from lib.dashboard.worklist import RequestQuery, filtered_ids
from lib.jobs.bulk_job import BATCH, BULK_KIND, run_bulk
from lib.jobs.queue import claim, complete
from lib.jobs.worker import JobContext
from tests.dashboard.conftest import actor


def _open_many(db: Database, store: Store, count: int, channel: Channel) -> list[int]:
    with db.write() as session:
        return [
            lifecycle.open_request(
                session,
                NewRequest(store, RequestType.ACCESS, channel, f"p{i}@example.com", f"P {i}"),
                actor="customer",
            ).id
            for i in range(count)
        ]


def _count(db: Database, model: type, *where: object) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_few_are_changed_at_once_each_with_its_own_event(db: Database, store: Store):
    verified = _open_many(db, store, 3, Channel.LOGGED_IN)
    pending = _open_many(db, store, 2, Channel.GUEST)
    events = _count(db, RequestEvent)
    started = bulk.start(db, actor(Role.MERCHANT), "add_note", verified + pending, "called back")
    assert (started.job_id, started.tally.done, started.tally.skipped) == (None, 5, 0)
    assert _count(db, RequestEvent, RequestEvent.kind == EventKind.NOTE) == 5
    assert _count(db, RequestEvent) == events + 5
    outcome = bulk.start(db, actor(Role.MERCHANT), "resend_verification", verified + pending)
    assert (outcome.tally.done, outcome.tally.skipped) == (2, 3)
    assert "not waiting for verification" in outcome.summary
    assert _count(db, OutboxMail, OutboxMail.template == "verify") == 2
    with db.read() as session:
        assert verify_chain(session).ok


def test_refusals_write_nothing(db: Database, store: Store):
    ids = _open_many(db, store, 2, Channel.LOGGED_IN)
    events = _count(db, RequestEvent)
    with pytest.raises(PermissionDenied):
        bulk.start(db, actor(Role.MERCHANT), "reject_spam", ids, "bot")
    with pytest.raises(PermissionDenied):
        bulk.start(db, actor(Role.ANALYST), "add_note", ids, "x")
    with pytest.raises(ActionError, match="needs a reason"):
        bulk.start(db, actor(Role.COMPLIANCE), "reject_duplicate", ids, "  ")
    with pytest.raises(ActionError, match="at least one"):
        bulk.start(db, actor(Role.COMPLIANCE), "add_note", [], "x")
    with pytest.raises(ActionError, match="not a staff member"):
        bulk.start(db, actor(Role.ADMIN), "assign_owner", ids, "stranger@else.where")
    with pytest.raises(ActionError, match="at most"):
        bulk.start(db, actor(Role.ADMIN), "add_note", range(bulk.BULK_MAX + 1), "x")
    assert _count(db, RequestEvent) == events


def test_rejections_tell_the_customer_except_spam_from_unconfirmed_addresses(db, store):
    verified = _open_many(db, store, 2, Channel.LOGGED_IN)
    pending = _open_many(db, store, 1, Channel.GUEST)
    me = actor(Role.COMPLIANCE)
    assert bulk.start(db, me, "reject_duplicate", verified[:1], "same as DSR-1").tally.done == 1
    assert bulk.start(db, me, "reject_spam", verified[1:] + pending, "bot").tally.done == 2
    with db.read() as session:
        told = session.scalars(
            select(OutboxMail.request_id).where(OutboxMail.template == "decision_rejected")
        ).all()
    assert sorted(told) == verified  # the unconfirmed guest address gets no refusal


def test_duplicates_are_merged_into_the_kept_request(db: Database, store: Store):
    with db.write() as session:
        ids = [
            lifecycle.open_request(
                session,
                NewRequest(store, RequestType.ACCESS, channel, "same@example.com"),
                actor="customer",
            ).id
            for channel in (Channel.GUEST, Channel.STAFF, Channel.GUEST)
        ]
        keep = session.get(Request, ids[0]).reference
    me = actor(Role.MERCHANT)
    with pytest.raises(ActionError, match="no request"):
        bulk.start(db, me, "merge", ids, "DSR-1999-000001")
    merged = bulk.start(db, me, "merge", ids, keep.lower()).tally
    # itself, and the verified staff request (it would not be folded into an unverified one)
    assert (merged.done, merged.skipped) == (1, 2)
    with db.read() as session:
        assert [session.get(Request, i).merged_into_id for i in ids] == [None, None, ids[0]]
        assert session.get(Request, ids[0]).status == Status.PENDING_VERIFICATION


def test_reject_close_assign_and_export(db: Database, store: Store):
    ids = _open_many(db, store, 4, Channel.LOGGED_IN)
    me = actor(Role.ADMIN)
    assert bulk.start(db, me, "assign_owner", ids[:2], me.email).tally.done == 2
    assert filtered_ids(db, RequestQuery(owner=me.email), 10) == ids[:2]
    assert bulk.start(db, me, "reject_spam", ids[:1], "bot traffic").tally.done == 1
    assert bulk.start(db, me, "start_export", ids[1:3]).tally.done == 2
    closing = bulk.start(db, me, "close", ids, "answered by phone").tally
    assert (closing.done, closing.skipped) == (1, 3)  # rejected; two exports running
    with db.read() as session:
        statuses = [session.get(Request, i).status for i in ids]
        spam = session.get(Request, ids[0])
        assert (spam.rejection_code, spam.rejection_text) == (
            "manifestly_unfounded",
            "spam: bot traffic",
        )
    assert statuses == [Status.REJECTED, Status.IN_PROGRESS, Status.IN_PROGRESS, Status.COMPLETED]


def test_many_run_as_a_job_that_resumes_where_it_stopped(db: Database, store: Store):
    ids = _open_many(db, store, bulk.INLINE_MAX + BATCH + 1, Channel.LOGGED_IN)
    me = actor(Role.COMPLIANCE)
    started = bulk.start(db, me, "reject_duplicate", ids, "same as DSR-1")
    assert started.job_id is not None and started.tally is None
    state = bulk.progress(db, me, started.job_id)
    assert (state.status, state.done, state.total) == (JobStatus.QUEUED, 0, len(ids))
    with pytest.raises(ActionError):
        bulk.progress(db, actor(Role.ADMIN), started.job_id)  # someone else's job
    job = claim(db, "w1", kinds=(BULK_KIND,))
    # A first attempt that got through one batch before its worker died:
    with db.write() as session:
        row = session.get(Job, job.id)
        row.result = {"total": len(ids), "done": BATCH, "skipped": 0, "examples": []}
        for request_id in ids[:BATCH]:
            lifecycle.reject(
                session, session.get(Request, request_id), actor=me.email, code="duplicate"
            )
    result = run_bulk(JobContext(db, job, "w1"))
    complete(db, job.id, "w1", result)
    assert (result["done"], result["skipped"]) == (len(ids), 0)
    assert _count(db, RequestEvent, RequestEvent.to_status == Status.REJECTED) == len(ids)
    state = bulk.progress(db, me, started.job_id)
    assert state.finished and state.fraction == 1.0
    assert state.summary == f"{len(ids):,} requests changed."


def test_selection_csv_has_human_headers_masks_and_is_audited(db: Database, store: Store):
    ids = _open_many(db, store, 3, Channel.GUEST)
    data = bulk.selection_csv(db, actor(Role.MERCHANT), ids).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == list(bulk.CSV_HEADERS) and len(rows) == 4
    assert rows[1][3] == "Pending verification" and "@" in rows[1][5]
    assert rows[1][5] != "p0@example.com"  # masked: the merchant may not unmask reports
    assert (
        bulk.selection_csv(db, actor(Role.COMPLIANCE), ids[:1])
        .decode("utf-8-sig")
        .count("p0@example.com")
        == 1
    )
    with db.read() as session:
        details = session.scalars(
            select(RequestEvent.details).where(RequestEvent.kind == EventKind.DOWNLOAD)
        ).all()
    assert details == [
        {"report": "selection", "rows": 3, "unmasked": False},
        {"report": "selection", "rows": 1, "unmasked": True},
    ]
