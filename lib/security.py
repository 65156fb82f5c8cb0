"""Security primitives: Shopify app proxy signatures, webhook HMACs and signed tokens.

A leaf module (standard library only, imports nothing from `lib`):

- **App proxy** (`verify_app_proxy_query`, `sign_app_proxy_query`): Shopify signs the query string
  it forwards to the proxy URL. The signed message is built by parsing the query (blank values
  kept), dropping `signature`, turning every key into `key=value` (a repeated key's decoded
  values joined with `,`), sorting those strings and concatenating them with no separator; the
  signature is the hex HMAC-SHA256 of that message with the app's client secret.
- **Webhooks** (`verify_webhook_hmac`, `sign_webhook`): `X-Shopify-Hmac-Sha256` is the base64
  HMAC-SHA256 of the raw request body. Verify before parsing the JSON.
- **OAuth install and callback** (`verify_oauth_query`, `sign_oauth_query`): Shopify signs the
  query of the requests it sends to the app URL and the redirect URI. The message is every pair
  but `hmac` (and `signature`), sorted by key, each `key=value` form-encoded as a browser's
  `URLSearchParams` does (space as `%20`) and joined with `&`; the signature is the hex
  HMAC-SHA256 with the app's client secret, and the timestamp must be within 90 s of our clock
  (the rules of Shopify's `shopify-api` library, `lib/utils/hmac-validator.ts`).
- **Signed tokens** (`issue_token`, `read_token`, `token_fingerprint`): compact, URL-safe
  `base64url(json payload).base64url(hmac-sha256)` tokens for e-mail links and storefront links.
  Single use is enforced by the caller, which stores `token_fingerprint(claims.token_id)`.

Every comparison of a secret-derived value uses `hmac.compare_digest`. Error messages name what
was wrong but never echo secrets or the values that were received.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "OAUTH_CLOCK_TOLERANCE_S",
    "InvalidSignature",
    "ProxyContext",
    "StaleSignature",
    "TokenClaims",
    "TokenError",
    "TokenErrorReason",
    "app_proxy_message",
    "issue_token",
    "oauth_message",
    "read_token",
    "sign_app_proxy_query",
    "sign_oauth_query",
    "sign_webhook",
    "token_fingerprint",
    "verify_app_proxy_query",
    "verify_oauth_query",
    "verify_webhook_hmac",
]

# --------------------------------------------------------------------------------------------
# App proxy
# --------------------------------------------------------------------------------------------

_SIGNATURE_PARAM: Final = "signature"
# Parameters Shopify adds to the forwarded query. A second occurrence means the storefront URL
# already carried one (e.g. a guest typing `?logged_in_customer_id=5`): Shopify would sign the
# joined value `5,`, so the signature alone cannot tell us which occurrence is Shopify's.
# Shopify's own library refuses duplicates of shop/signature/timestamp/hmac; we refuse the two
# identity-bearing parameters as well.
_SINGLE_VALUED_PARAMS: Final = frozenset(
    {"shop", "signature", "timestamp", "hmac", "logged_in_customer_id", "path_prefix"}
)
_MAX_QUERY_FIELDS: Final = 1000
_MAX_TIMESTAMP_DIGITS: Final = 12


class InvalidSignature(Exception):
    """A request's signature or signed parameters are missing, malformed, stale or wrong."""


class StaleSignature(InvalidSignature):
    """A signed OAuth query whose timestamp is outside the permitted clock tolerance."""


@dataclass(frozen=True, slots=True)
class ProxyContext:
    """The verified Shopify parameters of an app proxy request."""

    shop: str
    logged_in_customer_id: str | None  # None when blank or absent (no customer logged in)
    path_prefix: str  # "" when absent
    timestamp: int


def _parse_query(query_string: str) -> list[tuple[str, str]]:
    """Split a query string into decoded (key, value) pairs, keeping blank values."""
    if query_string.startswith("?"):
        query_string = query_string[1:]
    try:
        query_string.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidSignature("query string is not valid text") from None
    try:
        return urllib.parse.parse_qsl(
            query_string,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=_MAX_QUERY_FIELDS,
        )
    except UnicodeDecodeError:
        raise InvalidSignature("query string is not valid percent-encoded UTF-8") from None
    except ValueError:
        raise InvalidSignature("query string has too many parameters") from None


def _group(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def _message_from_grouped(grouped: dict[str, list[str]]) -> str:
    entries = [
        f"{key}={','.join(values)}" for key, values in grouped.items() if key != _SIGNATURE_PARAM
    ]
    return "".join(sorted(entries))


def _hex_hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def app_proxy_message(query_string: str) -> str:
    """Return the exact string Shopify signs for this query (for tests and debugging).

    Raises `InvalidSignature` if the query cannot be decoded.
    """
    return _message_from_grouped(_group(_parse_query(query_string)))


def verify_app_proxy_query(
    query_string: str, secret: str, now: float | None = None, max_age_s: int = 300
) -> ProxyContext:
    """Verify a Shopify app proxy query string and return its signed parameters.

    `query_string` is the raw query (without or with a leading `?`), exactly as received.
    Raises `InvalidSignature` when the signature is missing or wrong, `shop` or `timestamp` is
    missing, a single-valued parameter is repeated, the timestamp is not an integer, or
    `|now - timestamp| > max_age_s`.
    """
    if not secret:
        raise InvalidSignature("app proxy secret is not configured")
    grouped = _group(_parse_query(query_string))

    for name in sorted(_SINGLE_VALUED_PARAMS):
        if len(grouped.get(name, ())) > 1:
            raise InvalidSignature(f"duplicated parameter: {name}")
    provided = grouped.get(_SIGNATURE_PARAM, [""])[0]
    if not provided:
        raise InvalidSignature("missing signature")
    shop = grouped.get("shop", [""])[0]
    if not shop:
        raise InvalidSignature("missing shop")
    raw_timestamp = grouped.get("timestamp", [""])[0]
    if not raw_timestamp:
        raise InvalidSignature("missing timestamp")

    expected = _hex_hmac(secret, _message_from_grouped(grouped))
    if not hmac.compare_digest(expected.encode("ascii"), provided.encode("utf-8")):
        raise InvalidSignature("signature mismatch")

    if not (
        raw_timestamp.isascii()
        and raw_timestamp.isdigit()
        and len(raw_timestamp) <= _MAX_TIMESTAMP_DIGITS
    ):
        raise InvalidSignature("timestamp is not an integer")
    timestamp = int(raw_timestamp)
    current = time.time() if now is None else now
    if abs(current - timestamp) > max_age_s:
        raise InvalidSignature(f"stale timestamp (outside the {max_age_s} s window)")

    customer_id = grouped.get("logged_in_customer_id", [""])[0]
    return ProxyContext(
        shop=shop,
        logged_in_customer_id=customer_id or None,
        path_prefix=grouped.get("path_prefix", [""])[0],
        timestamp=timestamp,
    )


def sign_app_proxy_query(params: dict[str, str | list[str]], secret: str) -> str:
    """Build a query string signed the way Shopify signs app proxy requests.

    Parameters keep their order (a list value becomes a repeated key); `signature` is appended
    last. The caller supplies `shop`, `timestamp`, `path_prefix` and `logged_in_customer_id`
    (blank for a guest) as Shopify would. Used by tests and the local walk-through.
    """
    if not secret:
        raise ValueError("secret must not be empty")
    if _SIGNATURE_PARAM in params:
        raise ValueError("params must not contain 'signature'")
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        values = [value] if isinstance(value, str) else list(value)
        pairs.extend((key, v) for v in values)
    query = urllib.parse.urlencode(pairs, quote_via=urllib.parse.quote)
    # Sign what a receiver will parse back, so signing and verifying can never disagree.
    signature = _hex_hmac(secret, app_proxy_message(query))
    suffix = f"{_SIGNATURE_PARAM}={signature}"
    return f"{query}&{suffix}" if query else suffix


# --------------------------------------------------------------------------------------------
# OAuth install and callback
# --------------------------------------------------------------------------------------------

_OAUTH_HMAC_PARAM: Final = "hmac"
OAUTH_CLOCK_TOLERANCE_S: Final = 90
"""Shopify's library refuses an install or callback whose timestamp is further off than this."""
# Parameters whose value decides what we do: a repeated one could sign one value and mean another.
_OAUTH_SINGLE_VALUED: Final = frozenset({"code", "hmac", "host", "shop", "state", "timestamp"})


def _form_encode(text: str) -> str:
    """Percent-encode like `URLSearchParams.toString()` with `+` turned into `%20` (as Shopify's
    library does): everything but ASCII letters, digits and `*-._` is escaped."""
    return urllib.parse.quote(text, safe="*").replace("~", "%7E")


def oauth_message(params: dict[str, str]) -> str:
    """The exact string Shopify signs for these (decoded) query parameters."""
    entries = sorted(
        (key, value) for key, value in params.items() if key not in (_OAUTH_HMAC_PARAM, "signature")
    )
    return "&".join(f"{_form_encode(key)}={_form_encode(value)}" for key, value in entries)


def verify_oauth_query(
    query_string: str,
    secret: str,
    now: float | None = None,
    max_age_s: int = OAUTH_CLOCK_TOLERANCE_S,
) -> dict[str, str]:
    """Verify the HMAC and timestamp of an install or callback query; return its parameters.

    A repeated key's values are joined with `,` (as Shopify's library signs them); a repeated
    `code`, `hmac`, `host`, `shop`, `state` or `timestamp` is refused. Raises `InvalidSignature`
    when the secret or `hmac` is missing, the HMAC does not match, or the timestamp is missing,
    not an integer or (`StaleSignature`) more than `max_age_s` away from `now`.
    """
    if not secret:
        raise InvalidSignature("the app's client secret is not configured")
    grouped = _group(_parse_query(query_string))
    for name in sorted(_OAUTH_SINGLE_VALUED):
        if len(grouped.get(name, ())) > 1:
            raise InvalidSignature(f"duplicated parameter: {name}")
    params = {key: ",".join(values) for key, values in grouped.items()}
    provided = params.get(_OAUTH_HMAC_PARAM, "")
    if not provided:
        raise InvalidSignature("missing hmac")
    raw_timestamp = params.get("timestamp", "")
    if not (
        raw_timestamp.isascii()
        and raw_timestamp.isdigit()
        and len(raw_timestamp) <= _MAX_TIMESTAMP_DIGITS
    ):
        raise InvalidSignature("timestamp is missing or not an integer")
    current = time.time() if now is None else now
    if abs(current - int(raw_timestamp)) > max_age_s:
        raise StaleSignature(f"stale timestamp (outside the {max_age_s} s window)")
    expected = _hex_hmac(secret, oauth_message(params))
    if not hmac.compare_digest(expected.encode("ascii"), provided.encode("utf-8")):
        raise InvalidSignature("hmac mismatch")
    return params


def sign_oauth_query(params: dict[str, str], secret: str) -> str:
    """A query string signed the way Shopify signs install and callback requests.

    The caller supplies `shop`, `timestamp` (and for a callback `code`, `state`, `host`) as
    Shopify would; `hmac` is appended last. Used by the demo store's consent page and tests.
    """
    if not secret:
        raise ValueError("secret must not be empty")
    if _OAUTH_HMAC_PARAM in params:
        raise ValueError("params must not contain 'hmac'")
    query = urllib.parse.urlencode(list(params.items()), quote_via=urllib.parse.quote)
    signature = _hex_hmac(secret, oauth_message(params))
    suffix = f"{_OAUTH_HMAC_PARAM}={signature}"
    return f"{query}&{suffix}" if query else suffix


# --------------------------------------------------------------------------------------------
# Webhooks
# --------------------------------------------------------------------------------------------


def _webhook_digest(raw_body: bytes, secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), raw_body, hashlib.sha256).digest()


def verify_webhook_hmac(raw_body: bytes, header_value: str | None, secret: str) -> bool:
    """Check `X-Shopify-Hmac-Sha256` against the raw body. Never raises.

    False for a missing or empty header, an empty body, an empty secret, a header that is not
    valid base64, or a mismatch.
    """
    if not isinstance(header_value, str) or not header_value.strip():
        return False
    if not isinstance(raw_body, bytes | bytearray | memoryview) or len(raw_body) == 0:
        return False
    if not isinstance(secret, str) or not secret:
        return False
    try:
        provided = base64.b64decode(header_value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(_webhook_digest(bytes(raw_body), secret), provided)


def sign_webhook(raw_body: bytes, secret: str) -> str:
    """The base64 value Shopify would send in `X-Shopify-Hmac-Sha256` for this body."""
    if not secret:
        raise ValueError("secret must not be empty")
    return base64.b64encode(_webhook_digest(bytes(raw_body), secret)).decode("ascii")


# --------------------------------------------------------------------------------------------
# Signed tokens
# --------------------------------------------------------------------------------------------

TokenErrorReason = Literal["malformed", "bad_signature", "expired", "wrong_purpose"]

# Domain separation: a token MAC can never be mistaken for any other HMAC made with the secret.
_TOKEN_MAC_PREFIX: Final = b"privacy-desk.token.v1."
_TOKEN_MAX_LENGTH: Final = 4096
_TOKEN_ID_BYTES: Final = 16  # 128 bits, 22 URL-safe characters


class TokenError(Exception):
    """A token could not be accepted; `reason` says why (safe to log, never the token)."""

    reason: TokenErrorReason

    def __init__(self, reason: TokenErrorReason, message: str | None = None) -> None:
        self.reason = reason
        super().__init__(message or reason.replace("_", " "))


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The verified contents of a token."""

    purpose: str
    subject: str
    token_id: str
    issued_at: int
    expires_at: int


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(segment: str) -> bytes:
    """Decode unpadded base64url, accepting only the canonical encoding."""
    try:
        data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise TokenError("malformed", "token is not valid base64url") from None
    if _b64url_encode(data) != segment:
        raise TokenError("malformed", "token is not canonical base64url")
    return data


def _token_mac(secret: str, payload_segment: str) -> bytes:
    message = _TOKEN_MAC_PREFIX + payload_segment.encode("ascii")
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def issue_token(
    secret: str, purpose: str, subject: str, ttl_s: int, now: float | None = None
) -> str:
    """Issue a signed, URL-safe token valid for `ttl_s` seconds from `now`."""
    if not secret:
        raise ValueError("secret must not be empty")
    if not purpose or not subject:
        raise ValueError("purpose and subject must not be empty")
    if isinstance(ttl_s, bool) or not isinstance(ttl_s, int) or ttl_s <= 0:
        raise ValueError("ttl_s must be a positive integer")
    issued_at = int(time.time() if now is None else now)
    payload = {
        "p": purpose,
        "s": subject,
        "j": secrets.token_urlsafe(_TOKEN_ID_BYTES),
        "iat": issued_at,
        "exp": issued_at + ttl_s,
    }
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    payload_segment = _b64url_encode(body)
    return f"{payload_segment}.{_b64url_encode(_token_mac(secret, payload_segment))}"


def _claims_from_payload(data: bytes) -> TokenClaims:
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError):
        raise TokenError("malformed", "token payload is not JSON") from None
    if not isinstance(payload, dict):
        raise TokenError("malformed", "token payload is not an object")
    strings = [payload.get(k) for k in ("p", "s", "j")]
    ints = [payload.get(k) for k in ("iat", "exp")]
    if not all(isinstance(v, str) and v for v in strings) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in ints
    ):
        raise TokenError("malformed", "token payload has missing or mistyped claims")
    return TokenClaims(
        purpose=payload["p"],
        subject=payload["s"],
        token_id=payload["j"],
        issued_at=payload["iat"],
        expires_at=payload["exp"],
    )


def read_token(token: str, secret: str, purpose: str, now: float | None = None) -> TokenClaims:
    """Verify a token's signature (constant time), purpose and expiry; return its claims.

    Raises `TokenError` (and nothing else) with reason `malformed`, `bad_signature`,
    `wrong_purpose` or `expired`, checked in that order. The caller enforces single use.
    """
    if not isinstance(token, str) or not token or len(token) > _TOKEN_MAX_LENGTH:
        raise TokenError("malformed", "token is empty or too long")
    if not token.isascii():
        raise TokenError("malformed", "token contains non-ASCII characters")
    parts = token.split(".")
    if len(parts) != 2 or not parts[0] or not parts[1]:
        raise TokenError("malformed", "token does not have two parts")
    payload_segment, mac_segment = parts
    payload = _b64url_decode(payload_segment)
    provided_mac = _b64url_decode(mac_segment)
    if not isinstance(secret, str) or not secret:
        raise TokenError("bad_signature", "token secret is not configured")
    if not hmac.compare_digest(_token_mac(secret, payload_segment), provided_mac):
        raise TokenError("bad_signature", "token signature does not match")
    claims = _claims_from_payload(payload)
    if claims.purpose != purpose:
        raise TokenError("wrong_purpose", "token was issued for another purpose")
    current = time.time() if now is None else now
    if current >= claims.expires_at:
        raise TokenError("expired", "token has expired")
    return claims


def token_fingerprint(token_id: str) -> str:
    """SHA-256 hex of a token id: what the database stores for used tokens."""
    return hashlib.sha256(token_id.encode("utf-8")).hexdigest()
