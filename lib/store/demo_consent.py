"""The demo store's consent page, `/admin/oauth/authorize`: where a merchant approves an install.

`GET` shows *Install app* naming the app, the shop and the access asked for; the button posts
the same parameters back, and `POST` issues an authorization code (`issue_code` of the token
endpoint) and redirects to the app's `redirect_uri` with `code, hmac, host, shop, state,
timestamp` signed as Shopify signs them (`lib.security.sign_oauth_query`), so the app's checks
run for real. One server answers for every demo shop, so the shop is a query parameter here
where Shopify has it in the host name. Every value shown is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from lib.security import sign_oauth_query

AUTHORIZE_PATH = "/admin/oauth/authorize"
APP_NAME = "Privacy Desk"
"""The one app registered with the demo store (its client id and secret come from config)."""
SHOP = re.compile(r"[a-z0-9][a-z0-9-]*\.myshopify\.com")
SCOPE = re.compile(r"(?:unauthenticated_)?(?:read|write)_[a-z_]+")
MAX_STATE = 1000
FORM_FIELDS = ("client_id", "scope", "redirect_uri", "state", "shop", "grant_options[]")
IssueCode = Callable[[str, str, list[str]], str]

_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;background:#f1f1f1;margin:0}"
    "main{max-width:34rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px}"
    "button{padding:.6rem 1.2rem;font:inherit;font-weight:600;color:#fff;background:#303030;"
    "border:0;border-radius:8px;cursor:pointer}code{color:#616161}"
)


@dataclass(frozen=True, slots=True)
class ConsentAnswer:
    """What the demo server sends: a page, or a redirect (`location`)."""

    status: int
    html: str = ""
    location: str | None = None


@dataclass(frozen=True, slots=True)
class _Ask:
    client_id: str
    scopes: list[str]
    redirect_uri: str
    state: str
    shop: str
    grant_options: str


class _Refused(Exception):
    """The install cannot be asked for; the message is one sentence for the merchant."""


def scope_words(handle: str) -> str:
    """`read_all_orders` → "View all orders", `write_app_proxy` → "Edit app proxy"."""
    verb, _, rest = handle.removeprefix("unauthenticated_").partition("_")
    return f"{'View' if verb == 'read' else 'Edit'} {rest.replace('_', ' ')}"


def _page(title: str, body: str, status: int = 200) -> ConsentAnswer:
    document = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )
    return ConsentAnswer(status, document)


def _error(message: str) -> ConsentAnswer:
    body = f'<h1>This app cannot be installed</h1><p role="alert">{html.escape(message)}</p>'
    return _page("Install app: error", body, status=400)


def _ask(values: dict[str, str], client_id: str) -> _Ask:
    if values.get("client_id") != client_id:
        raise _Refused("This install link names an app the store does not know (its client_id).")
    shop = values.get("shop", "")
    if not SHOP.fullmatch(shop):
        raise _Refused("This install link does not say which shop to install the app on.")
    redirect = values.get("redirect_uri", "")
    parts = urllib.parse.urlsplit(redirect)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _Refused("The app's redirect_uri is not a web address.")
    scopes = [s.strip() for s in values.get("scope", "").split(",") if s.strip()]
    if not all(SCOPE.fullmatch(s) for s in scopes):
        raise _Refused("The app asks for access scopes that do not exist.")
    state = values.get("state", "")
    if len(state) > MAX_STATE:
        raise _Refused("The app's state parameter is too long.")
    grant_options = values.get("grant_options[]", "")
    return _Ask(client_id, scopes, redirect, state, shop, grant_options)


def authorize_page(query: str, client_id: str) -> ConsentAnswer:
    """`GET /admin/oauth/authorize`: the consent page, or an error page for a bad link."""
    values = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
    try:
        ask = _ask(values, client_id)
    except _Refused as exc:
        return _error(str(exc))
    e = html.escape
    access = "".join(f"<li>{e(scope_words(s))} <code>{e(s)}</code></li>" for s in ask.scopes)
    hidden = "".join(
        f'<input type="hidden" name="{e(name)}" value="{e(value)}">'
        for name, value in zip(
            FORM_FIELDS,
            (
                ask.client_id,
                ",".join(ask.scopes),
                ask.redirect_uri,
                ask.state,
                ask.shop,
                ask.grant_options,
            ),
            strict=True,
        )
    )
    body = (
        "<h1>Install app</h1>"
        f"<p><strong>{e(APP_NAME)}</strong> wants to be installed on "
        f"<strong>{e(ask.shop)}</strong>.</p>"
        f"<h2>{e(APP_NAME)} will be able to</h2><ul>{access or '<li>nothing</li>'}</ul>"
        f'<form method="post" action="{AUTHORIZE_PATH}">{hidden}'
        '<button type="submit">Install app</button></form>'
    )
    return _page(f"Install app · {ask.shop}", body)


def host_parameter(shop: str) -> str:
    """Shopify's `host`: base64 of the shop's admin address, without padding."""
    handle = shop.removesuffix(".myshopify.com")
    raw = f"admin.shopify.com/store/{handle}".encode()
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def approve(
    form: str,
    client_id: str,
    client_secret: str,
    issue_code: IssueCode,
    now: float | None = None,
) -> ConsentAnswer:
    """`POST /admin/oauth/authorize` (the *Install app* button): a code, back to the app."""
    values = dict(urllib.parse.parse_qsl(form, keep_blank_values=True))
    try:
        ask = _ask(values, client_id)
    except _Refused as exc:
        return _error(str(exc))
    code = issue_code(ask.shop, ask.client_id, ask.scopes)
    signed = sign_oauth_query(
        {
            "code": code,
            "host": host_parameter(ask.shop),
            "shop": ask.shop,
            "state": ask.state,
            "timestamp": str(int(time.time() if now is None else now)),
        },
        client_secret,
    )
    separator = "&" if urllib.parse.urlsplit(ask.redirect_uri).query else "?"
    return ConsentAnswer(302, location=f"{ask.redirect_uri}{separator}{signed}")
