"""The GraphQL reader: parsing what the client sends, and Shopify's cost rules."""

from __future__ import annotations

import pytest

from lib.store.api import FIND_CUSTOMERS, ORDERS, PROFILE, orders_page_size, page_that_fits
from lib.store.client import ShopifyClient
from lib.store.graphql import (
    MAX_QUERY_COST,
    GraphQLSyntaxError,
    Variable,
    actual_cost,
    parse,
    query_cost,
)


def test_parses_operations_variables_aliases_arguments_and_fragments() -> None:
    operation = parse(
        """
        # a comment
        query Find($first: Int = 10, $q: String!) {
          found: customers(first: $first, query: $q, reverse: true, ids: ["a", "b"]) {
            nodes { ...Bits }
          }
        }
        fragment Bits on Customer { id note(max: {deep: [1, 2.5, null]}) text: displayName }
        """
    )
    assert operation.name == "Find" and operation.variables == {"first": 10}
    (field,) = operation.selections
    assert field.key == "found" and field.name == "customers"
    assert field.arguments["first"] == Variable("first")
    assert field.arguments["reverse"] is True and field.arguments["ids"] == ["a", "b"]
    node = field.selections[0].selections
    assert [f.key for f in node] == ["id", "note", "text"]
    assert node[1].arguments == {"max": {"deep": [1, 2.5, None]}}


def test_strings_keep_escapes() -> None:
    operation = parse(
        '{ customers(first: 1, query: "email:\\"a\\\\b\\" \\u00e9") { nodes { id } } }'
    )
    assert operation.selections[0].arguments["query"] == 'email:"a\\b" é'


@pytest.mark.parametrize(
    "source",
    ["", "{ a(", "subscription { a }", "{ ...Missing }", "{ a @skip(if: true) }", "{ a } { b }"],
)
def test_bad_documents_are_refused_with_a_reason(source: str) -> None:
    with pytest.raises(GraphQLSyntaxError):
        parse(source)


def test_cost_rules_scalars_objects_and_connections() -> None:
    assert query_cost(parse("{ shop { name } }")) == 1
    plain = "query($n: Int!) { customers(first: $n) { nodes { id email } } }"
    assert query_cost(parse(plain), {"n": 250}) == 252  # 2 + first, as Shopify documents
    nested = "{ customers(first: 10) { edges { node { id defaultAddress { city } } } } }"
    assert query_cost(parse(nested)) == 2 + 10 * 2


def test_nested_connections_multiply_and_actual_cost_counts_what_came_back() -> None:
    operation = parse(
        "{ customer(id: 1) { orders(first: 10) {"
        " nodes { id lineItems(first: 5) { nodes { id } } } } } }"
    )
    assert query_cost(operation) == 1 + 2 + 10 * (1 + 2 + 5)
    data = {"customer": {"orders": {"nodes": [{"id": 1, "lineItems": {"nodes": [{"id": 2}]}}]}}}
    assert actual_cost(operation.selections, data) == 1 + 2 + 1 * (1 + 2 + 1)


def test_pages_are_sized_to_fit_shopify_single_query_limit() -> None:
    client = ShopifyClient("http://127.0.0.1:9", "2025-10", "unused")
    assert query_cost(parse(FIND_CUSTOMERS), {"first": 250}) > MAX_QUERY_COST
    assert query_cost(parse(ORDERS), {"first": 250, "lines": 5}) > MAX_QUERY_COST
    search = page_that_fits(client, FIND_CUSTOMERS, {})
    orders = orders_page_size(client)
    assert query_cost(parse(FIND_CUSTOMERS), {"first": search}) <= MAX_QUERY_COST
    assert query_cost(parse(FIND_CUSTOMERS), {"first": search + 1}) > MAX_QUERY_COST
    assert query_cost(parse(ORDERS), {"first": orders, "lines": 5}) <= MAX_QUERY_COST
    assert query_cost(parse(ORDERS), {"first": orders + 1, "lines": 5}) > MAX_QUERY_COST
    assert query_cost(parse(PROFILE)) <= MAX_QUERY_COST
    client.close()
