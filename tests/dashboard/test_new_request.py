"""Staff-made requests: a recorded identity check or the Verify Request link, duplicates shown
and merged without skipping verification; the New request page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lib.core.db import Database
from lib.core.enums import Channel, Status
from lib.core.models import OutboxMail, Request, RequestEvent, Store
from lib.core.models.requests import StaffIntake
from lib.dashboard import new_request
from lib.dashboard.actions import ActionError
from lib.dashboard.new_request import StaffRequest
from lib.dashboard.roles import PermissionDenied, Role
from tests.dashboard.conftest import Seeded, actor, page


def _form(store: Store, **kw: object) -> StaffRequest:
    fields = {"type": "access", "medium": "phone", "email": "Caller@Example.com"} | kw
    return StaffRequest(store_id=store.id, **fields)


def _events(db: Database) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(RequestEvent)) or 0)


def test_a_checked_identity_starts_verified_and_keeps_the_check(db: Database, store: Store):
    me = actor(Role.MERCHANT)
    done = new_request.record(
        db,
        me,
        _form(store, checked_by_staff=True, identity_check="called back the account's number"),
    )
    assert (done.link_sent, done.duplicates) == (False, ())
    with db.read() as session:
        request = session.get(Request, done.id)
        assert (request.status, request.channel, request.email) == (
            Status.VERIFIED,
            Channel.STAFF,
            "caller@example.com",
        )
        intake = session.get(StaffIntake, done.id)
        assert (intake.medium, intake.recorded_by, intake.identity_check) == (
            "phone",
            me.email,
            "called back the account's number",
        )
        reason = session.scalar(
            select(RequestEvent.reason).where(RequestEvent.to_status == Status.VERIFIED)
        )
        assert reason == "identity checked by staff (phone): called back the account's number"
        assert session.scalar(select(func.count()).select_from(OutboxMail)) == 0


def test_the_link_path_waits_for_the_customer_and_duplicates_are_found(db: Database, store):
    me = actor(Role.COMPLIANCE)
    first = new_request.record(db, me, _form(store))
    assert first.link_sent
    with db.read() as session:
        assert session.get(Request, first.id).status == Status.PENDING_VERIFICATION
        assert session.scalar(select(OutboxMail.template)) == "verify"
    second = new_request.record(db, me, _form(store, medium="letter"))
    assert [d.reference for d in second.duplicates] == [first.reference]
    found = new_request.duplicates(db, me, store.id, "caller@example.com", "access")
    assert {d.id for d in found} == {first.id, second.id}
    new_request.merge(db, me, second.id, first.id)
    with db.read() as session:
        merged, kept = session.get(Request, second.id), session.get(Request, first.id)
        assert (merged.status, merged.merged_into_id) == (Status.CANCELED, first.id)
        assert kept.status == Status.PENDING_VERIFICATION  # the merge verified nothing


def test_bad_input_and_roles_write_nothing(db: Database, store: Store):
    before = _events(db)
    for form, message in (
        (_form(store, email="not-an-address"), "not a valid email"),
        (_form(store, checked_by_staff=True, identity_check=" "), "how you checked"),
        (_form(store, country="Germany"), "two-letter country"),
        (_form(store, medium="fax"), "how it reached you"),
    ):
        with pytest.raises(ActionError, match=message):
            new_request.record(db, actor(Role.ADMIN), form)
    with pytest.raises(PermissionDenied):
        new_request.record(db, actor(Role.ANALYST), _form(store))
    assert _events(db) == before


def test_the_page_records_a_request_and_merges_the_duplicate(seeded: Seeded):
    at = page("pages/new_request.py", Role.MERCHANT).run()
    at.text_input(key="pd_nr_email").input("pending@example.com").run()
    assert any(seeded.refs["pending"] in w.value for w in at.warning)  # shown before recording
    at.button(key="pd_nr_record").click().run()
    assert not at.exception
    success = at.success[0].value
    assert "Verify Request link was sent" in success
    pending = seeded.id("pending")
    at.button(key=f"pd_nr_merge_{pending}").click().run()
    assert any(f"Merged into {seeded.refs['pending']}" in s.value for s in at.success)
    with seeded.db.read() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(Request).where(Request.merged_into_id == pending)
            )
            == 1
        )
