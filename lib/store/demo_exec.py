"""Run a parsed query against the demo schema and charge it to a Shopify-style leaky bucket."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from lib.store.demo_schema import QueryRoot
from lib.store.demo_types import AccessDenied, Context, Obj, UserError
from lib.store.graphql import Field, Operation, actual_cost, resolve

STANDARD_RESTORE_RATE = 100.0
"""Points restored per second on Shopify's Standard plan (shopify.md §5)."""
STANDARD_BUCKET = 2000.0
"""Bucket size: 20 s of restore, the ratio of Shopify's older published 1,000 / 50 figures."""


class QueryError(Exception):
    """The query cannot run at all (unknown field, selection on a scalar); no data is returned."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def execute(
    operation: Operation, variables: dict[str, Any], ctx: Context
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Resolve `operation` over the demo data; returns (data, field errors)."""
    if operation.kind != "query":
        raise QueryError("the demo store answers queries only", "unsupportedOperation")
    merged = {**operation.variables, **variables}
    errors: list[dict[str, Any]] = []
    data = _complete(operation.selections, QueryRoot(ctx), merged, [], errors)
    return data, errors


def _complete(
    fields: list[Field], obj: Obj, variables: dict[str, Any], path: list[Any], errors: list
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for node in fields:
        resolver = obj.resolve(node.name)
        if resolver is None:
            raise QueryError(
                f"Field '{node.name}' doesn't exist on type '{obj.typename}'", "undefinedField"
            )
        args = {key: resolve(value, variables) for key, value in node.arguments.items()}
        where = [*path, node.key]
        try:
            value = resolver(args)
        except AccessDenied as exc:
            errors.append(_field_error(str(exc), "ACCESS_DENIED", where, exc.required))
            out[node.key] = None
            continue
        except UserError as exc:
            errors.append(_field_error(str(exc), "BAD_REQUEST", where))
            out[node.key] = None
            continue
        out[node.key] = _value(node, value, variables, where, errors)
    return out


def _value(node: Field, value: Any, variables: dict, path: list[Any], errors: list) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_value(node, item, variables, [*path, i], errors) for i, item in enumerate(value)]
    if isinstance(value, Obj):
        if not node.selections:
            raise QueryError(
                f"Field '{node.name}' of type '{value.typename}' needs a selection of subfields",
                "selectionMismatch",
            )
        return _complete(node.selections, value, variables, path, errors)
    if node.selections:
        raise QueryError(
            f"Selections can't be made on scalars (field '{node.name}')", "selectionMismatch"
        )
    return value


def _field_error(message: str, code: str, path: list[Any], required: str | None = None) -> dict:
    extensions: dict[str, Any] = {"code": code}
    if required:
        extensions["requiredAccess"] = f"`{required}` access scope."
    return {"message": message, "path": path, "extensions": extensions}


def cost_of_result(operation: Operation, data: dict[str, Any]) -> int:
    """Actual cost: what the returned data costs (connections by the nodes they hold)."""
    return actual_cost(operation.selections, data)


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
