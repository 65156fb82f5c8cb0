"""dashboard.py: sign-in (OIDC when configured, else local mode), pages per role, the sidebar;
and a smoke test over every file in pages/."""

from __future__ import annotations

import pytest
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from lib.core import lifecycle
from lib.core.enums import Channel, RequestType
from lib.core.lifecycle import NewRequest
from lib.core.models import Store
from lib.dashboard import actions
from lib.dashboard.roles import RIGHTS, Role
from lib.dashboard.ui import PAGES
from tests.dashboard.conftest import PROJECT, actor, claims, page
from tests.helpers.sign_in import AUTH, EXAMPLE


def test_secrets_example_configures_sign_in_and_bootstrap_admins() -> None:
    assert set(AUTH) == {
        "redirect_uri",
        "cookie_secret",
        "client_id",
        "client_secret",
        "server_metadata_url",
        "client_kwargs",
    }
    assert AUTH["client_kwargs"]["prompt"] == "login"  # not Streamlit's select_account
    assert AUTH["redirect_uri"].endswith("/oauth2callback")
    assert EXAMPLE["privacy_desk"]["admins"]


def frame(role: Role | str = Role.ADMIN) -> AppTest:
    return page("dashboard.py", role)


@pytest.mark.parametrize("role", list(Role))
def test_local_mode_routes_only_the_pages_of_the_role(seeded, role):
    at = frame(role).run()
    assert not at.exception
    assert at.title[0].value == "Overview"
    assert "Local mode" in at.sidebar.markdown[0].value
    assert at.sidebar.selectbox(key="pd_local_role_pick").value == role.value
    allowed = [spec.path for spec in PAGES if spec.right in RIGHTS[role]]
    for spec in PAGES:  # AppTest checks a switch against the pages of the last frame run
        if spec.path not in allowed:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(spec.path)
    for path in allowed:
        at.switch_page(path).run()
        assert not at.exception and not at.error, path


def test_a_page_reached_by_url_still_refuses_the_role(seeded):
    """The browser test drives the sidebar switcher; AppTest reruns only the page after the
    first run, so here the role is set in the session as the switcher would."""
    at = page("pages/settings.py", Role.ANALYST).run()
    assert [e.value for e in at.error] == ["Your role (analyst) may not open this page."]
    assert not at.toggle


def test_store_picker_filters_the_overview(seeded):
    """Two stores with different numbers: the figure changes with the store picked."""
    with seeded.db.write() as session:
        other = Store(shop_domain="second-shop.myshopify.com", name="Second Shop", timezone="UTC")
        session.add(other)
        session.flush()
        fields = NewRequest(
            store=other,
            type=RequestType.ACCESS,
            channel=Channel.GUEST,
            email="second@example.com",
        )
        lifecycle.open_request(session, fields, actor="customer")
        other_id = other.id
    at = frame().run()
    assert at.metric[0].value == "5"
    assert at.sidebar.selectbox(key="pd_store_id_pick").options == [
        "All stores",
        "Demo Shop",
        "Second Shop",
    ]
    for store_id, open_requests in ((seeded.store.id, "4"), (other_id, "1")):
        at = frame().run()
        at.sidebar.selectbox(key="pd_store_id_pick").set_value(store_id).run()
        assert at.metric[0].value == open_requests


def test_open_a_request_from_the_table(seeded):
    at = frame(Role.MERCHANT).run()
    at.switch_page("pages/requests.py").run()
    at.selectbox(key="pd_rq_pick").set_value(seeded.refs["verified"])
    at.button(key="pd_rq_open").click().run()
    assert at.title[0].value == seeded.refs["verified"]


def test_sign_in_required_when_auth_is_configured(seeded):
    at = frame()
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.selectbox  # no role switcher, no pages


def test_signed_in_without_a_role_is_told_to_ask_an_admin(seeded):
    at = frame()
    at.secrets["auth"] = AUTH
    at.user = claims("stranger@shop.example")
    at.run()
    assert "has no role here yet" in at.warning[0].value


def test_signed_in_role_comes_from_the_database(seeded):
    actions.set_role(seeded.db, actor("admin"), "ana@shop.example", "analyst")
    at = frame()
    at.secrets["auth"] = AUTH
    at.user = claims("Ana@shop.example")
    at.run()
    assert not at.exception and at.title[0].value == "Overview"
    assert "ana@shop.example" in at.sidebar.caption[0].value
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/settings.py")


def test_bootstrap_admins_from_secrets(seeded):
    at = frame()
    at.secrets["auth"] = AUTH
    at.secrets["privacy_desk"] = {"admins": ["boss@shop.example"]}
    at.user = claims("boss@shop.example")
    at.run()
    at.switch_page("pages/staff.py").run()
    assert at.title[0].value == "Staff"


def test_local_mode_refuses_to_serve_beyond_this_machine(seeded):
    st_config.set_option("server.address", "192.0.2.10")
    try:
        at = frame().run()
    finally:
        st_config.set_option("server.address", "127.0.0.1")
    assert "only serves this machine" in at.error[0].value
    assert not at.title


@pytest.mark.parametrize("path", sorted(p.name for p in (PROJECT / "pages").glob("*.py")))
def test_every_page_file_runs_on_an_empty_database(app_db, path):
    at = AppTest.from_file(str(PROJECT / "pages" / path), default_timeout=30).run()
    assert not at.exception
    assert at.title, f"{path} shows no title"
    assert f"pages/{path}" in {spec.path for spec in PAGES}, "every page is in the navigation"
