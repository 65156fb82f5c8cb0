"""Run a validated document over the demo store's types with graphql-core; the leaky bucket.

graphql-core's `execute` walks the document along Shopify's schema and asks `_resolve` for each
field; the demo classes (`lib.store.demo_schema`) answer. What comes back is checked against the
schema on the way out (enum values, non-null fields), and the scalars Shopify sends as strings
(`UnsignedInt64`, `Decimal`, `Money`) are sent as strings.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graphql import DocumentNode, GraphQLResolveInfo, GraphQLSchema, execute

from lib.store.demo_schema import MutationRoot, QueryRoot
from lib.store.demo_types import Context, NotServed, Obj
from lib.store.schema import admin_schema, shopify_error

STANDARD_RESTORE_RATE = 100.0
"""Points restored per second on Shopify's Standard plan (shopify.md §5)."""
STANDARD_BUCKET = 2000.0
"""Bucket size: 20 s of restore, the ratio of Shopify's older published 1,000 / 50 figures."""
STRING_SCALARS = ("UnsignedInt64", "Decimal", "Money")


@cache
def demo_schema() -> GraphQLSchema:
    """Shopify's schema with the string-typed scalars serialised as Shopify sends them."""
    schema = admin_schema()
    for name in STRING_SCALARS:
        schema.get_type(name).coerce_output_value = str  # type: ignore[union-attr]
    return schema


def _resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    if not isinstance(source, Obj):
        raise NotServed(info.parent_type.name, info.field_name)
    resolver = source.resolve(info.field_name)
    if resolver is None:
        raise NotServed(info.parent_type.name, info.field_name)
    return resolver(args)


def run(
    document: DocumentNode,
    variables: dict[str, Any],
    operation_name: str | None,
    is_mutation: bool,
    ctx: Context,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """Resolve the operation over the demo data; returns (data, errors in Shopify's shape)."""
    root = MutationRoot(ctx) if is_mutation else QueryRoot(ctx)
    result = execute(
        demo_schema(),
        document,
        root_value=root,
        variable_values=variables,
        operation_name=operation_name,
        field_resolver=_resolve,
    )
    return result.data, [shopify_error(error) for error in result.errors or ()]


@dataclass
class LeakyBucket:
    """Shopify's calculated-cost limit: a request takes its requested cost up front, gets back
    the difference to its actual cost, and the bucket refills at `restore_rate` points/s."""

    maximum: float = STANDARD_BUCKET
    restore_rate: float = STANDARD_RESTORE_RATE
    available: float = -1.0
    updated: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.available < 0:
            self.available = self.maximum

    def _refill(self) -> None:
        now = time.monotonic()
        self.available = min(
            self.maximum, self.available + (now - self.updated) * self.restore_rate
        )
        self.updated = now

    def take(self, cost: float) -> bool:
        """Charge `cost` if the bucket holds it; False means throttled (nothing charged)."""
        with self.lock:
            self._refill()
            if cost > self.available:
                return False
            self.available -= cost
            return True

    def refund(self, points: float) -> None:
        """Give back the part of the requested cost that the query did not use."""
        with self.lock:
            self._refill()
            self.available = min(self.maximum, self.available + points)

    def status(self) -> dict[str, float]:
        """`throttleStatus` as Shopify reports it."""
        with self.lock:
            self._refill()
            return {
                "maximumAvailable": float(self.maximum),
                "currentlyAvailable": float(int(self.available)),
                "restoreRate": float(self.restore_rate),
            }

    def configure(self, maximum: float | None = None, restore_rate: float | None = None) -> None:
        """Change the limits (tests, benchmarks); the bucket starts full again."""
        with self.lock:
            self.maximum = self.maximum if maximum is None else float(maximum)
            self.restore_rate = self.restore_rate if restore_rate is None else float(restore_rate)
            self.available, self.updated = self.maximum, time.monotonic()
