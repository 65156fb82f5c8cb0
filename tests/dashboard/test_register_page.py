"""Settings → Processing register: merchant, compliance and admin edit it (audited), the analyst
may not; *Deliver to customer* warns while it is unreviewed and still delivers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from lib.core import register
from lib.core.enums import Status
from lib.core.lifecycle import transition
from lib.core.models import Export, ProcessingRegister, Request, RequestEvent
from lib.dashboard import register_view
from lib.dashboard.roles import PermissionDenied, Role
from tests.dashboard.conftest import Seeded, actor, page


def test_compliance_edits_and_confirms_the_register_on_settings(seeded: Seeded) -> None:
    at = page("pages/settings.py", Role.COMPLIANCE).run()
    assert not at.exception and not at.error
    assert [s.value for s in at.subheader] == ["Processing register"]  # nothing else for them
    assert not at.toggle  # the other settings stay the merchant's and admin's
    prefix = f"pd_reg_{seeded.store.id}"
    assert "to review" in at.warning[0].value
    at.text_area(key=f"{prefix}_purposes").input("Selling and delivering tea.")
    at.checkbox(key=f"{prefix}_reviewed").check()
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == ["Processing register of Demo Shop saved"]
    with seeded.db.read() as session:
        row = session.scalars(select(ProcessingRegister)).one()
        event = session.scalars(select(RequestEvent).order_by(RequestEvent.seq.desc())).first()
    assert row.content["purposes"] == "Selling and delivering tea."
    assert row.reviewed_by == "compliance@localhost"
    assert event.details["key"] == "processing_register" and event.details["reviewed"] is True
    assert not at.warning  # reviewed now


def test_an_empty_section_is_refused_on_the_page_and_nothing_is_saved(seeded: Seeded) -> None:
    at = page("pages/settings.py", Role.MERCHANT).run()
    at.text_area(key=f"pd_reg_{seeded.store.id}_retention").input(" ")
    next(b for b in at.button if b.label == "Save register").click().run()
    assert [e.value for e in at.error] == [
        "Retention, per category is empty; every section needs a text."
    ]
    with seeded.db.read() as session:
        assert session.scalars(select(ProcessingRegister)).first() is None


def test_the_analyst_may_not_edit_the_register(seeded: Seeded) -> None:
    with pytest.raises(PermissionDenied, match=r"\(analyst\) may not register"):
        register_view.save_register(seeded.db, actor(Role.ANALYST), seeded.store.id, {}, [], True)


def test_delivery_warns_while_the_register_is_unreviewed(seeded: Seeded) -> None:
    with seeded.db.write() as session:
        request = session.scalars(
            select(Request).where(Request.reference == seeded.refs["answered"])
        ).one()
        export = Export(request_id=request.id, path="/nowhere.zip", sha256="0" * 64)
        session.add(export)
        session.flush()
        export_id = export.id
    warning = register_view.delivery_warning(seeded.db, export_id)
    assert warning and warning.startswith("The processing register of Demo Shop has not been")
    with seeded.db.write() as session:
        store = session.merge(seeded.store)
        register.save(session, store, register.defaults(store), "admin@x", reviewed=True)
    assert register_view.delivery_warning(seeded.db, export_id) is None


def test_the_deliver_dialog_warns_while_the_register_is_unreviewed(
    seeded: Seeded, tmp_path: Path
) -> None:
    package = tmp_path / "package.zip"
    package.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    with seeded.db.write() as session:
        request = session.scalars(
            select(Request).where(Request.reference == seeded.refs["verified"])
        ).one()
        transition(session, request, Status.IN_PROGRESS, actor="merchant@shop.example")
        transition(session, request, Status.READY_FOR_REVIEW, actor="system")
        session.add(Export(request_id=request.id, path=str(package), sha256="0" * 64))
    at = page("pages/exports.py", Role.MERCHANT).run()
    at.button(key="pd_ex_deliver").click().run()
    assert not at.exception
    assert any("has not been reviewed" in w.value for w in at.warning)
    confirm = [b for b in at.button if str(b.key).endswith("deliver_ok")]
    assert confirm and not confirm[0].disabled  # the warning does not block delivery
