"""A failed OIDC callback tells the *Sign in* screen why (`lib.dashboard.signin_errors`): the
middleware over a stand-in for Streamlit's callback route, on a real uvicorn socket; the reason
is signed, so a crafted link cannot put words on the page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Route

from lib.dashboard.signin_errors import (
    FAILURE_PARAM,
    FAILURE_SECONDS,
    SignInErrors,
    failure_token,
    read_failure,
)
from lib.security import issue_token
from tests.dashboard.conftest import page
from tests.helpers.sign_in import AUTH
from tests.servers import serve_in_thread


async def callback(request: Request) -> RedirectResponse:
    """What Streamlit's `/oauth2callback` answers: a redirect home, with the identity cookie
    only when the provider's answer held (here: the code "good")."""
    response = RedirectResponse("/desk/", status_code=302)
    if request.query_params.get("code") == "good" and "error" not in request.query_params:
        response.set_cookie("_streamlit_user", "signed-claims", httponly=True)
    else:
        response.delete_cookie("_streamlit_user")
    return response


def app() -> Starlette:
    routes = [
        Route("/desk/oauth2callback", callback),
        Route("/desk/", lambda r: PlainTextResponse("home")),
    ]
    return Starlette(routes=routes, middleware=[Middleware(SignInErrors, base_path="desk")])


def reason(response: httpx.Response) -> str | None:
    query = parse_qs(urlsplit(response.headers["location"]).query)
    return read_failure(query[FAILURE_PARAM][0]) if FAILURE_PARAM in query else None


def test_the_providers_refusal_reaches_the_sign_in_screen(app_db):
    with serve_in_thread(app()) as base, httpx.Client(base_url=base) as http:
        refused = http.get(
            "/desk/oauth2callback",
            params={
                "error": "invalid_request",
                "error_description": "unsupported prompt value requested",
                "state": "s",
            },
        )
        broken = http.get("/desk/oauth2callback", params={"code": "bad", "state": "s"})  # refused
        logged_out = http.get("/desk/oauth2callback")  # the post-logout redirect comes here too
        fine = http.get("/desk/oauth2callback", params={"code": "good", "state": "s"})
        other = http.get("/desk/")
    assert refused.status_code == 302
    text = reason(refused)
    assert text.startswith("Sign-in failed: invalid_request: unsupported prompt value requested.")
    assert 'prompt = "login"' in text  # and what to do about it
    assert "could not be verified" in reason(broken)
    assert fine.headers["location"] == logged_out.headers["location"] == "/desk/"  # left alone
    assert other.text == "home"


def test_only_a_token_signed_by_the_server_shows_text(app_db):
    assert read_failure("") is None
    assert read_failure("Your account is locked, call +1 555 0100") is None
    assert read_failure(issue_token("another-secret", "sign_in_error", '["x", "y"]', 60)) is None
    stale = failure_token("access_denied", "", now=1_000_000)
    assert read_failure(stale, now=1_000_000 + FAILURE_SECONDS + 1) is None
    assert read_failure(stale, now=1_000_001) == "Sign-in failed: access_denied."


def test_the_sign_in_screen_shows_the_reason_and_no_pages(seeded):
    at = page("dashboard.py", **{FAILURE_PARAM: failure_token("access_denied", "user cancelled")})
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": False}
    at.run()
    assert [e.value for e in at.error] == ["Sign-in failed: access_denied: user cancelled."]
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.selectbox
