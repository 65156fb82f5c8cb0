"""The Requests page's bulk bar in AppTest: the confirm dialog names the count, the action is
applied to every filtered request, a role sees only the actions it may use."""

from __future__ import annotations

from sqlalchemy import func, select

from lib.core.enums import EventKind
from lib.core.models import RequestEvent
from lib.dashboard.roles import Role
from tests.dashboard.conftest import Seeded, page


def _notes(seeded: Seeded) -> list[tuple[int, str]]:
    with seeded.db.read() as session:
        return list(
            session.execute(
                select(RequestEvent.request_id, RequestEvent.reason).where(
                    RequestEvent.kind == EventKind.NOTE
                )
            )
        )


def test_a_note_on_all_filtered_requests_goes_through_the_confirm_dialog(seeded: Seeded):
    at = page("pages/requests.py", Role.ADMIN).run()
    open_count = len(at.dataframe[0].value)
    at.radio(key="pd_bulk_scope").set_value("filtered").run()
    at.selectbox(key="pd_bulk_action").set_value("add_note").run()
    at.button(key="pd_bulk_apply").click().run()
    assert any(f"on **{open_count} requests**" in m.value for m in at.markdown)
    at.button(key="pd_bulk_ok").click().run()  # no note written yet: the dialog stays
    assert [e.value for e in at.error] == ["Write the note first."] and not _notes(seeded)
    at.text_area(key="pd_bulk_text").input("checked by the DPO")
    at.button(key="pd_bulk_ok").click().run()
    assert not at.exception
    notes = _notes(seeded)
    assert len(notes) == open_count and {text for _, text in notes} == {"checked by the DPO"}
    assert any(f"{open_count} requests changed" in s.value for s in at.success)


def test_the_menu_offers_only_what_the_role_may_do(seeded: Seeded):
    at = page("pages/requests.py", Role.ANALYST).run()
    assert not [
        box for box in at.selectbox if box.key == "pd_bulk_action"
    ]  # no action for analysts...
    assert at.get("download_button")  # ...but the CSV of the selection
    at = page("pages/requests.py", Role.MERCHANT).run()
    offered = at.selectbox(key="pd_bulk_action").options
    assert "Reject as spam" not in offered and "Start export" in offered


def test_my_requests_filter(seeded: Seeded):
    at = page("pages/requests.py", Role.ADMIN).run()
    assert set(at.dataframe[0].value["owner_email"]) == {""}  # nobody's: empty, not "None"
    at.selectbox(key="pd_rq_owner").set_value("admin@localhost").run()
    assert any("No request matches" in i.value for i in at.info)
    with seeded.db.read() as session:
        assert session.scalar(select(func.count()).select_from(RequestEvent)) > 0
