"""What Privacy Desk reads from a store: customers (search, profile) and their orders.

The same queries run against a real shop and the demo store. Order pages carry line items,
addresses and statuses; their size is the largest that keeps the requested cost under Shopify's
single-query limit (250 nodes at most), re-planned before every page from what the shop reported
the query cost. A page the shop still refuses (`MAX_COST_EXCEEDED`) is retried at half the
orders, then half the line items per order, down to one of each. Orders with more line items
than fit on a page get the rest with follow-up queries, so nothing is cut off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lib.store.client import CustomerNotFound, ShopifyClient, StoreQueryTooCostly
from lib.store.cost import MAX_QUERY_COST

MAX_PAGE = 250
LINES_PER_ORDER = 5
"""Line items fetched with each order; more are fetched per order afterwards."""
SEARCH_PAGE = 25
log = logging.getLogger("privacy_desk.store")

ADDRESS = """fragment Address on MailingAddress {
  firstName lastName company address1 address2 city province provinceCode zip country
  countryCodeV2 phone
}"""
_SUMMARY = """id legacyResourceId firstName lastName displayName numberOfOrders createdAt
  defaultEmailAddress { emailAddress }
  defaultPhoneNumber { phoneNumber }
  defaultAddress { countryCodeV2 provinceCode city }"""
FIND_CUSTOMERS = f"""query FindCustomers($first: Int!, $after: String, $query: String) {{
  customers(first: $first, after: $after, query: $query) {{
    nodes {{ {_SUMMARY} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""
CUSTOMER = f"""query Customer($id: ID!) {{ customer(id: $id) {{ {_SUMMARY} }} }}"""
PROFILE = (
    """query CustomerProfile($id: ID!, $after: String) {
  customer(id: $id) {
    id legacyResourceId firstName lastName displayName note tags locale createdAt updatedAt
    numberOfOrders state verifiedEmail taxExempt dataSaleOptOut
    amountSpent { amount currencyCode }
    defaultEmailAddress { emailAddress marketingState marketingOptInLevel marketingUpdatedAt }
    defaultPhoneNumber {
      phoneNumber smsMarketingConsent { state optInLevel updatedAt collectedFrom }
    }
    addressesV2(first: 50, after: $after) {
      nodes { ...Address }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
    + ADDRESS
)
_LINES = """pageInfo { hasNextPage endCursor }
      nodes {
        id title variantTitle sku quantity
        originalUnitPriceSet { shopMoney { amount currencyCode } }
      }"""
ORDER_EXTRAS = """fulfillments(first: 5) {
          name status createdAt trackingInfo(first: 3) { company number url }
        }
        transactions(first: 10) {
          kind status formattedGateway processedAt amountSet { shopMoney { amount currencyCode } }
        }
        refunds(first: 5) { createdAt note totalRefundedSet { shopMoney { amount currencyCode } } }
        shippingLine { title code originalPriceSet { shopMoney { amount currencyCode } } }
        discountCodes returnStatus
        customAttributes { key value }"""
"""Each order's deliveries with tracking, payments, refunds, shipping method, discount codes,
return status and the extra details given with it (lists and objects, not connections: cheap on
every page)."""
ORDERS = (
    f"""query CustomerOrders($id: ID!, $first: Int!, $after: String, $lines: Int!) {{
  customer(id: $id) {{
    orders(first: $first, after: $after) {{
      pageInfo {{ hasNextPage endCursor }}
      nodes {{
        id legacyResourceId name createdAt processedAt cancelledAt closedAt
        displayFinancialStatus displayFulfillmentStatus currencyCode email phone note tags
        totalPriceSet {{ shopMoney {{ amount currencyCode }} }}
        shippingAddress {{ ...Address }}
        billingAddress {{ ...Address }}
        lineItems(first: $lines) {{ {_LINES} }}
        {ORDER_EXTRAS}
      }}
    }}
  }}
}}
"""
    + ADDRESS
)
ORDER_LINES = f"""query OrderLines($id: ID!, $first: Int!, $after: String) {{
  order(id: $id) {{ lineItems(first: $first, after: $after) {{ {_LINES} }} }}
}}"""
SCOPES = "query Scopes { currentAppInstallation { accessScopes { handle } } }"


@dataclass(frozen=True, slots=True)
class StoreCustomer:
    """A store customer as search lists it; `id` is the numeric id (as Shopify's proxy sends)."""

    id: str
    gid: str
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    country: str | None
    province: str | None
    orders_count: int
    created_at: str | None

    @property
    def name(self) -> str:
        """Full name, or '' when the store has none."""
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True, slots=True)
class OrderPage:
    """One page of a customer's orders (each with every line item) and the page sizes.

    `page_size` is how many orders this page asked for, `next_size` how many the next one
    will ask for (0 after the last page): progress can count the pages still to come.
    """

    orders: list[dict[str, Any]]
    page_size: int
    has_next: bool
    next_size: int


def customer_gid(customer_id: str | int) -> str:
    """gid://shopify/Customer/N for a numeric id (a gid is returned unchanged)."""
    text = str(customer_id).strip()
    return text if text.startswith("gid://") else f"gid://shopify/Customer/{text}"


def _summary(node: dict[str, Any]) -> StoreCustomer:
    email = (node.get("defaultEmailAddress") or {}).get("emailAddress")
    phone = (node.get("defaultPhoneNumber") or {}).get("phoneNumber")
    address = node.get("defaultAddress") or {}
    return StoreCustomer(
        id=str(node.get("legacyResourceId") or node["id"].rsplit("/", 1)[-1]),
        gid=node["id"],
        email=email.lower() if email else None,
        first_name=node.get("firstName"),
        last_name=node.get("lastName"),
        phone=phone,
        country=address.get("countryCodeV2"),
        province=address.get("provinceCode"),
        orders_count=int(node.get("numberOfOrders") or 0),
        created_at=node.get("createdAt"),
    )


def quote_value(value: str) -> str:
    """A value quoted for Shopify's search syntax (spaces and quotes kept inside)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def find_customers(
    client: ShopifyClient,
    query: str,
    limit: int = SEARCH_PAGE,
    *,
    max_attempts: int | None = None,
) -> list[StoreCustomer]:
    """Customers matching Shopify search syntax (`email:`, `phone:`, or name words)."""
    variables: dict[str, Any] = {"query": query.strip() or None}
    fits = page_that_fits(client, FIND_CUSTOMERS, variables)
    variables["first"] = max(1, min(limit, fits))
    data = client.query(FIND_CUSTOMERS, variables, max_attempts=max_attempts)
    return [_summary(node) for node in data["customers"]["nodes"]]


def customer_by_email(client: ShopifyClient, email: str) -> StoreCustomer | None:
    """The customer whose email is exactly `email` (case-insensitive), or None."""
    wanted = email.strip().lower()
    found = find_customers(client, f"email:{quote_value(wanted)}", limit=5)
    return next((c for c in found if c.email == wanted), None)


def get_customer(
    client: ShopifyClient, customer_id: str | int, *, max_attempts: int | None = None
) -> StoreCustomer:
    """One customer by numeric id or gid; raises CustomerNotFound."""
    variables = {"id": customer_gid(customer_id)}
    node = client.query(CUSTOMER, variables, max_attempts=max_attempts).get("customer")
    if node is None:
        raise CustomerNotFound(f"no customer {customer_id} in this store")
    return _summary(node)


def customer_profile(client: ShopifyClient, customer_id: str | int) -> dict[str, Any]:
    """Everything the store holds on the customer itself, with every address."""
    gid = customer_gid(customer_id)
    profile: dict[str, Any] | None = None
    addresses: list[dict[str, Any]] = []
    after = None
    while True:
        node = client.query(PROFILE, {"id": gid, "after": after}).get("customer")
        if node is None:
            raise CustomerNotFound(f"no customer {customer_id} in this store")
        page = node.pop("addressesV2")
        profile = profile or node
        addresses.extend(page["nodes"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    profile["addresses"] = addresses
    return profile


def page_that_fits(client: ShopifyClient, document: str, variables: dict[str, Any]) -> int:
    """Largest `first` (≤ 250) whose requested cost stays within Shopify's single-query limit."""
    one = client.estimate(document, {**variables, "first": 1})
    per_node = max(1, client.estimate(document, {**variables, "first": 2}) - one)
    return max(1, min(MAX_PAGE, (MAX_QUERY_COST - (one - per_node)) // per_node))


def orders_page_size(client: ShopifyClient, lines: int = LINES_PER_ORDER) -> int:
    """Orders per page: as many as fit the cost limit with `lines` line items each."""
    return page_that_fits(client, ORDERS, {"lines": lines})


def smaller_page(orders: int, lines: int) -> tuple[int, int] | None:
    """The page to ask for after `MAX_COST_EXCEEDED`: half the orders, then half the lines.

    None once the page is one order with one line item: nothing smaller can be asked for.
    """
    if orders > 1:
        return orders // 2, lines
    if lines > 1:
        return 1, lines // 2
    return None


@dataclass
class _PagePlan:
    """Page sizes for one customer's orders: planned from the shop's cost reports, capped by
    what the shop refused (a halved size stays halved for the pages after it)."""

    client: ShopifyClient
    orders_cap: int = MAX_PAGE
    lines: int = LINES_PER_ORDER
    lines_cap: int = MAX_PAGE

    def orders(self) -> int:
        """Orders the next page asks for."""
        return min(self.orders_cap, orders_page_size(self.client, self.lines))

    def line_items(self, order_id: str) -> int:
        """Line items the next follow-up query of `order_id` asks for."""
        fits = page_that_fits(self.client, ORDER_LINES, {"id": order_id})
        return min(self.lines_cap, fits)

    def refused_orders(self, size: int, refused: StoreQueryTooCostly) -> None:
        """Halve the order page (then the lines per order); raise when nothing is smaller."""
        smaller = smaller_page(size, self.lines)
        if smaller is None:
            raise StoreQueryTooCostly(
                f"{refused}, even for one order with one line item per page",
                refused.cost,
                refused.max_cost,
            ) from refused
        log.info("order page of %d x %d lines too costly: %s", size, self.lines, refused)
        self.orders_cap, self.lines = smaller

    def refused_lines(self, size: int, refused: StoreQueryTooCostly) -> None:
        """Halve the follow-up line-item page; raise when it was one line item already."""
        if size <= 1:
            raise StoreQueryTooCostly(
                f"{refused}, even for one line item per page", refused.cost, refused.max_cost
            ) from refused
        log.info("line-item page of %d too costly: %s", size, refused)
        self.lines_cap = size // 2


def order_pages(client: ShopifyClient, customer_id: str | int) -> Iterator[OrderPage]:
    """The customer's orders, oldest first, page by page (each order with all its lines).

    Raises StoreQueryTooCostly only when the shop refuses even one order with one line item.
    """
    gid, after = customer_gid(customer_id), None
    plan = _PagePlan(client)
    size = plan.orders()
    while True:
        variables = {"id": gid, "first": size, "after": after, "lines": plan.lines}
        try:
            node = client.query(ORDERS, variables).get("customer")
        except StoreQueryTooCostly as refused:
            plan.refused_orders(size, refused)
            size = plan.orders()
            continue
        if node is None:
            raise CustomerNotFound(f"no customer {customer_id} in this store")
        connection = node["orders"]
        orders = connection["nodes"]
        for order in orders:
            _complete_lines(client, order, plan)
        more = bool(connection["pageInfo"]["hasNextPage"])
        next_size = plan.orders() if more else 0
        yield OrderPage(orders, size, more, next_size)
        if not more:
            return
        after, size = connection["pageInfo"]["endCursor"], next_size


def _complete_lines(client: ShopifyClient, order: dict[str, Any], plan: _PagePlan) -> None:
    lines = order["lineItems"]
    items, info = list(lines["nodes"]), lines["pageInfo"]
    while info["hasNextPage"]:
        size = plan.line_items(order["id"])
        variables = {"id": order["id"], "first": size, "after": info["endCursor"]}
        try:
            page = client.query(ORDER_LINES, variables)
        except StoreQueryTooCostly as refused:
            plan.refused_lines(size, refused)
            continue
        connection = (page.get("order") or {}).get("lineItems") or {}
        items.extend(connection.get("nodes") or [])
        info = connection.get("pageInfo") or {"hasNextPage": False}
    order["lineItems"] = items


def access_scopes(client: ShopifyClient) -> list[str]:
    """The access scopes the app was granted on this store."""
    data = client.query(SCOPES)
    installation = data.get("currentAppInstallation") or {}
    return sorted(s["handle"] for s in installation.get("accessScopes") or [])
