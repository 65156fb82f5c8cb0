"""`GET /auth/install` and `GET /auth/callback`: the app's install by Shopify's OAuth.

The checks live in `lib.intake.install`; this module turns them into HTTP: the state cookie
(HttpOnly, SameSite=Lax so that Shopify's redirect back carries it, Secure when the app is served
over https, scoped to the callback path), the redirects, and a small page with one sentence for
every refusal.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from lib.intake.install import (
    CALLBACK_PATH,
    STATE_TTL_S,
    InstallRefused,
    begin_install,
    complete_install,
)
from lib.intake.pages import page_response

log = logging.getLogger("privacy_desk.install")
router = APIRouter(tags=["install"])
INSTALL_PATH = "/auth/install"
STATE_COOKIE = "privacy_desk_oauth_state"
SETTINGS_PATH = "/settings"
"""The dashboard's Settings page (Streamlit names it after pages/settings.py)."""


def _refusal(request: Request, exc: InstallRefused) -> Response:
    log.info("%s refused: %s", request.url.path, exc.message)  # our sentence, never the input
    context = {
        "title": "The app could not be installed",
        "message": exc.message,
        "problem": True,
        "store_name": "Privacy Desk",
        "link_url": None,
        "link_text": "",
    }
    return page_response("message.html.j2", context, liquid=False, shop=None, status=exc.status)


@router.get(
    INSTALL_PATH,
    summary="Start installing the app on a shop (Shopify's signed request to the app URL)",
    responses={302: {"description": "to the shop's consent page"}, 400: {"description": "refused"}},
)
def install(request: Request) -> Response:
    """Verify shop, HMAC and timestamp; set the state cookie and redirect to the consent page."""
    config = request.app.state.config
    try:
        start = begin_install(config, request.url.query)
    except InstallRefused as exc:
        return _refusal(request, exc)
    response = RedirectResponse(start.location, status_code=302)
    response.set_cookie(
        STATE_COOKIE,
        start.state,
        max_age=STATE_TTL_S,
        path=CALLBACK_PATH,
        secure=config.public_base_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )
    return response


@router.get(
    CALLBACK_PATH,
    summary="Finish the install: Shopify's signed redirect back with the authorization code",
    responses={
        302: {"description": "to the dashboard's Settings page"},
        400: {"description": "refused"},
    },
)
async def callback(request: Request) -> Response:
    """Check state, HMAC, shop and timestamp; store the connection; go to Settings."""
    config, db = request.app.state.config, request.app.state.db
    cookie = request.cookies.get(STATE_COOKIE)
    try:
        await run_in_threadpool(complete_install, db, config, request.url.query, cookie)
    except InstallRefused as exc:
        response = _refusal(request, exc)
    else:
        response = RedirectResponse(config.dashboard_url.rstrip("/") + SETTINGS_PATH, 302)
    response.delete_cookie(STATE_COOKIE, path=CALLBACK_PATH)
    return response
