"""Query cost by Shopify's published rules, over the graphql-core AST and Shopify's schema."""

from __future__ import annotations

from graphql import parse

from lib.store.api import FIND_CUSTOMERS, ORDERS, PROFILE, orders_page_size, page_that_fits
from lib.store.client import ShopifyClient
from lib.store.cost import MAX_QUERY_COST, actual_cost, query_cost, requested_cost


def test_scalars_are_free_objects_cost_one_connections_two_plus_their_page() -> None:
    assert query_cost("{ shop { name ianaTimezone } }") == 1
    assert query_cost("{ shop { name billingAddress { countryCodeV2 } } }") == 2
    paged = "query($n: Int) { customers(first: $n) { nodes { id } pageInfo { hasNextPage } } }"
    assert query_cost(paged, {"n": 250}) == 2 + 250
    assert query_cost(paged.replace("$n: Int", "$n: Int = 10")) == 2 + 10  # the default counts


def test_nested_connections_multiply() -> None:
    nested = """{ customers(first: 10) { edges { node {
        id addressesV2(first: 5) { nodes { id } }
        amountSpent { amount }
    } } } }"""
    assert query_cost(nested) == 2 + 10 * (1 + (2 + 5 * 1) + 1)


def test_an_interface_costs_its_dearest_possible_type() -> None:
    node = """{ node(id: "gid://shopify/Customer/1") {
        id
        ... on Customer { defaultAddress { id } amountSpent { amount } }
        ... on Order { totalPriceSet { shopMoney { amount } } }
    } }"""
    assert query_cost(node) == 1 + max(1 + 1, 1 + 1)
    spread = (
        '{ node(id: "x") { ...C } } fragment C on Customer { orders(first: 3) { nodes { id } } }'
    )
    assert query_cost(spread) == 1 + 2 + 3


def test_a_mutation_costs_ten() -> None:
    mutation = 'mutation { customerRequestDataErasure(customerId: "x") { customerId } }'
    assert query_cost(mutation) == 10


def test_actual_cost_counts_what_came_back() -> None:
    document = parse("{ customers(first: 10) { nodes { id defaultAddress { city } } } }")
    data = {"customers": {"nodes": [{"id": "1", "defaultAddress": None}, {"id": "2",
            "defaultAddress": {"city": "Berlin"}}]}}  # fmt: skip
    assert requested_cost(document) == 2 + 10 * 2
    assert actual_cost(document, data) == 2 + (1 + 0) + (1 + 1)


def test_the_client_plans_pages_that_fit_shopifys_limit() -> None:
    client = ShopifyClient("http://127.0.0.1:9", "2026-10", "unused")
    try:
        search = page_that_fits(client, FIND_CUSTOMERS, {})
        orders = orders_page_size(client)
    finally:
        client.close()
    assert query_cost(FIND_CUSTOMERS, {"first": 250}) > MAX_QUERY_COST
    assert query_cost(FIND_CUSTOMERS, {"first": search}) <= MAX_QUERY_COST
    assert query_cost(FIND_CUSTOMERS, {"first": search + 1}) > MAX_QUERY_COST
    assert query_cost(ORDERS, {"first": orders, "lines": 5}) <= MAX_QUERY_COST
    assert query_cost(ORDERS, {"first": orders + 1, "lines": 5}) > MAX_QUERY_COST
    assert query_cost(PROFILE) <= MAX_QUERY_COST
