"""Order pages against a shop's cost limit: planned from reported costs, halved when refused."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from lib.core.db import Database
from lib.core.models import DemoLineItem, DemoOrder
from lib.store.api import ORDERS, order_pages, smaller_page
from lib.store.client import ShopifyClient, StoreQueryTooCostly
from lib.store.demo_data import add_demo_customer
from lib.store.demo_server import DemoStoreServer
from lib.store.versions import PINNED
from tests.servers import serve_in_thread
from tests.store.helpers import SHOP, TOKEN, client_for, post, running_store


def demo_tables(db: Database, customer_id: int) -> tuple[set[str], set[str]]:
    """The customer's order and line-item gids as the demo tables hold them."""
    with db.read() as session:
        orders = session.scalars(select(DemoOrder.id).where(DemoOrder.customer_id == customer_id))
        order_ids = set(orders)
        lines = session.scalars(select(DemoLineItem.id).where(DemoLineItem.order_id.in_(order_ids)))
        line_ids = set(lines)
    return (
        {f"gid://shopify/Order/{n}" for n in order_ids},
        {f"gid://shopify/LineItem/{n}" for n in line_ids},
    )


def refusals(client: ShopifyClient) -> int:
    """Queries the shop refused (sent but not answered; these tests are never throttled)."""
    return client.stats.requests - client.stats.answered


def test_halving_goes_orders_first_then_line_items_down_to_one_of_each() -> None:
    sequence, page = [], (45, 5)
    while (page := smaller_page(*page)) is not None:
        sequence.append(page)
    assert sequence == [(22, 5), (11, 5), (5, 5), (2, 5), (1, 5), (1, 2), (1, 1)]


def test_a_lowered_cost_limit_gives_smaller_pages_and_every_order_and_line(
    sqlite_db: Database,
) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com", orders=100, lines_per_order=7)
    with running_store(sqlite_db) as server, client_for(server) as client:
        post(server, "/_demo/faults", {"max_cost": 200})
        pages = list(order_pages(client, ada.id))
    # 29 orders (989 points), 14 (479) and 7 (241) are refused; 3 orders cost 105.
    assert [p.page_size for p in pages] == [3] * 34
    assert [p.next_size for p in pages] == [3] * 33 + [0]
    # Follow-up line pages: 250 (753 points) and 125 (378) are refused, 62 lines cost 189.
    assert refusals(client) == 3 + 2
    orders = [order for page in pages for order in page.orders]
    want_orders, want_lines = demo_tables(sqlite_db, ada.id)
    assert [o["id"] for o in orders] == sorted(want_orders, key=lambda g: int(g.rsplit("/")[-1]))
    assert {line["id"] for o in orders for line in o["lineItems"]} == want_lines
    assert sum(len(o["lineItems"]) for o in orders) == 700


def test_one_order_per_page_then_fewer_lines_per_order(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com", orders=4, lines_per_order=9)
    with running_store(sqlite_db) as server, client_for(server) as client:
        post(server, "/_demo/faults", {"max_cost": 32})  # one order with 5 lines costs 37
        pages = list(order_pages(client, ada.id))
    assert [p.page_size for p in pages] == [1, 1, 1, 1]
    orders = [order for page in pages for order in page.orders]
    _, want_lines = demo_tables(sqlite_db, ada.id)
    assert {line["id"] for o in orders for line in o["lineItems"]} == want_lines


def test_nothing_smaller_left_fails_with_one_clear_sentence(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com", orders=3)
    with running_store(sqlite_db) as server, client_for(server) as client:
        least = client.estimate(ORDERS, {"first": 1, "lines": 1})  # 25 points today
        post(server, "/_demo/faults", {"max_cost": least - 1})
        with pytest.raises(StoreQueryTooCostly) as failure:
            list(order_pages(client, ada.id))
    assert str(failure.value) == (
        f"the store refused the query as too costly ({least} points, the limit is {least - 1}), "
        "even for one order with one line item per page"
    )
    assert (failure.value.cost, failure.value.max_cost) == (least, least - 1)
    assert refusals(client) == 7  # 29, 14, 7, 3, 1 orders; then 2 and 1 lines


@contextmanager
def pricier_shop(server: DemoStoreServer, factor: float) -> Iterator[str]:
    """The demo store behind a proxy that charges `factor` times what it reports, refusing
    above 1,000 points like Shopify: a shop whose prices our estimator does not know."""

    async def graphql(request: Request) -> Response:
        async with httpx.AsyncClient(base_url=server.url) as http:
            upstream = await http.post(
                request.url.path, content=await request.body(), headers=dict(request.headers)
            )
        answer = upstream.json()
        cost = (answer.get("extensions") or {}).get("cost")
        if not cost:
            return JSONResponse(answer, upstream.status_code)
        charged = math.ceil(cost["requestedQueryCost"] * factor)
        if charged > 1000:
            refused = {"code": "MAX_COST_EXCEEDED", "cost": charged, "maxCost": 1000}
            return JSONResponse({"errors": [{"message": "too costly", "extensions": refused}]})
        cost["requestedQueryCost"] = charged
        return JSONResponse(answer)

    app = Starlette(routes=[Route("/admin/api/{version}/graphql.json", graphql, methods=["POST"])])
    with serve_in_thread(app) as base:
        yield base


def test_the_first_page_after_a_cost_report_fits_the_shop_limit(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com", orders=100, lines_per_order=2)
    with running_store(sqlite_db) as server, pricier_shop(server, 1.5) as base:
        with ShopifyClient(base, PINNED, TOKEN, SHOP) as client:
            # Our estimate plans 29 orders (989 points): 1,484 at this shop's prices.
            client.query(
                ORDERS, {"id": f"gid://shopify/Customer/{ada.id}", "first": 10, "lines": 5}
            )
            pages = list(order_pages(client, ada.id))
            assert refusals(client) == 0
            # 19 orders cost 649 by our estimate, 974 at the shop's prices: the most that fits.
            assert [p.page_size for p in pages] == [19] * 6
            assert [len(p.orders) for p in pages] == [19, 19, 19, 19, 19, 5]
        with ShopifyClient(base, PINNED, TOKEN, SHOP) as fresh:  # no report before the first
            sizes = [p.page_size for p in order_pages(fresh, ada.id)]
            assert refusals(fresh) == 1 and sizes == [14] * 8
    assert sum(len(p.orders) for p in pages) == 100


def test_the_cost_a_refusal_reports_plans_the_retry(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com", orders=40, lines_per_order=2)
    with (
        running_store(sqlite_db) as server,
        pricier_shop(server, 3.0) as base,
        ShopifyClient(base, PINNED, TOKEN, SHOP) as client,
    ):
        sizes = [p.page_size for p in order_pages(client, ada.id)]
    # 29 orders are refused at 2,967 points; that report plans 9 (927 points), below the
    # halved 14 (1,437 points, which would be refused too).
    assert refusals(client) == 1 and sizes == [9] * 5
