"""The demo store's token endpoint answers the three grants as Shopify does, and its GraphQL
endpoint refuses expired, revoked and unknown tokens with Shopify's own 401."""

from __future__ import annotations

import httpx
import pytest

from lib.core.db import Database
from lib.store.demo_oauth import INVALID_TOKEN, DemoOAuth
from tests.store.helpers import SHOP, TOKEN
from tests.store.oauth import CLIENT_ID, CLIENT_SECRET, SCOPES, oauth_store

QUERY = {"query": "{ currentAppInstallation { accessScopes { handle } } }"}
APP = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


class Clock:
    """The demo store's clock, moved by the test (token and code expiry without waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _token(url: str, body: dict, *, form: bool = False, shop: str = SHOP) -> httpx.Response:
    headers = {"X-Shopify-Shop-Domain": shop}
    path = f"{url}/admin/oauth/access_token"
    if form:
        return httpx.post(path, data=body, headers=headers, timeout=5)
    return httpx.post(path, json=body, headers=headers, timeout=5)


def _graphql(url: str, token: str, shop: str = SHOP) -> httpx.Response:
    headers = {"X-Shopify-Access-Token": token, "X-Shopify-Shop-Domain": shop}
    return httpx.post(f"{url}/admin/api/2026-10/graphql.json", json=QUERY, headers=headers)


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.json() == {"errors": INVALID_TOKEN}


@pytest.mark.parametrize("form", [False, True], ids=["json", "form"])
def test_client_credentials_grant_gives_an_expiring_token(sqlite_db: Database, form: bool) -> None:
    clock = Clock()
    oauth = DemoOAuth(CLIENT_ID, CLIENT_SECRET, 86399, clock=clock)
    with oauth_store(sqlite_db, oauth=oauth) as server:
        answer = _token(server.url, {**APP, "grant_type": "client_credentials"}, form=form)
        assert answer.status_code == 200
        body = answer.json()
        assert set(body) == {"access_token", "scope", "expires_in"} and body["expires_in"] == 86399
        assert _graphql(server.url, body["access_token"]).status_code == 200
        _refused(_graphql(server.url, body["access_token"], shop="other.myshopify.com"))
        clock.now += 86399
        _refused(_graphql(server.url, body["access_token"]))  # expired


def test_authorization_code_is_single_use_and_short_lived(sqlite_db: Database) -> None:
    clock = Clock()
    oauth = DemoOAuth(CLIENT_ID, CLIENT_SECRET, 60, clock=clock)
    with oauth_store(sqlite_db, oauth=oauth) as server:
        code = oauth.issue_code(SHOP, CLIENT_ID, SCOPES)
        first = _token(server.url, {**APP, "code": code, "expiring": "1"}, shop="")
        assert first.status_code == 200
        body = first.json()
        assert body["scope"] == ",".join(SCOPES) and body["expires_in"] == 60
        assert body["refresh_token"].startswith("shprt_") and body["refresh_token_expires_in"] > 0
        again = _token(server.url, {**APP, "code": code, "expiring": "1"})
        assert again.status_code == 400 and again.json()["error"] == "invalid_request"
        late = oauth.issue_code(SHOP, CLIENT_ID, SCOPES)
        clock.now += 61
        assert _token(server.url, {**APP, "code": late}).status_code == 400


def test_refresh_tokens_rotate_and_a_spent_one_is_refused(sqlite_db: Database) -> None:
    with oauth_store(sqlite_db) as server:
        code = server.oauth.issue_code(SHOP, CLIENT_ID, SCOPES)
        installed = _token(server.url, {**APP, "code": code, "expiring": 1}).json()
        refresh = {**APP, "grant_type": "refresh_token"}
        renewed = _token(server.url, {**refresh, "refresh_token": installed["refresh_token"]})
        assert renewed.status_code == 200
        new = renewed.json()
        assert new["refresh_token"] != installed["refresh_token"]
        assert _graphql(server.url, new["access_token"]).status_code == 200
        spent = _token(server.url, {**refresh, "refresh_token": installed["refresh_token"]})
        assert spent.status_code == 400
        assert spent.json() == {
            "error": "invalid_grant",
            "error_description": "The refresh token is invalid or expired",
        }


def test_wrong_client_secret_unknown_grant_and_bad_body_are_refused(sqlite_db: Database) -> None:
    with oauth_store(sqlite_db) as server:
        wrong = {**APP, "client_secret": "guess", "grant_type": "client_credentials"}
        refused = _token(server.url, wrong)
        assert refused.status_code == 400 and refused.json()["error"] == "invalid_client"
        unknown = _token(server.url, {**APP, "grant_type": "password"})
        assert unknown.json()["error"] == "unsupported_grant_type"
        garbage = httpx.post(f"{server.url}/admin/oauth/access_token", content=b"[1", timeout=5)
        assert garbage.status_code == 400 and garbage.json()["error"] == "invalid_request"
        assert server.oauth.report()["live_tokens"] == 0


def test_revoked_and_unknown_tokens_get_shopifys_401_and_the_static_token_still_works(
    sqlite_db: Database,
) -> None:
    with oauth_store(sqlite_db) as server:
        token = _token(server.url, {**APP, "grant_type": "client_credentials"}).json()
        assert _graphql(server.url, token["access_token"]).status_code == 200
        revoked = httpx.post(f"{server.url}/_demo/revoke", json={"shop": SHOP}, timeout=5)
        assert revoked.json() == {"revoked": 1}
        _refused(_graphql(server.url, token["access_token"]))
        _refused(_graphql(server.url, "shpat_" + "0" * 32))
        assert _graphql(server.url, TOKEN).status_code == 200  # the legacy static demo token


def test_queries_run_with_the_scopes_the_token_was_granted(sqlite_db: Database) -> None:
    """A token granted fewer scopes than the static demo token gets Shopify's ACCESS_DENIED."""
    oauth = DemoOAuth(CLIENT_ID, CLIENT_SECRET, 86399, scopes=("read_customers", "write_customers"))
    with oauth_store(sqlite_db, oauth=oauth) as server:
        token = _token(server.url, {**APP, "grant_type": "client_credentials"}).json()
        granted = _graphql(server.url, token["access_token"]).json()["data"]
        handles = {s["handle"] for s in granted["currentAppInstallation"]["accessScopes"]}
        assert handles == {"read_customers", "write_customers"}
        headers = {"X-Shopify-Access-Token": token["access_token"], "X-Shopify-Shop-Domain": SHOP}
        orders = {"query": '{ order(id: "gid://shopify/Order/1") { id } }'}
        answer = httpx.post(
            f"{server.url}/admin/api/2026-10/graphql.json", json=orders, headers=headers
        ).json()
        assert [e["extensions"]["code"] for e in answer["errors"]] == ["ACCESS_DENIED"]
        static = _graphql(server.url, TOKEN).json()["data"]["currentAppInstallation"]
        assert "read_orders" in {s["handle"] for s in static["accessScopes"]}
