"""The demo store's token endpoint and issued-token registry: Shopify's OAuth, one app, in memory.

`POST /admin/oauth/access_token` (JSON or form body) answers the three grants an app uses:
- the authorization code (`code`, from `issue_code`, which the consent page calls): single use,
  valid `CODE_LIFETIME` seconds; with `expiring: 1` an expiring offline token plus a refresh token;
- `grant_type=refresh_token`: a new access token and a new refresh token (the old one is spent);
- `grant_type=client_credentials`: a token of `token_lifetime` seconds, no refresh token.
Client id and secret are checked on each; refusals are HTTP 400 with Shopify's
`{"error", "error_description"}`. Access tokens are bound to their shop and expire after
`token_lifetime` seconds (`DEMO_STORE_TOKEN_LIFETIME`); `accepts` decides whether the GraphQL
endpoint takes a token, which answers 401 with Shopify's own body otherwise. The legacy static
token (`DEMO_STORE_TOKEN`) is accepted for every shop, as before. `revoke` (`POST /_demo/revoke`)
withdraws a shop's tokens, as an uninstall or a revoked grant does.

Client-credentials requests name their shop in `X-Shopify-Shop-Domain` (one server answers for
every demo shop; Shopify knows the shop from the host name).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lib.core.config import Config

TOKEN_PATH = "/admin/oauth/access_token"  # noqa: S105 - a path
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"  # noqa: S105
"""Shopify's `errors` for an unknown, expired or revoked token (HTTP 401)."""
CODE_LIFETIME = 60.0
REFRESH_LIFETIME = 90 * 24 * 3600
Answer = tuple[int, dict[str, Any]]


@dataclass
class _Grant:
    """An issued code, access token or refresh token: whose, for what, until when."""

    shop: str
    scopes: tuple[str, ...]
    expires_at: float
    expiring: bool = True


@dataclass
class GrantCounts:
    """How many tokens each grant issued and how many GraphQL requests a token was refused."""

    authorization_code: int = 0
    refresh_token: int = 0
    client_credentials: int = 0
    refused: int = 0
    unauthorized: int = 0


class _Refusal(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error, self.description = error, description


@dataclass
class DemoOAuth:
    """The one app the demo store knows (client id and secret) and the tokens it issued."""

    client_id: str
    client_secret: str = field(repr=False)
    token_lifetime: float = 86399
    refresh_lifetime: float = REFRESH_LIFETIME
    scopes: tuple[str, ...] = ("read_customers", "read_orders", "read_all_orders")
    clock: Callable[[], float] = time.monotonic
    counts: GrantCounts = field(default_factory=GrantCounts)

    def __post_init__(self) -> None:
        self._codes: dict[str, _Grant] = {}
        self._access: dict[str, _Grant] = {}
        self._refresh: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: Config) -> DemoOAuth:
        """The app of SHOPIFY_API_KEY / SHOPIFY_API_SECRET, tokens of DEMO_STORE_TOKEN_LIFETIME."""
        return cls(
            config.shopify_api_key,
            config.shopify_api_secret,
            float(config.demo_store_token_lifetime),
            scopes=tuple(s.strip() for s in config.shopify_scopes.split(",") if s.strip()),
        )

    def issue_code(self, shop: str, client_id: str, scopes: list[str]) -> str:
        """A single-use authorization code for `shop`, valid CODE_LIFETIME seconds."""
        code = secrets.token_hex(16)
        with self._lock:
            grant = _Grant(shop, tuple(scopes), self.clock() + CODE_LIFETIME)
            self._codes[code] = grant if client_id == self.client_id else _Grant("", (), 0.0)
        return code

    def accepts(self, token: str, shop: str | None) -> bool:
        """True when `token` is an unexpired, unrevoked token of `shop` (None: any shop)."""
        with self._lock:
            grant = self._access.get(token)
            ok = grant is not None and grant.expires_at > self.clock()
            ok = ok and grant is not None and (shop is None or grant.shop == shop)
            if not ok:
                self.counts.unauthorized += 1
            return ok

    def scopes_of(self, token: str) -> frozenset[str] | None:
        """The scopes `token` was granted (queries run with them), None for a token not ours."""
        with self._lock:
            grant = self._access.get(token)
            return None if grant is None else frozenset(grant.scopes)

    def revoke(self, shop: str | None = None) -> int:
        """Withdraw every access and refresh token of `shop` (None: of every shop)."""
        with self._lock:
            gone = 0
            for registry in (self._access, self._refresh, self._codes):
                for token in [t for t, g in registry.items() if shop in (None, g.shop)]:
                    del registry[token]
                    gone += 1
            return gone

    def configure(self, values: dict[str, Any]) -> dict[str, Any]:
        """Test knob: change `token_lifetime` or `client_secret`; returns the counts."""
        unknown = set(values) - {"token_lifetime", "client_secret"}
        if unknown:
            raise ValueError(f"unknown OAuth setting(s): {', '.join(sorted(unknown))}")
        with self._lock:
            if "token_lifetime" in values:
                self.token_lifetime = float(values["token_lifetime"])
            if "client_secret" in values:
                self.client_secret = str(values["client_secret"])
        return self.report()

    def report(self) -> dict[str, Any]:
        """Counts of grants and refusals, and how many access tokens are live."""
        with self._lock:
            now = self.clock()
            live = sum(1 for g in self._access.values() if g.expires_at > now)
            return {**vars(self.counts), "live_tokens": live, "token_lifetime": self.token_lifetime}

    def token_request(self, content_type: str, raw: bytes, shop: str | None) -> Answer:
        """`POST /admin/oauth/access_token`: a grant's answer, or Shopify's 400 refusal."""
        params = _params(content_type, raw)
        try:
            if params is None:
                raise _Refusal("invalid_request", "The request body is not JSON or a form.")
            with self._lock:
                answer = self._grant(params, shop)
        except _Refusal as refusal:
            with self._lock:
                self.counts.refused += 1
            return 400, {"error": refusal.error, "error_description": refusal.description}
        return 200, answer

    def _grant(self, params: dict[str, str], shop: str | None) -> dict[str, Any]:
        if params.get("client_id") != self.client_id or not secrets.compare_digest(
            params.get("client_secret", "").encode(), self.client_secret.encode()
        ):
            raise _Refusal("invalid_client", "Client authentication failed")
        kind = params.get("grant_type") or ("authorization_code" if "code" in params else "")
        now = self.clock()
        if kind == "authorization_code":
            grant = self._codes.pop(params.get("code", ""), None)
            if grant is None or grant.expires_at <= now or not grant.shop:
                raise _Refusal(
                    "invalid_request", "The authorization code was not found or was already used"
                )
            self.counts.authorization_code += 1
            expiring = str(params.get("expiring", "0")) == "1"
            return self._tokens(grant.shop, grant.scopes, now, refresh=expiring, expiring=expiring)
        if kind == "refresh_token":
            grant = self._refresh.pop(params.get("refresh_token", ""), None)
            if grant is None or grant.expires_at <= now:
                raise _Refusal("invalid_grant", "The refresh token is invalid or expired")
            self.counts.refresh_token += 1
            return self._tokens(grant.shop, grant.scopes, now, refresh=True, expiring=True)
        if kind == "client_credentials":
            if not shop:
                raise _Refusal("invalid_request", "The request does not name a shop.")
            self.counts.client_credentials += 1
            return self._tokens(shop, self.scopes, now, refresh=False, expiring=True)
        raise _Refusal("unsupported_grant_type", f"The grant type {kind!r} is not supported.")

    def _tokens(
        self, shop: str, scopes: tuple[str, ...], now: float, *, refresh: bool, expiring: bool
    ) -> dict[str, Any]:
        access = f"shpat_{secrets.token_hex(16)}"
        lifetime = self.token_lifetime if expiring else float("inf")
        self._access[access] = _Grant(shop, scopes, now + lifetime, expiring)
        answer: dict[str, Any] = {"access_token": access, "scope": ",".join(scopes)}
        if expiring:
            answer["expires_in"] = int(self.token_lifetime)
        if refresh:
            token = f"shprt_{secrets.token_hex(16)}"
            self._refresh[token] = _Grant(shop, scopes, now + self.refresh_lifetime)
            answer["refresh_token"] = token
            answer["refresh_token_expires_in"] = int(self.refresh_lifetime)
        return answer

    def bucket_key(self, token: str) -> str:
        """Whose cost bucket a request spends: the app's (Shopify's bucket is per app and shop,
        so a renewed token keeps it), or the static token's own."""
        with self._lock:
            return f"app:{self.client_id}" if token in self._access else token


def _params(content_type: str, raw: bytes) -> dict[str, str] | None:
    """The grant's parameters from a JSON or form body (Shopify takes both)."""
    if content_type.split(";")[0].strip() == "application/x-www-form-urlencoded":
        return dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace")))
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    return {str(k): str(v) for k, v in body.items() if v is not None}
