"""The demo store over real HTTP: Shopify's answer shape, cost limit, auth, scopes, faults."""

from __future__ import annotations

import httpx
import pytest

from lib.core.db import Database
from lib.store.api import FIND_CUSTOMERS, ORDERS
from lib.store.demo_data import add_demo_customer
from tests.store.helpers import SHOP, TOKEN, post, running_store

QUERY = "query($q: String) { customers(first: 5, query: $q) { nodes { id email numberOfOrders } } }"


def graphql(url: str, body: dict, token: str = TOKEN, version: str = "2025-10") -> httpx.Response:
    headers = {"X-Shopify-Access-Token": token, "X-Shopify-Shop-Domain": SHOP}
    return httpx.post(f"{url}/admin/api/{version}/graphql.json", json=body, headers=headers)


def test_customers_search_answers_in_shopify_shape_for_any_version(db: Database) -> None:
    ada = add_demo_customer(db, email="Ada@Example.com", orders=3)
    add_demo_customer(db, email="grace@example.com", first_name="Grace", last_name="Hopper")
    add_demo_customer(db, email="other@example.com", shop_domain="other-shop.myshopify.com")
    with running_store(db) as server:
        for version in ("2025-10", "unstable", "2019-04"):
            answer = graphql(
                server.url,
                {"query": QUERY, "variables": {"q": "email:ada@example.com"}},
                version=version,
            ).json()
            assert answer["data"]["customers"]["nodes"] == [
                {
                    "id": f"gid://shopify/Customer/{ada.id}",
                    "email": "ada@example.com",
                    "numberOfOrders": "3",
                }
            ]
        cost = answer["extensions"]["cost"]
        assert cost["requestedQueryCost"] == 2 + 5 and cost["actualQueryCost"] == 2 + 1
        assert set(cost["throttleStatus"]) == {
            "maximumAvailable",
            "currentlyAvailable",
            "restoreRate",
        }

        def emails(query: str) -> list[str]:
            body = {"query": QUERY, "variables": {"q": query}}
            return sorted(
                n["email"] for n in graphql(server.url, body).json()["data"]["customers"]["nodes"]
            )

        assert emails("gra") == ["grace@example.com"]  # name/email prefix
        assert emails("Grace Hop") == ["grace@example.com"]  # every word must match
        assert emails('email:"GRACE@example.com"') == ["grace@example.com"]
        assert emails("") == ["ada@example.com", "grace@example.com"]  # only this shop
        assert emails("email:nobody@example.com") == []


def test_throttled_answer_has_no_data_and_reports_the_bucket(sqlite_db: Database) -> None:
    add_demo_customer(sqlite_db, email="ada@example.com")
    with running_store(sqlite_db, bucket=10, restore_rate=1) as server:
        body = {"query": QUERY, "variables": {"q": ""}}
        first = graphql(server.url, body).json()  # costs 7 of 10 up front, 3 back
        second = graphql(server.url, body).json()
        third = graphql(server.url, body).json()
    assert "data" in first and "data" in second
    assert "data" not in third
    assert third["errors"][0]["extensions"]["code"] == "THROTTLED"
    assert third["errors"][0]["message"] == "Throttled"
    cost = third["extensions"]["cost"]
    assert cost["actualQueryCost"] is None and cost["requestedQueryCost"] == 7
    assert cost["throttleStatus"]["maximumAvailable"] == 10.0
    assert cost["throttleStatus"]["currentlyAvailable"] < 7


def test_wrong_token_is_401_and_missing_scope_is_access_denied(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com")
    with running_store(sqlite_db) as server:
        refused = graphql(server.url, {"query": QUERY}, token="stolen")
        assert refused.status_code == 401 and "Invalid API key or access token" in refused.text
        post(server, "/_demo/scopes", {"scopes": ["read_customers"]})
        variables = {"id": f"gid://shopify/Customer/{ada.id}", "first": 5, "lines": 5}
        answer = graphql(server.url, {"query": ORDERS, "variables": variables}).json()
    (error,) = answer["errors"]
    assert error["extensions"]["code"] == "ACCESS_DENIED"
    assert "read_orders" in error["message"] and error["path"] == ["customer", "orders"]
    assert answer["data"] == {"customer": None}  # orders is non-null: the null goes up a level


def test_without_read_all_orders_only_the_last_60_days_are_visible(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com", orders=10, days_back=200)
    with running_store(sqlite_db) as server:
        variables = {"id": f"gid://shopify/Customer/{ada.id}", "first": 20, "lines": 5}
        everything = graphql(server.url, {"query": ORDERS, "variables": variables}).json()
        post(server, "/_demo/scopes", {"scopes": ["read_customers", "read_orders"]})
        recent = graphql(server.url, {"query": ORDERS, "variables": variables}).json()
    assert len(everything["data"]["customer"]["orders"]["nodes"]) == 10
    assert 0 < len(recent["data"]["customer"]["orders"]["nodes"]) < 10


def test_too_expensive_queries_and_unknown_fields_are_refused(sqlite_db: Database) -> None:
    add_demo_customer(sqlite_db, email="ada@example.com")  # fields are checked as resolved
    with running_store(sqlite_db) as server:
        big = graphql(server.url, {"query": FIND_CUSTOMERS, "variables": {"first": 250}}).json()
        unknown = graphql(server.url, {"query": "{ customers(first: 1) { nodes { ssn } } }"}).json()
        broken = graphql(server.url, {"query": "{ customers(first: "}).json()
    assert big["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED" and "data" not in big
    assert unknown["errors"][0]["extensions"]["code"] == "undefinedField"
    assert "ssn" in unknown["errors"][0]["message"]
    assert broken["errors"][0]["extensions"]["code"] == "parseError"


def test_faults_are_injected_and_counted(sqlite_db: Database) -> None:
    body = {"query": QUERY}
    with running_store(sqlite_db) as server:
        post(server, "/_demo/faults", {"error_next": 1, "next_429": 1, "retry_after": 2.5})
        assert graphql(server.url, body).status_code == 500
        throttled = graphql(server.url, body)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "2.5"
        post(server, "/_demo/faults", {"drop_next": 1})
        with pytest.raises(httpx.RemoteProtocolError):
            graphql(server.url, body)
        assert graphql(server.url, body).status_code == 200
        stats = httpx.get(f"{server.url}/_demo/stats").json()
        with pytest.raises(httpx.HTTPStatusError):
            post(server, "/_demo/faults", {"explode": True})
    assert (stats["errors_5xx"], stats["errors_429"], stats["dropped"]) == (1, 1, 1)
    assert stats["answered"] == 1 and stats["requests"] == 4
