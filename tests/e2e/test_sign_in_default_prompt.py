"""A strict provider refuses Streamlit's default `prompt=select_account`: with no
`[auth.client_kwargs]` the browser comes back to *Sign in* with the provider's reason and the
fix, instead of silently. Its own provider and dashboard (the configuration differs)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.e2e.oidc_stack import SignInStack, sign_in_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SignInStack]:
    with sign_in_stack(tmp_path_factory.mktemp("oidc-default"), None, demo_requests=10) as stack:
        yield stack


def test_a_refused_prompt_shows_the_providers_reason_and_the_fix(browser, desk):
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.set_default_timeout(20_000)
        tab.goto(desk.dashboard)
        tab.get_by_role("button", name="Sign in").click()
        tab.wait_for_url(f"{desk.dashboard}/?sign_in_error=*")  # the provider sent us back
        failure = tab.get_by_text("Sign-in failed: invalid_request: unsupported prompt value")
        expect(failure).to_be_visible(timeout=30_000)
        expect(tab.get_by_text('set prompt = "login" under [auth.client_kwargs]')).to_be_visible()
        expect(tab.get_by_role("button", name="Sign in")).to_be_visible()
        assert not any(c["name"] == "_streamlit_user" for c in context.cookies())
    finally:
        context.close()
