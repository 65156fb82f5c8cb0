"""The demo store's state: its data, access token and scopes, cost buckets, faults and counters.

`DemoStore.graphql` is one Admin API request as Shopify handles it: parse and validate the
document against Shopify's schema (refusals in Shopify's shape, no data), price it, refuse it
above the single-query limit (`MAX_COST_EXCEEDED`), take the requested cost from the app's bucket
(or answer `THROTTLED`), run it, refund what the result did not cost, report `extensions.cost`.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field, fields
from typing import Any

from lib.core.db import Database
from lib.store.cost import MAX_QUERY_COST, actual_cost, operation_of, requested_cost
from lib.store.demo_exec import STANDARD_BUCKET, STANDARD_RESTORE_RATE, LeakyBucket, run
from lib.store.demo_types import Context
from lib.store.schema import check

DEFAULT_SCOPES = frozenset({"read_customers", "read_orders", "read_all_orders"})
DOCS = "https://shopify.dev/api/usage/limits"


@dataclass
class Faults:
    """What to break, for tests. Rates are chances per GraphQL request; `*_next` counts are
    spent first (deterministic). `retry_after` None sends a 429 without the header. With
    `delay_next` only that many requests wait `delay` seconds, else a `delay_rate` share does.
    `max_cost` lowers the single-query cost limit (Shopify's: 1,000) for `MAX_COST_EXCEEDED`."""

    error_rate: float = 0.0
    error_next: int = 0
    error_status: int = 500
    rate_429: float = 0.0
    next_429: int = 0
    retry_after: float | None = 1.0
    drop_rate: float = 0.0
    drop_next: int = 0
    delay: float = 0.0
    delay_rate: float = 1.0
    delay_next: int = 0
    max_cost: int = MAX_QUERY_COST

    def update(self, values: dict[str, Any]) -> None:
        """Set the named fields; unknown names raise ValueError."""
        known = {f.name for f in fields(self)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        for name, value in values.items():
            setattr(self, name, value)


@dataclass
class Stats:
    """Counters of what the server answered (reset with `POST /_demo/reset`)."""

    requests: int = 0
    answered: int = 0
    throttled: int = 0
    errors_5xx: int = 0
    errors_429: int = 0
    dropped: int = 0
    points_requested: int = 0
    points_spent: int = 0
    last_status: dict[str, float] = field(default_factory=dict)


class DemoStore:
    """The demo store's state: data, access token, scopes, buckets, faults and statistics."""

    def __init__(
        self,
        db: Database,
        *,
        access_token: str,
        bucket: float = STANDARD_BUCKET,
        restore_rate: float = STANDARD_RESTORE_RATE,
        scopes: frozenset[str] = DEFAULT_SCOPES,
        faults: Faults | None = None,
        seed: int | None = None,
    ) -> None:
        self.db = db
        self.access_token = access_token
        self.bucket_size, self.restore_rate = bucket, restore_rate
        self.scopes = scopes
        self.faults = faults or Faults()
        self.stats = Stats()
        self.random = random.Random(seed)
        self.buckets: dict[tuple[str, str], LeakyBucket] = {}
        self.lock = threading.Lock()

    def bucket(self, token: str, shop: str | None) -> LeakyBucket:
        """The bucket of one app (token) on one shop."""
        with self.lock:
            key = (token, shop or "")
            if key not in self.buckets:
                self.buckets[key] = LeakyBucket(self.bucket_size, self.restore_rate)
            return self.buckets[key]

    def set_limits(self, bucket: float | None, restore_rate: float | None) -> None:
        """New limits for every bucket (they start full)."""
        with self.lock:
            self.bucket_size = bucket or self.bucket_size
            self.restore_rate = restore_rate or self.restore_rate
            for each in self.buckets.values():
                each.configure(self.bucket_size, self.restore_rate)

    def draw_fault(self) -> str | None:
        """Which fault (if any) this request gets: drop, 5xx or 429."""
        with self.lock:
            f, roll = self.faults, self.random.random
            if f.drop_next > 0 or (f.drop_rate and roll() < f.drop_rate):
                f.drop_next = max(0, f.drop_next - 1)
                self.stats.dropped += 1
                return "drop"
            if f.error_next > 0 or (f.error_rate and roll() < f.error_rate):
                f.error_next = max(0, f.error_next - 1)
                self.stats.errors_5xx += 1
                return "5xx"
            if f.next_429 > 0 or (f.rate_429 and roll() < f.rate_429):
                f.next_429 = max(0, f.next_429 - 1)
                self.stats.errors_429 += 1
                return "429"
            return None

    def delay(self) -> float:
        """Seconds to wait before answering."""
        with self.lock:
            f = self.faults
            if f.delay_next > 0:
                f.delay_next -= 1
                return f.delay
            return f.delay if f.delay and self.random.random() < f.delay_rate else 0.0

    def graphql(
        self,
        token: str,
        shop: str | None,
        body: dict[str, Any],
        scopes: frozenset[str] | None = None,
    ) -> dict[str, Any]:
        """Validate, price, throttle and run one GraphQL request; returns the JSON answer.

        `scopes` are the ones the token was granted (default: the static token's `self.scopes`).
        """
        text, variables = body.get("query"), body.get("variables") or {}
        checked = check(text if isinstance(text, str) else "")
        if checked.document is None:
            return {"errors": list(checked.errors)}
        if not isinstance(variables, dict):
            return {"errors": [_error("variables must be a JSON object", "INVALID_VARIABLES")]}
        name = body.get("operationName")
        try:
            operation = operation_of(checked.document, name)
        except ValueError as exc:
            return {"errors": [_error(str(exc), "OPERATION_NOT_FOUND")]}
        requested = requested_cost(checked.document, variables, name)
        bucket = self.bucket(token, shop)
        limit = min(MAX_QUERY_COST, self.faults.max_cost)
        if requested > limit:
            return {"errors": [_max_cost_error(requested, limit)]}
        if not bucket.take(requested):
            with self.lock:
                self.stats.throttled += 1
            cost = {"requestedQueryCost": requested, "actualQueryCost": None}
            return {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {"code": "THROTTLED", "documentation": DOCS},
                    }
                ],
                "extensions": {"cost": {**cost, "throttleStatus": bucket.status()}},
            }
        mutation = operation.operation.value == "mutation"  # mutations change the demo rows
        with self.db.write() if mutation else self.db.read() as session:
            ctx = Context(session, shop, self.scopes if scopes is None else scopes)
            answer = run(checked.document, operation, variables, ctx)
        actual = actual_cost(checked.document, answer.get("data"), variables, name)
        bucket.refund(max(0, requested - actual))
        status = bucket.status()
        with self.lock:
            self.stats.answered += 1
            self.stats.points_requested += requested
            self.stats.points_spent += actual
            self.stats.last_status = status
        cost = {"requestedQueryCost": requested, "actualQueryCost": actual}
        answer["extensions"] = {"cost": {**cost, "throttleStatus": status}}
        return answer


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


def _max_cost_error(requested: int, limit: int) -> dict[str, Any]:
    return {
        "message": f"Query cost is {requested}, which exceeds the single query max cost limit "
        f"({limit}). To query larger amounts of data with fewer limits, bulk operations "
        "should be used instead.",
        "extensions": {"code": "MAX_COST_EXCEEDED", "cost": requested, "maxCost": limit},
    }
