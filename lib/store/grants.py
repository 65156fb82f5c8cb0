"""Shopify's token grants at `POST {shop}/admin/oauth/access_token`, as its JS library sends them.

Request bodies are those of `@shopify/shopify-api` (github.com/Shopify/shopify-app-js at
ef2043d, 2026-08-07, `packages/apps/shopify-api/lib/auth/oauth/`: `oauth.ts`,
`refresh-token.ts`, `client-credentials.ts` and their tests): JSON with `client_id`,
`client_secret` and
- `code`, `expiring: "1"` — the authorization-code exchange (`oauth.ts`, `callback`);
- `refresh_token`, `grant_type: "refresh_token"` — renewing an expiring offline token;
- `grant_type: "client_credentials"` — an app in the merchant's own organisation.
The answer carries `access_token`, `scope` and, for expiring tokens, `expires_in` (seconds;
client credentials: 86399) and `refresh_token` with `refresh_token_expires_in`. A refusal is
HTTP 400 with `{"error": "invalid_grant" | "invalid_client" | …, "error_description": …}`.
The shop is also named in `X-Shopify-Shop-Domain`, which the demo store reads (one server for
every demo shop) and Shopify ignores, as on GraphQL requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from lib.core.config import Config
from lib.core.models import utcnow
from lib.store.client import StoreAuthError, StoreUnavailable

TOKEN_PATH = "/admin/oauth/access_token"  # noqa: S105 - a path, not a secret
GRANT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


class GrantRefused(StoreAuthError):
    """The shop refused to give a token (bad code, spent refresh token, wrong client secret)."""


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """What a token grant returned, with the instant it was received (tokens kept out of repr)."""

    api_url: str
    access_token: str = field(repr=False)
    scopes: str
    received_at: datetime
    expires_in: int | None = None
    refresh_token: str | None = field(default=None, repr=False)
    refresh_token_expires_in: int | None = None

    @property
    def access_expires_at(self) -> datetime | None:
        """When the access token stops working (None: it does not expire)."""
        return _after(self.received_at, self.expires_in)

    @property
    def refresh_expires_at(self) -> datetime | None:
        """When the refresh token stops working (None: none, or it does not expire)."""
        return (
            _after(self.received_at, self.refresh_token_expires_in) if self.refresh_token else None
        )


def _after(start: datetime, seconds: int | None) -> datetime | None:
    return None if seconds is None else start + timedelta(seconds=seconds)


def authorization_code_grant(config: Config, api_url: str, shop: str, code: str) -> TokenGrant:
    """Exchange an install's authorization code for an expiring offline token."""
    body = {"code": code, "expiring": "1"}
    return _request(config, api_url, shop, body, "authorization code")


def refresh_token_grant(config: Config, api_url: str, shop: str, refresh_token: str) -> TokenGrant:
    """A new access token (and a new refresh token: the old one is spent) for an installed shop."""
    body = {"refresh_token": refresh_token, "grant_type": "refresh_token"}
    return _request(config, api_url, shop, body, "refresh token")


def client_credentials_grant(config: Config, api_url: str, shop: str) -> TokenGrant:
    """A token for an app in the merchant's own organisation, from client id and secret alone."""
    body = {"grant_type": "client_credentials"}
    return _request(config, api_url, shop, body, "client credentials")


def _request(
    config: Config, api_url: str, shop: str, grant: dict[str, str], what: str
) -> TokenGrant:
    body = {"client_id": config.shopify_api_key, "client_secret": config.shopify_api_secret}
    received = utcnow()
    try:
        response = httpx.post(
            api_url.rstrip("/") + TOKEN_PATH,
            json={**body, **grant},
            headers={**JSON_HEADERS, "X-Shopify-Shop-Domain": shop},
            timeout=GRANT_TIMEOUT,
        )
    except httpx.TransportError as exc:
        raise StoreUnavailable(
            f"the shop's token endpoint did not answer ({type(exc).__name__})"
        ) from None
    if response.status_code >= 500 or response.status_code == 429:
        raise StoreUnavailable(f"the shop's token endpoint answered HTTP {response.status_code}")
    answer = _json(response)
    if response.status_code != 200:
        raise GrantRefused(f"the shop refused the {what} ({_reason(answer, response)})")
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise GrantRefused(f"the shop answered the {what} without an access token")
    return TokenGrant(
        api_url=api_url,
        access_token=token,
        scopes=str(answer.get("scope") or ""),
        received_at=received,
        expires_in=_seconds(answer.get("expires_in")),
        refresh_token=answer.get("refresh_token") or None,
        refresh_token_expires_in=_seconds(answer.get("refresh_token_expires_in")),
    )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _reason(answer: dict[str, Any], response: httpx.Response) -> str:
    """Shopify's error code and description, never anything that could hold a token."""
    error = str(answer.get("error") or answer.get("errors") or f"HTTP {response.status_code}")[:60]
    description = str(answer.get("error_description") or "")[:200]
    return f"{error}: {description}" if description else error


def _seconds(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
