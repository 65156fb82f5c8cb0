"""The Shopify Admin GraphQL client: one `httpx.Client` per store, paced and retried.

Pacing: Shopify charges a query's *requested* cost before running it and throttles when the
bucket holds less. The client prices each query with the same calculator the demo store uses
(`lib.store.cost.query_cost`, corrected by what the shop reported for that query before),
keeps a model of the bucket from every `extensions.cost.throttleStatus`, and waits until the
bucket will hold the cost: in steady state it is never throttled.

Retries, each bounded: `THROTTLED` (wait for the missing points), HTTP 429 (`Retry-After`,
float seconds), 5xx, timeouts and dropped connections (`lib.core.backoff`, full jitter).
401/403 and missing scopes raise `StoreAuthError` at once, naming what to fix. The token comes
from an `httpx.Auth` when one is given (`lib.store.connection.ConnectionAuth`: renewed ahead of
expiry and once after a 401), else from `access_token`.
`MAX_COST_EXCEEDED` raises `StoreQueryTooCostly` (its `cost` corrects the estimate too): only
the caller can ask for less, so pagers retry a smaller page.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from lib.core.backoff import backoff_delay
from lib.store.cost import query_cost

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 30.0
MAX_ATTEMPTS = 6
"""Attempts per query for 5xx, 429, timeouts and dropped connections."""
MAX_THROTTLED = 20
"""THROTTLED answers tolerated per query (each one waits for the missing points)."""
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RETRY_AFTER_DEFAULT = 1.0  # a 429 without Retry-After (seen in the wild, shopify.md §5)
RETRY_AFTER_CAP = 60.0
PACING_MARGIN = 1.0  # points of slack against rounding in throttleStatus
_SCOPE = re.compile(r"`([a-z_]+)`")


INTERACTIVE_ATTEMPTS = 2
"""Budget for calls a person is waiting on (a page, a search): one retry, then a clear error."""


class StoreError(RuntimeError):
    """The store could not give us what we asked for; the message is for people."""


class StoreAuthError(StoreError):
    """401/403 or a missing access scope: retrying cannot help, the merchant must act."""


class StoreAccessDenied(StoreAuthError):
    """The custom app lacks an access scope (`scope`)."""

    def __init__(self, scope: str, detail: str) -> None:
        super().__init__(
            f"the store app lacks the `{scope}` access scope ({detail}); add it to the custom "
            "app's Admin API scopes, reinstall it and update SHOPIFY_ACCESS_TOKEN"
        )
        self.scope = scope


class StoreUnavailable(StoreError):
    """The store kept failing (5xx, 429, timeouts) until the retries ran out."""


class StoreQueryError(StoreError):
    """The store refused the query itself (syntax, unknown field, too expensive)."""


class StoreQueryTooCostly(StoreQueryError):
    """The shop refused the query as above its single-query cost limit (`MAX_COST_EXCEEDED`).

    A smaller page can succeed, so pagers catch it and retry; `cost` and `max_cost` are the
    shop's figures (None when it did not send them).
    """

    def __init__(self, message: str, cost: int | None, max_cost: int | None) -> None:
        super().__init__(message)
        self.cost = cost
        self.max_cost = max_cost


class CustomerNotFound(StoreError):
    """No customer with that id or email in this store."""


@dataclass
class CallStats:
    """What the client did, for the benchmark and the logs."""

    requests: int = 0
    answered: int = 0
    throttled: int = 0
    throttled_after_first: int = 0
    retries: int = 0
    points_requested: int = 0
    points_spent: int = 0
    paced_seconds: float = 0.0
    first_sent: float | None = None
    last_answer: float | None = None
    available_first: float | None = None
    available_last: float | None = None
    restore_rate: float | None = None


@dataclass
class _Bucket:
    """The client's model of the shop's bucket, from the last throttleStatus."""

    available: float | None = None
    maximum: float = 0.0
    rate: float = 0.0
    at: float = 0.0

    def now_available(self, now: float) -> float | None:
        if self.available is None or self.rate <= 0:
            return None
        return min(self.maximum, self.available + (now - self.at) * self.rate)


@dataclass
class ShopifyClient:
    """GraphQL Admin API client for one store. Thread-safe; close() it (or use `with`)."""

    base_url: str
    api_version: str
    access_token: str = field(default="", repr=False)
    shop_domain: str | None = None
    auth: httpx.Auth | None = None
    """Sets the token per request (a store's `ConnectionAuth`); None: send `access_token`."""
    timeout: httpx.Timeout = field(
        default_factory=lambda: httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    )
    max_attempts: int = MAX_ATTEMPTS
    backoff_base: float = BACKOFF_BASE
    backoff_cap: float = BACKOFF_CAP
    sleep: Callable[[float], None] = time.sleep
    stats: CallStats = field(default_factory=CallStats)

    def __post_init__(self) -> None:
        headers = {"Accept": "application/json"}
        if self.auth is None:
            headers["X-Shopify-Access-Token"] = self.access_token
        if self.shop_domain:
            headers["X-Shopify-Shop-Domain"] = self.shop_domain  # the demo store picks the shop
        self.path = f"/admin/api/{self.api_version}/graphql.json"
        self.http = httpx.Client(
            base_url=self.base_url, timeout=self.timeout, headers=headers, auth=self.auth
        )
        self._bucket = _Bucket()
        self._scale: dict[str, float] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> ShopifyClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def estimate(self, document: str, variables: dict[str, Any] | None = None) -> int:
        """The requested cost the shop will charge for this query (as far as we can tell)."""
        base = query_cost(document, variables)
        return int(base * self._scale.get(document, 1.0) + 0.5)

    def query(
        self,
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        max_attempts: int | None = None,
    ) -> dict[str, Any]:
        """Run a query and return its `data`; paces, retries and raises StoreError subclasses.

        `max_attempts` lowers the retry budget for callers a person is waiting on.
        """
        variables = variables or {}
        attempts = max_attempts or self.max_attempts
        cost = self.estimate(document, variables)
        failures = throttles = 0
        while True:
            self._pace(cost)
            try:
                response = self._post(document, variables)
            except httpx.TransportError as exc:  # timeouts, refused or dropped connections
                failures = self._retry(failures, attempts, f"{type(exc).__name__}: {exc}", None)
                continue
            if response.status_code in (401, 403):
                raise _auth_error(response)
            if response.status_code == 429:
                wait = _retry_after(response.headers.get("Retry-After"))
                failures = self._retry(failures, attempts, "HTTP 429 Too Many Requests", wait)
                continue
            if response.status_code >= 500:
                failures = self._retry(failures, attempts, f"HTTP {response.status_code}", None)
                continue
            answer = _json(response)
            errors = answer.get("errors") or []
            extensions = (answer.get("extensions") or {}).get("cost") or _refused_cost(errors)
            self._observe(document, variables, extensions)
            if any(_code(e) == "THROTTLED" for e in errors):
                throttles += 1
                self._count_throttled()
                if throttles > MAX_THROTTLED:
                    raise StoreUnavailable(f"still throttled after {MAX_THROTTLED} waits")
                self.sleep(_refill_wait(extensions, cost))
                continue
            _raise_for_errors(errors, answer.get("data"))
            return answer.get("data") or {}

    def _post(self, document: str, variables: dict[str, Any]) -> httpx.Response:
        with self._lock:
            self.stats.requests += 1
            if self.stats.first_sent is None:
                self.stats.first_sent = time.monotonic()
        return self.http.post(self.path, json={"query": document, "variables": variables})

    def _retry(self, failures: int, attempts: int, reason: str, wait: float | None) -> int:
        failures += 1
        if failures >= attempts:
            raise StoreUnavailable(
                f"the store did not answer after {failures} attempts (last: {reason})"
            )
        if wait is None:
            wait = backoff_delay(failures - 1, self.backoff_base, self.backoff_cap)
        with self._lock:
            self.stats.retries += 1
        self.sleep(wait)
        return failures

    def _pace(self, cost: int) -> None:
        with self._lock:
            now = time.monotonic()
            available = self._bucket.now_available(now)
            if available is None or cost > self._bucket.maximum:
                return
            missing = cost + PACING_MARGIN - available
            wait = missing / self._bucket.rate if missing > 0 else 0.0
            self.stats.paced_seconds += wait
        if wait > 0:
            self.sleep(wait)

    def _observe(self, document: str, variables: dict[str, Any], cost: dict[str, Any]) -> None:
        status = cost.get("throttleStatus") or {}
        now = time.monotonic()
        with self._lock:
            requested, actual = cost.get("requestedQueryCost"), cost.get("actualQueryCost")
            if isinstance(requested, int | float) and requested > 0:
                estimate = query_cost(document, variables)
                if estimate > 0:
                    self._scale[document] = requested / estimate
            if "currentlyAvailable" in status:
                self._bucket = _Bucket(
                    float(status["currentlyAvailable"]),
                    float(status.get("maximumAvailable") or 0),
                    float(status.get("restoreRate") or 0),
                    now,
                )
                if self.stats.available_first is None:
                    self.stats.available_first = self._bucket.available
                self.stats.available_last = self._bucket.available
                self.stats.restore_rate = self._bucket.rate
            if actual is not None:
                self.stats.answered += 1
                self.stats.points_requested += int(requested or 0)
                self.stats.points_spent += int(actual)
                self.stats.last_answer = now

    def _count_throttled(self) -> None:
        with self._lock:
            self.stats.throttled += 1
            if self.stats.answered > 0:
                self.stats.throttled_after_first += 1


def _refill_wait(cost: dict[str, Any], fallback: int) -> float:
    """Seconds until a throttled query's cost is back in the bucket (plus a little jitter)."""
    status = cost.get("throttleStatus") or {}
    rate = float(status.get("restoreRate") or 0)
    if rate <= 0:
        return RETRY_AFTER_DEFAULT
    requested = float(cost.get("requestedQueryCost") or fallback)
    missing = requested + PACING_MARGIN - float(status.get("currentlyAvailable") or 0)
    return min(max(missing, 0.0) / rate + random.uniform(0, 0.05), RETRY_AFTER_CAP)


def _retry_after(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else RETRY_AFTER_DEFAULT
    except ValueError:
        seconds = RETRY_AFTER_DEFAULT
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        raise StoreQueryError(
            f"the store answered HTTP {response.status_code} without JSON"
        ) from None
    if not isinstance(answer, dict):
        raise StoreQueryError("the store answered with something other than a JSON object")
    return answer


def _code(error: dict[str, Any]) -> str:
    return str((error.get("extensions") or {}).get("code") or "")


def _refused_cost(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """A `MAX_COST_EXCEEDED` error's `cost` as a cost report: it prices the refused query too."""
    for error in errors:
        cost = (error.get("extensions") or {}).get("cost")
        if _code(error) == "MAX_COST_EXCEEDED" and isinstance(cost, int | float):
            return {"requestedQueryCost": cost}
    return {}


def _too_costly(error: dict[str, Any]) -> StoreQueryTooCostly:
    extensions = error.get("extensions") or {}
    cost, limit = extensions.get("cost"), extensions.get("maxCost")
    cost = int(cost) if isinstance(cost, int | float) else None
    limit = int(limit) if isinstance(limit, int | float) else None
    figures = f" ({cost} points, the limit is {limit})" if cost and limit else ""
    return StoreQueryTooCostly(
        f"the store refused the query as too costly{figures}", cost=cost, max_cost=limit
    )


def _auth_error(response: httpx.Response) -> StoreAuthError:
    if response.status_code == 401:
        return StoreAuthError(
            "the store refused the access token (HTTP 401): reconnect the store (a custom app's "
            "static token: check SHOPIFY_ACCESS_TOKEN and that the app is installed)"
        )
    detail = response.text[:200].strip()
    return StoreAuthError(
        f"the store forbade the request (HTTP 403: {detail}); the custom app lacks an access "
        "scope or was uninstalled; see README, 'Exports and the demo store', for the scopes"
    )


def _raise_for_errors(errors: list[dict[str, Any]], data: Any) -> None:
    for error in errors:
        if _code(error) == "ACCESS_DENIED":
            message = str(error.get("message") or "")
            required = str((error.get("extensions") or {}).get("requiredAccess") or message)
            found = _SCOPE.search(required)
            raise StoreAccessDenied(found.group(1) if found else "unknown", message)
        if _code(error) == "MAX_COST_EXCEEDED":
            raise _too_costly(error)
    if errors:
        messages = "; ".join(f"{e.get('message')} ({_code(e) or 'error'})" for e in errors[:3])
        raise StoreQueryError(f"the store refused the query: {messages}")
    if data is None:
        raise StoreQueryError("the store answered without data")
