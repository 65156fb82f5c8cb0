"""The customer's other blocks beyond profile and orders: metafields, draft orders, store credit.

Each is read to its end, page by page, with the scope Shopify asks for it (`SCOPES`); the export
asks only for the blocks whose scope the shop granted and names the others in the package.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lib.store.api import customer_gid
from lib.store.client import ShopifyClient

METAFIELDS = """query CustomerMetafields($id: ID!, $after: String) {
  customer(id: $id) {
    metafields(first: 250, after: $after) {
      nodes { namespace key type value updatedAt }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
STORE_CREDIT = """query CustomerStoreCredit($id: ID!, $after: String) {
  customer(id: $id) {
    storeCreditAccounts(first: 50, after: $after) {
      nodes { id balance { amount currencyCode } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
DRAFT_ORDERS = """query CustomerDraftOrders($query: String!, $after: String) {
  draftOrders(first: 100, after: $after, query: $query) {
    nodes {
      id name status createdAt currencyCode
      totalPriceSet { shopMoney { amount currencyCode } }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
SCOPES = {
    "metafields.csv": "read_customers",
    "draft_orders.csv": "read_draft_orders",
    "store_credit.csv": "read_store_credit_accounts",
}
"""The package file of each block and the scope Shopify needs to read it."""


def _nodes(
    client: ShopifyClient, document: str, variables: dict[str, Any], path: tuple[str, ...]
) -> Iterator[dict[str, Any]]:
    after = None
    while True:
        data: Any = client.query(document, {**variables, "after": after})
        for key in path:
            data = (data or {}).get(key)
        if not data:
            return
        yield from data.get("nodes") or []
        info = data.get("pageInfo") or {}
        if not info.get("hasNextPage"):
            return
        after = info.get("endCursor")


def rows(client: ShopifyClient, file: str, customer_id: str | int) -> Iterator[tuple[Any, ...]]:
    """The rows of one block's CSV (in `lib.jobs.report.fields.FILES` order)."""
    gid = customer_gid(customer_id)
    if file == "metafields.csv":
        for m in _nodes(client, METAFIELDS, {"id": gid}, ("customer", "metafields")):
            yield (
                m.get("namespace"),
                m.get("key"),
                m.get("type"),
                m.get("value"),
                m.get("updatedAt"),
            )
    elif file == "store_credit.csv":
        path = ("customer", "storeCreditAccounts")
        for account in _nodes(client, STORE_CREDIT, {"id": gid}, path):
            balance = account.get("balance") or {}
            yield _number(account["id"]), balance.get("amount"), balance.get("currencyCode")
    elif file == "draft_orders.csv":
        query = f"customer_id:{gid.rsplit('/', 1)[-1]}"
        for d in _nodes(client, DRAFT_ORDERS, {"query": query}, ("draftOrders",)):
            total = ((d.get("totalPriceSet") or {}).get("shopMoney") or {}).get("amount")
            yield (
                _number(d["id"]),
                d.get("name"),
                d.get("createdAt"),
                d.get("status"),
                total,
                d.get("currencyCode"),
            )
    else:
        raise ValueError(f"no block {file!r}")


def _number(global_id: str) -> str:
    return str(global_id).rsplit("/", 1)[-1]
