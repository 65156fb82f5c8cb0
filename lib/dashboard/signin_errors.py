"""Why a sign-in failed, carried from Streamlit's OIDC callback to the *Sign in* screen.

Streamlit answers every failed callback (the provider refused, e.g. a strict provider refusing
Streamlit's default `prompt=select_account`; the token exchange or the ID token did not hold)
with a bare redirect to the app, which then shows *Sign in* again as if nothing happened. This
ASGI middleware, mounted in `dashboard_server.py`, watches `{base}/oauth2callback`: when the
answer sets no identity cookie, it adds `?sign_in_error=<token>` to that redirect. The token is
signed (`lib.security`, TOKEN_SECRET, five minutes) so that nobody can make the page show text
of their choosing through a crafted link; the screen shows the provider's own words.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlencode

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lib.core.config import get_config
from lib.security import TokenError, issue_token, read_token

log = logging.getLogger(__name__)

FAILURE_PARAM = "sign_in_error"
PURPOSE = "sign_in_error"
FAILURE_SECONDS = 300
USER_COOKIE = "_streamlit_user="
CALLBACK = "oauth2callback"
UNVERIFIED = (
    "the identity provider's answer could not be verified (token exchange or ID token "
    "check failed; the dashboard server's log has the details)"
)


def failure_token(error: str, description: str = "", now: float | None = None) -> str:
    """A signed note of why sign-in failed (the provider's error code and description)."""
    subject = json.dumps([error[:80], description[:300]])
    return issue_token(get_config().token_secret, PURPOSE, subject, FAILURE_SECONDS, now)


def read_failure(token: str, now: float | None = None) -> str | None:
    """The sentence the *Sign in* screen shows for a failure token; None if there is none."""
    if not token:
        return None
    try:
        error, description = json.loads(
            read_token(token, get_config().token_secret, PURPOSE, now).subject
        )
    except (TokenError, ValueError, TypeError):
        return None
    detail = f"{error}: {description}" if description else error
    advice = (
        ' The provider refuses the prompt Streamlit asks for: set `prompt = "login"` under '
        "`[auth.client_kwargs]` in `.streamlit/secrets.toml` (docs/deploy.md)."
        if "prompt" in description.lower() or error == "unsupported_prompt"
        else ""
    )
    return f"Sign-in failed: {detail}.{advice}"


def _with_failure(location: str, token: str) -> str:
    return f"{location}{'&' if '?' in location else '?'}{urlencode({FAILURE_PARAM: token})}"


class SignInErrors:
    """ASGI middleware: a failed OIDC callback redirects with the reason (see the module doc)."""

    def __init__(self, app: ASGIApp, base_path: str = "") -> None:
        self.app = app
        base = base_path.strip("/")
        self.path = f"/{base}/{CALLBACK}" if base else f"/{CALLBACK}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        error = (query.get("error") or [""])[0]
        description = (query.get("error_description") or [""])[0]
        if not error and "code" not in query:  # the provider's post-logout redirect: no sign-in
            await self.app(scope, receive, send)
            return

        async def send_with_reason(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = MutableHeaders(raw=message["headers"])
                cookies = headers.getlist("set-cookie")
                signed_in = any(
                    c.startswith(USER_COOKIE) and "max-age=0" not in c.lower() for c in cookies
                )
                if not signed_in and "location" in headers:
                    reason = failure_token(error, description) if error else _unverified()
                    headers["location"] = _with_failure(headers["location"], reason)
            await send(message)

        await self.app(scope, receive, send_with_reason)


def _unverified() -> str:
    log.warning("sign-in failed after the provider's answer: %s", UNVERIFIED)
    return failure_token("sign-in failed", UNVERIFIED)
