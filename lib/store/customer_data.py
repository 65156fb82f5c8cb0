"""The customer's other blocks beyond profile and orders: metafields, draft orders, store
credit and its history, gift cards, abandoned checkouts and subscription contracts.

Each is read to its end, page by page, with the scope Shopify asks for it (`SCOPES`); the export
asks only for the blocks whose scope the shop granted and names the others in the package.
Shopify's `abandonedCheckouts` search has no customer filter, so the shop's checkouts are paged
and only this customer's kept (their `customer { id }`).
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
STORE_CREDIT_HISTORY = """query StoreCreditHistory($id: ID!, $after: String) {
  storeCreditAccount(id: $id) {
    transactions(first: 100, after: $after) {
      nodes {
        __typename createdAt
        amount { amount currencyCode }
        balanceAfterTransaction { amount currencyCode }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
GIFT_CARDS = """query CustomerGiftCards($query: String!, $after: String) {
  giftCards(first: 100, after: $after, query: $query) {
    nodes {
      id lastCharacters createdAt expiresOn enabled customer { id }
      initialValue { amount currencyCode }
      balance { amount currencyCode }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
ABANDONED_CHECKOUTS = """query AbandonedCheckouts($after: String) {
  abandonedCheckouts(first: 50, after: $after) {
    nodes {
      id name createdAt completedAt discountCodes customer { id }
      totalPriceSet { shopMoney { amount currencyCode } }
      lineItems(first: 10) { nodes { title quantity } }
    }
    pageInfo { hasNextPage endCursor }
  }
}"""
SUBSCRIPTIONS = """query CustomerSubscriptions($id: ID!, $after: String) {
  customer(id: $id) {
    subscriptionContracts(first: 50, after: $after) {
      nodes { id status createdAt nextBillingDate currencyCode }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
SCOPES = {
    "metafields.csv": "read_customers",
    "draft_orders.csv": "read_draft_orders",
    "store_credit.csv": "read_store_credit_accounts",
    "gift_cards.csv": "read_gift_cards",
    "abandoned_checkouts.csv": "read_orders",
    "subscription_contracts.csv": "read_own_subscription_contracts",
    "store_credit_history.csv": "read_store_credit_account_transactions",
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
    elif file == "store_credit_history.csv":
        accounts = _nodes(client, STORE_CREDIT, {"id": gid}, ("customer", "storeCreditAccounts"))
        for account in accounts:
            path = ("storeCreditAccount", "transactions")
            for t in _nodes(client, STORE_CREDIT_HISTORY, {"id": account["id"]}, path):
                amount, after = t.get("amount") or {}, t.get("balanceAfterTransaction") or {}
                yield (
                    _number(account["id"]), t.get("createdAt"), t.get("__typename"),
                    amount.get("amount"), after.get("amount"), amount.get("currencyCode"),
                )  # fmt: skip
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
    elif file == "gift_cards.csv":
        query = f"customer_id:{_number(gid)}"
        for card in _nodes(client, GIFT_CARDS, {"query": query}, ("giftCards",)):
            if (card.get("customer") or {}).get("id") != gid:
                continue  # a search that ignored its filter must not leak others' cards
            first, left = card.get("initialValue") or {}, card.get("balance") or {}
            yield (
                _number(card["id"]), card.get("lastCharacters"), card.get("createdAt"),
                card.get("expiresOn"), card.get("enabled"), first.get("amount"),
                left.get("amount"), left.get("currencyCode") or first.get("currencyCode"),
            )  # fmt: skip
    elif file == "abandoned_checkouts.csv":
        for c in _nodes(client, ABANDONED_CHECKOUTS, {}, ("abandonedCheckouts",)):
            if (c.get("customer") or {}).get("id") != gid:
                continue
            total = (c.get("totalPriceSet") or {}).get("shopMoney") or {}
            items = ", ".join(
                f"{line.get('quantity')} × {line.get('title')}"
                for line in (c.get("lineItems") or {}).get("nodes") or []
            )
            yield (
                _number(c["id"]), c.get("name"), c.get("createdAt"), c.get("completedAt"),
                items, ", ".join(c.get("discountCodes") or []), total.get("amount"),
                total.get("currencyCode"),
            )  # fmt: skip
    elif file == "subscription_contracts.csv":
        path = ("customer", "subscriptionContracts")
        for sub in _nodes(client, SUBSCRIPTIONS, {"id": gid}, path):
            yield (
                _number(sub["id"]), sub.get("status"), sub.get("createdAt"),
                sub.get("nextBillingDate"), sub.get("currencyCode"),
            )  # fmt: skip
    else:
        raise ValueError(f"no block {file!r}")


def _number(global_id: str) -> str:
    return str(global_id).rsplit("/", 1)[-1]
