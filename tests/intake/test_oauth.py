"""Installing the app: `/auth/install` → the demo store's consent page → `/auth/callback`.

The real intake under uvicorn and the real demo store, both on 127.0.0.1; redirects are followed
by hand so that each hop is checked. Every refusal is a 400 page with one sentence and leaves
every table as it was. The install and the uninstall run on both databases; the refusals (HTTP
behaviour) on SQLite.
"""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy import select

from lib.core.crypto import decrypt_token
from lib.core.db import Database
from lib.core.models import (
    Job,
    RequestEvent,
    Store,
    StoreConnection,
    UsedToken,
    WebhookReceipt,
)
from lib.intake import install
from lib.intake.oauth import STATE_COOKIE
from lib.security import sign_oauth_query, sign_webhook
from lib.store.demo_oauth import DemoOAuth
from lib.store.demo_server import DemoStoreServer
from lib.store.demo_store import DemoStore
from lib.store.sync import SYNC_KIND
from tests.intake.conftest import PROXY_SECRET, SHOP, Intake, sqlite_only
from tests.store.helpers import FAST, TOKEN, post

CLIENT_ID = "test-client-id"
DASHBOARD = "http://dashboard.test:8501"
TABLES = (Store, StoreConnection, Job, UsedToken, RequestEvent, WebhookReceipt)


class _Form(HTMLParser):
    """The consent page's form: its action and fields."""

    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}
        self.buttons: list[str] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "input":
            self.fields[values["name"]] = values.get("value", "")
        elif tag == "button":
            self._in_button = True

    def handle_endtag(self, tag: str) -> None:
        self._in_button = self._in_button and tag != "button"

    def handle_data(self, data: str) -> None:
        if self._in_button:
            self.buttons.append(data.strip())


@pytest.fixture
def demo(db: Database) -> Iterator[DemoStoreServer]:
    """The demo store knowing our app (client id, and the secret the intake signs with)."""
    oauth = DemoOAuth(CLIENT_ID, PROXY_SECRET)
    server = DemoStoreServer(DemoStore(db, access_token=TOKEN, **FAST), oauth=oauth).start()
    yield server
    server.stop()


@pytest.fixture
def app(make_intake: Callable[..., Intake], demo: DemoStoreServer) -> Intake:
    """An intake installing against the demo store, sending merchants to DASHBOARD."""
    return make_intake(shopify_api_key=CLIENT_ID, demo_store_url=demo.url, dashboard_url=DASHBOARD)


def install_query(shop: str = SHOP, *, age_s: int = 0, secret: str = PROXY_SECRET) -> str:
    """What Shopify sends to the app URL when a merchant installs or opens the app."""
    params = {"shop": shop, "host": "YWRtaW4uc2hvcGlmeS5jb20vc3RvcmUvZGVtbw", "timestamp": ""}
    params["timestamp"] = str(int(time.time()) - age_s)
    return sign_oauth_query(params, secret)


def counts(db: Database) -> dict[str, int]:
    with db.read() as session:
        return {m.__tablename__: len(session.scalars(select(m)).all()) for m in TABLES}


def begin(app: Intake) -> httpx.Response:
    started = app.http.get(f"/auth/install?{install_query()}")
    assert started.status_code == 302, started.text
    return started


def consent(app: Intake, started: httpx.Response) -> tuple[httpx.Response, _Form]:
    page = httpx.get(started.headers["location"])
    form = _Form()
    form.feed(page.text)
    return page, form


def approve(demo: DemoStoreServer, form: _Form) -> str:
    """Press *Install app*; the address Shopify sends the browser back to."""
    answer = httpx.post(f"{demo.url}{form.action}", data=form.fields)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def callback_path(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    return f"{parts.path}?{parts.query}"


def refused(response: httpx.Response, sentence: str) -> None:
    assert response.status_code == 400, response.text
    assert sentence in response.text.replace("&#39;", "'")


def test_install_through_the_consent_page_connects_the_store(
    app: Intake, demo: DemoStoreServer
) -> None:
    with app.db.write() as session:  # no address yet: the install takes Shopify's contactEmail
        session.scalars(select(Store).where(Store.shop_domain == SHOP)).one().contact_email = None
    started = begin(app)
    location = urllib.parse.urlsplit(started.headers["location"])
    asked = dict(urllib.parse.parse_qsl(location.query, keep_blank_values=True))
    assert f"{location.scheme}://{location.netloc}" == demo.url
    assert location.path == "/admin/oauth/authorize"
    assert asked["client_id"] == CLIENT_ID
    assert asked["scope"] == app.config.shopify_scopes
    assert asked["redirect_uri"] == f"{app.base}/auth/callback"
    assert asked["grant_options[]"] == ""  # an offline token, as Shopify's library asks
    assert asked["shop"] == SHOP  # the demo store answers for several shops
    cookie = started.headers["set-cookie"]
    assert f"{STATE_COOKIE}={asked['state']}" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/auth/callback" in cookie
    assert "Secure" not in cookie  # http://127.0.0.1: a Secure cookie would never come back

    page, form = consent(app, started)
    assert page.status_code == 200
    assert "Install app" in page.text and "Privacy Desk" in page.text and SHOP in page.text
    assert "View all orders" in page.text and "read_all_orders" in page.text
    assert form.buttons == ["Install app"]
    back = approve(demo, form)
    returned = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))
    assert set(returned) == {"code", "hmac", "host", "shop", "state", "timestamp"}
    assert back.startswith(f"{app.base}/auth/callback?")

    done = app.http.get(callback_path(back))
    assert done.status_code == 302, done.text
    assert done.headers["location"] == f"{DASHBOARD}/settings"
    assert f'{STATE_COOKIE}=""' in done.headers["set-cookie"]  # the nonce is spent
    with app.db.read() as session:
        store = session.scalars(select(Store).where(Store.shop_domain == SHOP)).one()
        connection = session.scalars(
            select(StoreConnection).where(StoreConnection.store_id == store.id)
        ).one()
        jobs = session.scalars(select(Job).where(Job.kind == SYNC_KIND)).all()
        events = session.scalars(select(RequestEvent).where(RequestEvent.kind == "store")).all()
    assert (store.name, store.contact_email, store.timezone, store.country) == (
        "Demo Outfitters",
        "owner@demo-outfitters.example",
        "Europe/Berlin",
        "DE",
    )
    assert (connection.mode, connection.state, connection.api_url) == (
        "oauth",
        "connected",
        demo.url,
    )
    assert connection.access_expires_at is not None and connection.refresh_token is not None
    token = decrypt_token(app.config, connection.access_token)
    assert token and token not in connection.access_token  # stored encrypted
    assert decrypt_token(app.config, connection.refresh_token) != token
    assert [(j.status, j.payload) for j in jobs] == [("queued", {"shop": SHOP})]
    assert [(e.actor, e.details["action"]) for e in events] == [("shopify", "installed")]

    # The same callback again (a reload, or a stolen link): refused, nothing more written.
    before = counts(app.db)
    refused(app.http.get(callback_path(back)), "not started in this browser")
    assert counts(app.db) == before


@sqlite_only
def test_reconnect_link_without_signature_starts_an_install(app: Intake) -> None:
    """The dashboard's *Reconnect this store* link is `/auth/install?shop=…`: nothing to sign
    it with that would last; the consent on Shopify and the signed callback protect the rest."""
    before = counts(app.db)
    started = app.http.get(f"/auth/install?shop={SHOP}")
    assert started.status_code == 302
    assert STATE_COOKIE in started.headers["set-cookie"]
    assert "/admin/oauth/authorize?client_id=" in started.headers["location"]
    assert counts(app.db) == before


@sqlite_only
def test_state_cookie_is_secure_when_the_app_is_served_over_https(
    make_intake: Callable[..., Intake], demo: DemoStoreServer
) -> None:
    app = make_intake(
        shopify_api_key=CLIENT_ID, demo_store_url=demo.url, public_base_url="https://pd.example"
    )
    started = begin(app)
    assert "Secure" in started.headers["set-cookie"]
    asked = urllib.parse.parse_qs(urllib.parse.urlsplit(started.headers["location"]).query)
    assert asked["redirect_uri"] == ["https://pd.example/auth/callback"]


@sqlite_only
def test_replayed_state_with_its_cookie_is_refused(app: Intake, demo: DemoStoreServer) -> None:
    started = begin(app)
    _page, form = consent(app, started)
    back = approve(demo, form)
    assert app.http.get(callback_path(back)).status_code == 302
    before = counts(app.db)
    state = form.fields["state"]
    # The browser kept its cookie and comes back with a fresh, correctly signed callback.
    again = sign_oauth_query(
        {"code": "another", "shop": SHOP, "state": state, "timestamp": str(int(time.time()))},
        PROXY_SECRET,
    )
    app.http.cookies.clear()
    response = app.http.get(
        f"/auth/callback?{again}", headers={"cookie": f"{STATE_COOKIE}={state}"}
    )
    refused(response, install.USED_STATE)
    assert counts(app.db) == before


def _callback(state: str, *, code: str = "c0de", age_s: int = 0, shop: str = SHOP) -> str:
    params = {
        "code": code,
        "shop": shop,
        "state": state,
        "timestamp": str(int(time.time()) - age_s),
    }
    return "/auth/callback?" + sign_oauth_query(params, PROXY_SECRET)


def _state(app: Intake) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(begin(app).headers["location"]).query)[
        "state"
    ][0]


@sqlite_only
@pytest.mark.parametrize(
    ("query", "sentence"),
    [
        (lambda: install_query(secret="forged"), install.NOT_SIGNED),
        (lambda: install_query().replace("hmac=", "hmac=0"), install.NOT_SIGNED),
        (lambda: install_query().split("&hmac=")[0], install.NOT_SIGNED),
        (lambda: "shop=evil.example.com", install.NOT_A_SHOP),
        (lambda: f"shop={SHOP}&shop=demo-us.myshopify.com", install.NOT_A_SHOP),
        (lambda: install_query(age_s=600), install.EXPIRED),
        (lambda: install_query("evil.example.com"), install.NOT_A_SHOP),
        (lambda: install_query("demo-shop.myshopify.com.evil.com"), install.NOT_A_SHOP),
        (lambda: "", install.NOT_A_SHOP),
    ],
    ids=[
        "forged",
        "tampered",
        "hmac-dropped",
        "bare-other-domain",
        "bare-two-shops",
        "expired",
        "other-domain",
        "suffix",
        "empty",
    ],
)
def test_install_refusals(app: Intake, query: Callable[[], str], sentence: str) -> None:
    before = counts(app.db)
    response = app.http.get(f"/auth/install?{query()}")
    refused(response, sentence)
    assert "set-cookie" not in response.headers
    assert counts(app.db) == before


@sqlite_only
@pytest.mark.parametrize(
    ("make", "sentence"),
    [
        (lambda s: (_callback(s), None), install.NO_STATE),  # no cookie: another browser
        (lambda s: (_callback(s + "x"), s), install.NO_STATE),  # state not the cookie's
        (lambda s: (_callback(s), s + "x"), install.NO_STATE),
        (lambda s: (_callback(""), s), install.NO_STATE),
        (lambda s: (_callback(s).replace("hmac=", "hmac=1"), s), install.NOT_SIGNED),
        (lambda s: (_callback(s, age_s=91), s), install.EXPIRED),
        (lambda s: (_callback(s, shop="demo-us.myshopify.com"), s), install.NO_STATE),
        (lambda s: (_callback(s, shop="evil.example.com"), s), install.NOT_A_SHOP),
        (lambda s: (_callback(s, code="not-issued"), s), install.CODE_REFUSED),
        (lambda s: (_callback(s, code=""), s), install.CODE_REFUSED),
    ],
    ids=[
        "no-cookie",
        "other-state",
        "other-cookie",
        "empty-state",
        "bad-hmac",
        "expired",
        "state-of-another-shop",
        "not-a-shop",
        "code-refused",
        "no-code",
    ],
)
def test_callback_refusals(
    app: Intake, make: Callable[[str], tuple[str, str | None]], sentence: str
) -> None:
    state = _state(app)
    path, cookie = make(state)
    before = counts(app.db)
    app.http.cookies.clear()
    headers = {"cookie": f"{STATE_COOKIE}={cookie}"} if cookie is not None else {}
    refused(app.http.get(path, headers=headers), sentence)
    assert counts(app.db) == before


@sqlite_only
def test_expired_state_is_refused(app: Intake) -> None:
    """A state older than STATE_TTL_S (the merchant left the consent page open) is refused."""
    state = _state(app)
    later = datetime.now(UTC) + timedelta(seconds=install.STATE_TTL_S + 1)
    params = {
        "code": "c0de",
        "shop": SHOP,
        "state": state,
        "timestamp": str(int(later.timestamp())),
    }
    query = sign_oauth_query(params, PROXY_SECRET)
    before = counts(app.db)
    with pytest.raises(install.InstallRefused, match="took too long"):
        install.complete_install(app.db, app.config, query, state, now=later)
    assert counts(app.db) == before


@sqlite_only
def test_shop_that_fails_to_answer_after_the_exchange_stores_nothing(
    app: Intake, demo: DemoStoreServer
) -> None:
    _page, form = consent(app, begin(app))
    back = approve(demo, form)
    post(demo, "/_demo/faults", {"error_next": 2})  # the shop query fails, retry included
    before = counts(app.db)
    response = app.http.get(callback_path(back))
    assert response.status_code == 502 and install.SHOP_UNREADABLE in response.text
    assert counts(app.db) == before


@sqlite_only
def test_unreachable_token_endpoint_stores_nothing(app: Intake, demo: DemoStoreServer) -> None:
    _page, form = consent(app, begin(app))
    back = approve(demo, form)
    demo.stop()
    before = counts(app.db)
    response = app.http.get(callback_path(back))
    assert response.status_code == 502 and install.UNREACHABLE in response.text
    assert counts(app.db) == before


@sqlite_only
def test_refusal_pages_do_not_reflect_input(app: Intake) -> None:
    hostile = "<script>alert(1)</script>.myshopify.com"
    response = app.http.get("/auth/install", params={"shop": hostile, "hmac": "<b>x</b>"})
    refused(response, install.NOT_A_SHOP)
    assert "<script>" not in response.text and "<b>x</b>" not in response.text


@sqlite_only
def test_consent_page_refuses_an_unknown_app(demo: DemoStoreServer) -> None:
    query = {
        "client_id": "someone-else",
        "scope": "read_customers",
        "shop": SHOP,
        "redirect_uri": "http://127.0.0.1:1/auth/callback",
        "state": "s",
    }
    page = httpx.get(f"{demo.url}/admin/oauth/authorize", params=query)
    assert page.status_code == 400
    assert "does not know" in page.text and "Install app</button>" not in page.text
    posted = httpx.post(f"{demo.url}/admin/oauth/authorize", data=query)
    assert posted.status_code == 400 and "location" not in posted.headers


@sqlite_only
def test_consent_page_escapes_what_the_link_carries(demo: DemoStoreServer) -> None:
    query = {
        "client_id": CLIENT_ID,
        "scope": "read_customers",
        "shop": SHOP,
        "redirect_uri": "http://127.0.0.1:1/cb",
        "state": '"><script>alert(1)</script>',
    }
    page = httpx.get(f"{demo.url}/admin/oauth/authorize", params=query)
    assert page.status_code == 200 and "<script>alert" not in page.text
    form = _Form()
    form.feed(page.text)
    assert form.fields["state"] == query["state"]  # carried through intact, escaped


def _uninstalled(
    app: Intake, *, secret: str = PROXY_SECRET, webhook_id: str = "u-1"
) -> httpx.Response:
    """Shopify's `app/uninstalled` delivery (its body is the shop)."""
    body = json.dumps({"id": 954889, "name": "Demo Outfitters", "myshopify_domain": SHOP}).encode()
    headers = {
        "content-type": "application/json",
        "x-shopify-hmac-sha256": sign_webhook(body, secret),
        "x-shopify-topic": "app/uninstalled",
        "x-shopify-shop-domain": SHOP,
        "x-shopify-api-version": "2026-10",
        "x-shopify-webhook-id": webhook_id,
    }
    return app.http.post("/webhooks/shopify", content=body, headers=headers)


def _connection(db: Database) -> StoreConnection:
    with db.read() as session:
        store = session.scalars(select(Store).where(Store.shop_domain == SHOP)).one()
        return session.scalars(
            select(StoreConnection).where(StoreConnection.store_id == store.id)
        ).one()


def _installed(app: Intake, demo: DemoStoreServer) -> None:
    _page, form = consent(app, begin(app))
    assert app.http.get(callback_path(approve(demo, form))).status_code == 302


def test_app_uninstalled_disconnects_the_store_once(app: Intake, demo: DemoStoreServer) -> None:
    _installed(app, demo)
    assert _uninstalled(app).json() == {"status": "uninstalled"}
    connection = _connection(app.db)
    assert (connection.state, connection.access_token, connection.refresh_token) == (
        "uninstalled",
        None,
        None,
    )
    assert connection.access_expires_at is None and connection.last_error
    before = counts(app.db)
    assert _uninstalled(app).json() == {"status": "duplicate"}  # a redelivery does nothing
    assert counts(app.db) == before
    with app.db.read() as session:
        kinds = session.scalars(
            select(RequestEvent.details).where(RequestEvent.kind == "store")
        ).all()
    assert [k["action"] for k in kinds] == ["installed", "uninstalled"]
    with app.db.write() as session:  # staff set the store's own address on Settings
        session.scalars(
            select(Store).where(Store.shop_domain == SHOP)
        ).one().contact_email = "privacy@demo-outfitters.example"
    # Installed again (from the dashboard's reconnect link): connected with new tokens.
    started = app.http.get(f"/auth/install?shop={SHOP}")
    _page, form = consent(app, started)
    assert app.http.get(callback_path(approve(demo, form))).status_code == 302
    again = _connection(app.db)
    assert (again.state, again.last_error) == ("connected", None)
    assert again.access_token and again.refresh_token
    with app.db.read() as session:
        store = session.scalars(select(Store).where(Store.shop_domain == SHOP)).one()
    assert store.contact_email == "privacy@demo-outfitters.example"  # not Shopify's again


@sqlite_only
def test_forged_app_uninstalled_changes_nothing(app: Intake, demo: DemoStoreServer) -> None:
    _installed(app, demo)
    before, connection = counts(app.db), _connection(app.db)
    assert _uninstalled(app, secret="forged").status_code == 401
    assert counts(app.db) == before
    after = _connection(app.db)
    assert (after.state, after.access_token) == ("connected", connection.access_token)
