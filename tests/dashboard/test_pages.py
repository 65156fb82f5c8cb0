"""AppTest: every page under every role (refused where the role lacks the right), key elements,
and the page actions changing the database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lib.core.config import get_config
from lib.core.models import Request, SettingChange, StaffRole
from lib.core.settings import get_setting
from lib.dashboard import report_links
from lib.dashboard.report_links import ReportGrant
from lib.dashboard.roles import RIGHTS, Role
from lib.dashboard.ui import PAGES
from tests.dashboard.conftest import page

PAGE_FILES = {spec.path: spec for spec in PAGES}


def _key_elements(at, path: str, role: Role, refs: dict[str, str]) -> None:
    """What each page must show when it renders for a role that may open it."""
    titles = [t.value for t in at.title]
    if path == "pages/overview.py":
        assert titles == ["Overview"]
        assert [m.label for m in at.metric][:3] == ["Open", "Due within 7 days", "Overdue"]
        assert at.metric[0].value == "4"
        # volume ×2, days left, funnel, response time per regime and per type
        assert len(at.get("vega_lite_chart")) == 6
    elif path == "pages/requests.py":
        table = at.dataframe[0].value
        assert refs["overdue"] == table["reference"].iloc[0]
        masked = role is Role.ANALYST
        assert any("•••" in e for e in table["email"]) == masked
    elif path == "pages/request_detail.py":
        assert titles == [refs["verified"]]
        assert [m.label for m in at.metric] == ["Due", "Days left", "State"]
    elif path == "pages/reports.py":
        assert at.toggle(key="pd_rp_unmask").disabled == (role in (Role.MERCHANT, Role.ANALYST))
        # the register is a streamed link; only the small metrics CSV is held by Streamlit
        assert [b.proto.label for b in at.get("download_button")] == ["Download metrics CSV"]
        grant = _report_grant(at)
        assert (grant.email, grant.role, grant.unmask) == (f"{role.value}@localhost", role, False)
    elif path == "pages/settings.py" and role is Role.COMPLIANCE:
        assert [s.value for s in at.subheader] == ["Processing register"]  # only the register
        assert not at.toggle
    elif path == "pages/settings.py":
        assert at.toggle(key="pd_set_guest_support").value is False
        assert len(at.dataframe) == 2  # the register's recipients, then the change history
    elif path == "pages/audit.py":
        assert at.button(key="pd_au_verify").label == "Verify chain"
        assert len(at.dataframe[0].value) > 10
    elif path == "pages/staff.py":
        assert at.text_input(key="pd_st_email") is not None
    elif path == "pages/mail.py":
        assert [m.label for m in at.metric] == ["Pending", "Sent", "Captured", "Failed"]
    else:
        assert titles, f"{path} shows no title"


def _report_grant(at) -> ReportGrant:
    """What the Reports page's Download CSV link would stream (the link, read back)."""
    (button,) = at.get("link_button")
    assert button.proto.label == "Download CSV"
    path, token = button.proto.url.split("?token=")
    assert path == "/reports/requests.csv"
    return report_links.read(get_config(), token).grant


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("path", list(PAGE_FILES))
def test_every_page_under_every_role(seeded, path, role):
    at = page(path, role, ref=seeded.refs["verified"]).run()
    assert not at.exception
    if PAGE_FILES[path].right in RIGHTS[role]:
        assert not at.error, [e.value for e in at.error]
        _key_elements(at, path, role, seeded.refs)
    else:
        assert [e.value for e in at.error] == [f"Your role ({role.value}) may not open this page."]


def _detail(seeded, name: str, role: Role):
    return page("pages/request_detail.py", role, ref=seeded.refs[name]).run()


def test_analyst_sees_a_read_only_masked_request(seeded):
    at = _detail(seeded, "verified", Role.ANALYST)
    assert not at.button and "Read-only for your role" in at.caption[-1].value
    assert any("v•••@e•••.com" in m.value for m in at.markdown)


def test_merchant_verifies_a_guest_by_hand(seeded):
    at = _detail(seeded, "pending", Role.MERCHANT)
    assert {b.label for b in at.button} >= {"Resend verification", "Mark verified"}
    assert "Extend…" not in {b.label for b in at.button}  # compliance decides extensions
    at.text_input(key="pd_act_verify_reason").input("Called the customer back")
    at.button(key="pd_act_verify").click().run()
    assert [s.value for s in at.success] == ["Marked verified"]
    assert seeded.status("pending") == "verified"


def test_merchant_resends_the_verification_link(seeded):
    at = _detail(seeded, "pending", Role.MERCHANT)
    at.button(key="pd_act_resend").click().run()
    assert [s.value for s in at.success] == ["Verification link sent again"]
    assert any("verify" in subject.lower() for subject in at.tabs[1].dataframe[0].value["subject"])


def test_compliance_extends_in_a_dialog(seeded):
    at = _detail(seeded, "verified", Role.COMPLIANCE)
    at.button(key="pd_act_extend").click().run()
    at.text_area(key="pd_dlg_extend_reason").input("Hundreds of orders")
    at.button(key="pd_dlg_extend_ok").click().run()
    assert [s.value for s in at.success] == ["Deadline extended"]
    with seeded.db.read() as session:
        request = session.get(Request, seeded.id("verified"))
    assert request.extension_reason == "Hundreds of orders"
    assert at.button(key="pd_act_extend").disabled  # once only


def test_extend_is_disabled_after_the_deadline(seeded):
    at = _detail(seeded, "overdue", Role.COMPLIANCE)
    assert at.button(key="pd_act_extend").disabled


def test_compliance_rejects_with_a_reason_code(seeded):
    at = _detail(seeded, "verified", Role.COMPLIANCE)
    at.button(key="pd_act_reject").click().run()
    at.selectbox(key="pd_dlg_reject_code").set_value("other")
    at.text_area(key="pd_dlg_reject_text").input("Not a customer of this shop")
    at.button(key="pd_dlg_reject_ok").click().run()
    assert [s.value for s in at.success] == ["Request rejected"]
    assert seeded.status("verified") == "rejected"


def test_a_refused_rule_shows_the_reason(seeded):
    at = _detail(seeded, "verified", Role.COMPLIANCE)
    at.button(key="pd_act_reject").click().run()
    at.selectbox(key="pd_dlg_reject_code").set_value("other")
    at.button(key="pd_dlg_reject_ok").click().run()
    assert "needs an explanation" in at.error[0].value
    assert seeded.status("verified") == "verified"


def test_merchant_adds_a_note_and_closes(seeded):
    at = _detail(seeded, "verified", Role.MERCHANT)
    at.text_area(key="pd_act_note_text").input("Sent by post")
    at.button(key="pd_act_note").click().run()
    assert any("added a note" in m.value and "Sent by post" in m.value for m in at.tabs[0].markdown)
    at.button(key="pd_act_close").click().run()
    at.button(key="pd_dlg_close_ok").click().run()
    assert seeded.status("verified") == "completed"


def test_unknown_reference_says_where_to_go(seeded):
    at = page("pages/request_detail.py", Role.ADMIN, ref="DSR-1999-000001").run()
    assert "open one from the Requests page" in at.info[0].value


def test_merchant_switches_guest_support_back_on(seeded):
    at = page("pages/settings.py", Role.MERCHANT).run()
    at.toggle(key="pd_set_guest_support").set_value(True)
    at.number_input(key="pd_set_download_max").set_value(4)
    at.button[0].click().run()  # the form's submit button
    assert [s.value for s in at.success] == ["Settings saved"]
    with seeded.db.read() as session:
        assert get_setting(session, "guest_support") is True
        assert get_setting(session, "download_max") == 4
        actors = set(session.scalars(select(SettingChange.actor)))
    assert "merchant@localhost" in actors
    assert {"guest_support", "download_max"} <= set(at.dataframe[-1].value["setting"])


def test_admin_adds_and_removes_staff(seeded):
    at = page("pages/staff.py", Role.ADMIN).run()
    at.text_input(key="pd_st_email").input("dpo@shop.example")
    at.selectbox(key="pd_st_role").set_value("compliance")
    at.button[0].click().run()
    assert [s.value for s in at.success] == ["dpo@shop.example is now compliance"]
    with seeded.db.read() as session:
        assert session.get(StaffRole, "dpo@shop.example").role == "compliance"
    at.button(key="pd_st_rm_dpo@shop.example").click().run()
    with seeded.db.read() as session:
        assert session.get(StaffRole, "dpo@shop.example") is None


def test_compliance_verifies_the_audit_chain(seeded):
    at = page("pages/audit.py", Role.COMPLIANCE).run()
    at.button(key="pd_au_verify").click().run()
    assert at.success[0].value.startswith("audit chain intact")
    at.selectbox(key="pd_au_kind").set_value("setting").run()
    log = at.dataframe[0].value
    assert set(log["kind"]) == {"Setting changed"}
    assert not any("{" in d for d in log["details"])  # sentences, not Python dicts


def test_requests_search_and_paging(seeded):
    at = page("pages/requests.py", Role.MERCHANT).run()
    at.multiselect(key="pd_rq_status").set_value([]).run()
    at.selectbox(key="pd_rq_size").set_value(25).run()
    assert "7 requests" in at.markdown[-1].value
    at.text_input(key="pd_rq_search").input("jane").run()
    assert at.dataframe[0].value["reference"].tolist() == [seeded.refs["verified"]]
    at.text_input(key="pd_rq_search").input("nobody-at-all").run()
    assert "No request matches" in at.info[0].value


def test_customer_text_cannot_add_links_or_images(seeded):
    hostile = "![pixel](https://tracker.example/p.png) [Verify](https://phish.example)\n# Big"
    with seeded.db.write() as session:
        session.get(Request, seeded.id("verified")).name = hostile
    at = _detail(seeded, "verified", Role.ADMIN)
    shown = next(m.value for m in at.markdown if "tracker.example" in m.value)
    assert "tracker.example" in shown and "](" not in shown and "https://" not in shown
    assert "\n#" not in shown  # kept on one line: no heading either


@pytest.mark.parametrize("role", list(Role))
def test_reports_link_follows_the_columns_and_the_unmask_rules(seeded, role):
    at = page("pages/reports.py", role)
    at.session_state["pd_rp_unmask"] = True  # even when a disabled toggle is forced on
    at.run()
    at.multiselect(key="pd_rp_cols").set_value(["email", "reference"]).run()
    grant = _report_grant(at)
    may_unmask = role in (Role.ADMIN, Role.COMPLIANCE)
    assert (grant.columns, grant.unmask) == (("reference", "email"), may_unmask)
    assert grant.scope.store_id is None and grant.scope.end == grant.scope.start + timedelta(
        days=365
    )
    first = at.get("link_button")[0].proto.url
    again = _report_grant(at.run())
    assert again == grant and at.get("link_button")[0].proto.url != first  # fresh single use


def test_reports_page_without_columns_or_rows_offers_no_download(seeded):
    at = page("pages/reports.py", Role.ADMIN).run()
    at.multiselect(key="pd_rp_cols").set_value([]).run()
    assert not at.get("link_button") and at.warning[0].value == "Pick at least one column."
    at.date_input(key="pd_rp_period").set_value((date(2001, 1, 1), date(2001, 1, 2))).run()
    assert not at.get("link_button")
