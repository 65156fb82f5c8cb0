"""Every dashboard action checks the actor's role in lib/ and changes the database as intended."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from lib.core.audit import verify_chain
from lib.core.models import OutboxMail, Request, RequestEvent, SettingChange, StaffRole
from lib.core.settings import get_setting
from lib.dashboard import actions, store_actions
from lib.dashboard.queries import Scope
from lib.dashboard.roles import RIGHTS, PermissionDenied, Right, Role
from tests.dashboard.conftest import Seeded, actor

Action = Callable[[Seeded, Role], object]

ACTIONS: dict[str, tuple[Right, Action]] = {
    "resend": (
        Right.RESEND_VERIFICATION,
        lambda s, r: actions.resend_verification(s.db, actor(r), s.id("pending")),
    ),
    "verify": (
        Right.VERIFY,
        lambda s, r: actions.verify_manually(s.db, actor(r), s.id("pending"), "ID call"),
    ),
    "extend": (
        Right.EXTEND,
        lambda s, r: actions.extend(s.db, actor(r), s.id("verified"), "Many orders"),
    ),
    "reject": (
        Right.REJECT,
        lambda s, r: actions.reject(s.db, actor(r), s.id("verified"), "duplicate"),
    ),
    "note": (Right.NOTE, lambda s, r: actions.add_note(s.db, actor(r), s.id("verified"), "Hi")),
    "close": (Right.CLOSE, lambda s, r: actions.close(s.db, actor(r), s.id("verified"))),
    "settings": (
        Right.SETTINGS,
        lambda s, r: actions.change_settings(s.db, actor(r), {"download_max": 5}),
    ),
    "set_role": (
        Right.ROLES,
        lambda s, r: actions.set_role(s.db, actor(r), "new@shop.example", "analyst"),
    ),
    "audit": (Right.AUDIT, lambda s, r: actions.verify_audit_chain(s.db, actor(r))),
    "report": (
        Right.REPORTS,
        lambda s, r: actions.request_report(s.db, actor(r), Scope(), ["reference"]),
    ),
    "unmask": (
        Right.UNMASK_REPORTS,
        lambda s, r: actions.request_report(s.db, actor(r), Scope(), ["email"], unmask=True),
    ),
    "unmask_link": (
        Right.UNMASK_REPORTS,
        lambda s, r: actions.report_link(actor(r), Scope(), ["email"], unmask=True),
    ),
    "store_test": (Right.SETTINGS, lambda s, r: store_actions.test_connection(actor(r))),
    "contact_email": (
        Right.SETTINGS,
        lambda s, r: store_actions.set_contact_email(s.db, actor(r), s.store.id, "dpo@x.example"),
    ),
    "export": (
        Right.EXPORT,
        lambda s, r: store_actions.start_export(s.db, actor(r), s.id("verified")),
    ),
    "export_customer": (
        Right.EXPORT,
        lambda s, r: store_actions.export_customer(s.db, actor(r), 1, None),
    ),
    "review": (Right.DELIVER, lambda s, r: store_actions.review_package(s.db, actor(r), 1)),
    "deliver": (Right.DELIVER, lambda s, r: store_actions.deliver(s.db, actor(r), 1)),
    "revoke": (Right.DELIVER, lambda s, r: store_actions.revoke(s.db, actor(r), 1)),
    "customers": (Right.CUSTOMERS, lambda s, r: store_actions.search_customers(actor(r), "jane")),
}


def _event_count(seeded: Seeded) -> int:
    with seeded.db.read() as session:
        return session.scalar(select(func.count()).select_from(RequestEvent))


REFUSED = [
    (name, role)
    for name, (right, _) in ACTIONS.items()
    for role in Role
    if right not in RIGHTS[role]
]


@pytest.mark.parametrize(("name", "role"), REFUSED)
def test_roles_without_the_right_are_refused_before_anything_changes(seeded, name, role):
    _right, run = ACTIONS[name]
    before = _event_count(seeded)
    with pytest.raises(PermissionDenied, match=rf"\({role.value}\) may not"):
        run(seeded, role)
    assert _event_count(seeded) == before


def test_the_analyst_may_only_read_and_report() -> None:
    assert RIGHTS[Role.ANALYST] == {Right.VIEW_REQUESTS, Right.REPORTS}
    assert Right.UNMASK_REPORTS in RIGHTS[Role.COMPLIANCE] | RIGHTS[Role.ADMIN]
    assert Right.UNMASK_REPORTS not in RIGHTS[Role.MERCHANT]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MERCHANT, Role.COMPLIANCE])
def test_verify_manually_records_who_and_why(seeded, role):
    actions.verify_manually(seeded.db, actor(role), seeded.id("pending"), "Checked by phone")
    assert seeded.status("pending") == "verified"
    with seeded.db.read() as session:
        event = session.scalars(select(RequestEvent).order_by(RequestEvent.seq.desc())).first()
    assert (event.actor, event.reason, event.details) == (
        f"{role.value}@shop.example",
        "Checked by phone",
        {"manual": True},
    )


def test_verify_needs_a_reason_and_a_request_waiting_for_it(seeded):
    with pytest.raises(actions.ActionError, match="how the identity"):
        actions.verify_manually(seeded.db, actor("admin"), seeded.id("pending"), "  ")
    with pytest.raises(actions.ActionError, match="nothing to verify"):
        actions.verify_manually(seeded.db, actor("admin"), seeded.id("verified"), "x")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COMPLIANCE])
def test_extend_sets_the_extended_due_date_once(seeded, role):
    actions.extend(seeded.db, actor(role), seeded.id("verified"), "Many orders to collect")
    detail = _request(seeded, "verified")
    assert detail.extended_due_on is not None and detail.due_on == detail.extended_due_on
    assert detail.extension_reason == "Many orders to collect"
    with pytest.raises(ValueError, match="already extended"):
        actions.extend(seeded.db, actor(role), seeded.id("verified"), "again")


def test_extend_is_refused_after_the_deadline(seeded):
    with pytest.raises(ValueError, match="has passed"):
        actions.extend(seeded.db, actor("compliance"), seeded.id("overdue"), "late")
    assert _request(seeded, "overdue").extended_due_on is None


def _request(seeded: Seeded, name: str) -> Request:
    with seeded.db.read() as session:
        return session.get(Request, seeded.id(name))


def test_reject_closes_with_the_code(seeded):
    actions.reject(seeded.db, actor("compliance"), seeded.id("verified"), "other", "Not ours")
    request = _request(seeded, "verified")
    assert (request.status, request.rejection_code, request.rejection_text) == (
        "rejected",
        "other",
        "Not ours",
    )
    assert request.closed_at is not None


def test_the_reject_dialog_offers_only_reasons_that_fit_the_request(seeded):
    verified = actions.rejection_choices(seeded.db, seeded.id("verified"))
    pending = actions.rejection_choices(seeded.db, seeded.id("pending"))
    assert "identity_not_verified" not in verified and "other" in verified
    assert "identity_not_verified" in pending
    assert set(verified) < set(pending)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MERCHANT, Role.COMPLIANCE])
def test_note_and_close(seeded, role):
    actions.add_note(seeded.db, actor(role), seeded.id("verified"), "Called the customer")
    actions.close(seeded.db, actor(role), seeded.id("verified"), "Answered by mail")
    assert seeded.status("verified") == "completed"
    with pytest.raises(actions.ActionError, match="cannot be closed"):
        actions.close(seeded.db, actor(role), seeded.id("pending"))


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MERCHANT])
def test_resend_verification_queues_a_new_link(seeded, role):
    actions.resend_verification(seeded.db, actor(role), seeded.id("pending"))
    actions.resend_verification(seeded.db, actor(role), seeded.id("pending"))
    with seeded.db.read() as session:
        mails = session.scalars(
            select(OutboxMail).where(OutboxMail.request_id == seeded.id("pending"))
        ).all()
    verify = [m for m in mails if m.template == "verify"]
    assert len(verify) >= 2 and all(m.to_addr == "pending@example.com" for m in verify)
    with pytest.raises(actions.ActionError, match="not waiting for verification"):
        actions.resend_verification(seeded.db, actor(role), seeded.id("verified"))


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MERCHANT])
def test_settings_change_in_one_audited_transaction(seeded, role):
    changed = actions.change_settings(
        seeded.db, actor(role), {"guest_support": True, "download_max": 5, "download_link_days": 7}
    )
    assert changed == ["guest_support", "download_max"]  # link days was already 7
    with seeded.db.read() as session:
        assert get_setting(session, "download_max") == 5
        last = session.scalars(select(SettingChange).order_by(SettingChange.id.desc())).first()
    assert (last.key, last.actor, last.before, last.after) == (
        "download_max",
        f"{role.value}@shop.example",
        "3",
        "5",
    )
    with pytest.raises(ValueError, match="download_max takes 1 to 20"):
        actions.change_settings(
            seeded.db, actor(role), {"guest_support": False, "download_max": 99}
        )
    with seeded.db.read() as session:  # nothing of the refused batch was kept
        assert get_setting(session, "guest_support") is True


def test_roles_are_set_changed_and_removed_with_audit(seeded):
    admin = actor("admin")
    actions.set_role(seeded.db, admin, " New@Shop.example ", "compliance")
    actions.set_role(seeded.db, admin, "new@shop.example", "merchant")
    with seeded.db.read() as session:
        assert session.get(StaffRole, "new@shop.example").role == "merchant"
    actions.remove_role(seeded.db, admin, "new@shop.example")
    with seeded.db.read() as session:
        assert session.get(StaffRole, "new@shop.example") is None
        kinds = session.scalars(select(RequestEvent.details).where(RequestEvent.kind == "role"))
        assert [(d["before"], d["after"]) for d in kinds] == [
            (None, "compliance"),
            ("compliance", "merchant"),
            ("merchant", None),
        ]
        assert verify_chain(session).ok
    with pytest.raises(ValueError, match="unknown role"):
        actions.set_role(seeded.db, admin, "x@shop.example", "owner")
    with pytest.raises(actions.ActionError, match="your own role"):
        actions.remove_role(seeded.db, admin, admin.email)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.COMPLIANCE])
def test_unmasked_report_is_allowed_and_audited(seeded, role):
    report = actions.request_report(
        seeded.db, actor(role), Scope(), ["reference", "email"], unmask=True
    )
    text = b"".join(report).decode()
    assert "verified@example.com" in text
    with seeded.db.read() as session:
        event = session.scalars(select(RequestEvent).order_by(RequestEvent.seq.desc())).first()
    assert event.kind == "download" and event.details["unmasked"] is True
    assert event.details["rows"] == text.count("\r\n") - 1 == 7


@pytest.mark.parametrize("role", list(Role))
def test_masked_report_for_every_role(seeded, role):
    text = b"".join(actions.request_report(seeded.db, actor(role), Scope(), ["reference", "email"]))
    assert b"verified@example.com" not in text and "v•••@e•••.com".encode() in text


def test_audit_chain_check(seeded):
    report = actions.verify_audit_chain(seeded.db, actor("compliance"))
    assert report.ok and report.checked > 10


def test_unknown_rejection_code_is_explained(seeded):
    with pytest.raises(ValueError, match="unknown rejection code 'rude'; use one of"):
        actions.reject(seeded.db, actor("compliance"), seeded.id("verified"), "rude")
    assert seeded.status("verified") == "verified"
