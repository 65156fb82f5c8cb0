"""A customer's orders through one Shopify bulk query operation, streamed with flat memory.

`bulkOperationRunQuery` starts the operation (Shopify runs it without the per-query cost limit
or the bucket's pace), `bulkOperation(id:)` is polled until it is COMPLETED, and the JSONL file
at its `url` is streamed line by line: each order is a root line, its line items follow it with
`__parentId` (`groupObjects: true`). Orders come out in batches with every line item, as
`lib.store.api.order_pages` gives them, so the package writer takes either.

Whatever keeps the operation from giving the whole file — one already running for the shop,
a user error (a missing scope), FAILED / CANCELED / EXPIRED, no end in time, a refused or
expired link, a file that stops mid-line or holds fewer objects than reported — raises
`BulkUnavailable` with the reason; the export then falls back to paced pages.
Shopify: https://shopify.dev/docs/api/usage/bulk-operations/queries
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from lib.store.api import ORDER_EXTRAS, customer_gid
from lib.store.client import ShopifyClient, StoreError, StoreQueryError

_ADDRESS = """firstName lastName company address1 address2 city province provinceCode zip
      country countryCodeV2 phone"""
BULK_ORDERS = f"""query BulkCustomerOrders {{
  orders(query: "customer_id:0") {{
    edges {{
      node {{
        id legacyResourceId name createdAt processedAt cancelledAt closedAt
        displayFinancialStatus displayFulfillmentStatus currencyCode email phone note tags
        totalPriceSet {{ shopMoney {{ amount currencyCode }} }}
        shippingAddress {{ {_ADDRESS} }}
        billingAddress {{ {_ADDRESS} }}
        {ORDER_EXTRAS}
        lineItems {{
          edges {{
            node {{
              id title variantTitle sku quantity
              originalUnitPriceSet {{ shopMoney {{ amount currencyCode }} }}
            }}
          }}
        }}
      }}
    }}
  }}
}}"""
"""The inner query; `customer_id:0` is replaced by the customer's number."""
BULK_RUN = """mutation BulkRun($query: String!) {
  bulkOperationRunQuery(query: $query, groupObjects: true) {
    bulkOperation { id status }
    userErrors { field message code }
  }
}"""
BULK_STATUS = """query BulkStatus($id: ID!) {
  bulkOperation(id: $id) {
    id status errorCode objectCount rootObjectCount fileSize url createdAt completedAt
  }
}"""
FINISHED = frozenset({"COMPLETED", "FAILED", "CANCELED", "EXPIRED"})
POLL_FIRST, POLL_MAX = 0.2, 2.0
BATCH = 250
"""Orders handed to the writer at a time (memory stays flat whatever the total)."""


class BulkUnavailable(StoreError):
    """The bulk operation cannot give the whole result; the message says why."""


@dataclass(frozen=True, slots=True)
class BulkResult:
    """A completed operation: where its JSONL is and how many objects it holds."""

    id: str
    url: str
    objects: int
    roots: int


Progress = Callable[[int, int, str], None]
"""(done, total, note): objects streamed of how many; total 0 while the operation runs."""


def run_orders_query(
    client: ShopifyClient,
    customer_id: str | int,
    progress: Progress,
    *,
    timeout: float = 900.0,
    sleep: Callable[[float], None] = time.sleep,
) -> BulkResult:
    """Start the orders bulk query of one customer and wait for its end."""
    number = customer_gid(customer_id).rsplit("/", 1)[-1]
    if not number.isdigit():
        raise BulkUnavailable(f"customer id {customer_id!r} is not a Shopify id")
    query = BULK_ORDERS.replace("customer_id:0", f"customer_id:{number}")
    try:
        payload = client.query(BULK_RUN, {"query": query})["bulkOperationRunQuery"]
    except StoreQueryError as exc:  # a shop (or API version) that does not take the mutation
        raise BulkUnavailable(f"the shop refused the bulk operation: {exc}") from exc
    errors = payload.get("userErrors") or []
    if errors:
        first = errors[0]
        raise BulkUnavailable(f"{first.get('code') or 'refused'}: {first.get('message')}")
    operation_id = payload["bulkOperation"]["id"]
    deadline, wait = time.monotonic() + timeout, POLL_FIRST
    while True:
        node = client.query(BULK_STATUS, {"id": operation_id})["bulkOperation"] or {}
        status, objects = node.get("status"), int(node.get("objectCount") or 0)
        if status in FINISHED:
            break
        progress(objects, 0, f"bulk operation {str(status).lower()}: {objects:,} objects")
        if time.monotonic() > deadline:
            raise BulkUnavailable(f"the bulk operation did not finish within {timeout:.0f} s")
        sleep(wait)
        wait = min(POLL_MAX, wait * 1.5)
    if status != "COMPLETED":
        raise BulkUnavailable(f"the bulk operation ended {status} ({node.get('errorCode')})")
    if not node.get("url"):
        if objects == 0:
            return BulkResult(operation_id, "", 0, 0)  # nothing found: Shopify sends no file
        raise BulkUnavailable("the completed bulk operation has no file")
    return BulkResult(operation_id, node["url"], objects, int(node.get("rootObjectCount") or 0))


def stream_lines(result: BulkResult, http: httpx.Client) -> Iterator[dict[str, Any]]:
    """Every JSONL object of the result, read as it arrives; a cut or short file raises."""
    if not result.url:
        return
    seen = 0
    with http.stream("GET", result.url) as response:
        if response.status_code != 200:
            raise BulkUnavailable(f"the bulk result link answered {response.status_code}")
        rest = b""
        for chunk in response.iter_bytes():
            rest += chunk
            *lines, rest = rest.split(b"\n")
            for line in lines:
                if line.strip():
                    seen += 1
                    yield _parse(line)
    if rest.strip():
        raise BulkUnavailable("the bulk result stops in the middle of a line (truncated)")
    if seen != result.objects:
        raise BulkUnavailable(f"the bulk result holds {seen} of {result.objects} objects")


def _parse(line: bytes) -> dict[str, Any]:
    try:
        value = json.loads(line)
    except ValueError:
        raise BulkUnavailable("the bulk result has a line that is not JSON") from None
    if not isinstance(value, dict):
        raise BulkUnavailable("the bulk result has a line that is not an object")
    return value


def order_batches(
    lines: Iterator[dict[str, Any]], total: int, progress: Progress
) -> Iterator[list[dict[str, Any]]]:
    """Orders with their line items (children follow their order), `BATCH` at a time."""
    batch: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    done = 0
    for line in lines:
        done += 1
        parent = line.pop("__parentId", None)
        if parent is None:
            if len(batch) >= BATCH:
                yield batch
                batch = []
                progress(done, total, f"bulk: {done:,} of {total:,} objects streamed")
            current = {**line, "lineItems": []}
            batch.append(current)
        elif current is not None and parent == current.get("id"):
            current["lineItems"].append(line)
        else:
            raise BulkUnavailable("a line item in the bulk result does not follow its order")
    if batch:
        yield batch
    progress(done, total, f"bulk: {done:,} of {total:,} objects streamed")
