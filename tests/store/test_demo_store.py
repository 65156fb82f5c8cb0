"""The demo store over real HTTP: Shopify's answer shape, cost limit, auth, scopes, faults."""

from __future__ import annotations

import httpx
import pytest

from lib.core.db import Database
from lib.store.api import FIND_CUSTOMERS, ORDERS
from lib.store.demo_data import add_demo_customer
from lib.store.schema import check
from lib.store.versions import PINNED
from tests.store.helpers import SHOP, TOKEN, post, running_store

QUERY = "query($q: String) { customers(first: 5, query: $q) { nodes { id email numberOfOrders } } }"


def graphql(url: str, body: dict, token: str = TOKEN, version: str = PINNED) -> httpx.Response:
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


def test_documents_shopify_refuses_get_its_errors_and_no_data(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com")
    unknown = f'{{ customer(id: "gid://shopify/Customer/{ada.id}") {{ id fooBar }} }}'
    with running_store(sqlite_db) as server:
        answers = [graphql(server.url, {"query": text}) for text in ("query", unknown, "")]
        stats = httpx.get(f"{server.url}/_demo/stats").json()
    assert [a.status_code for a in answers] == [200, 200, 200]
    bare, field, empty = (a.json() for a in answers)
    assert bare == {
        "errors": [
            {
                "message": "Syntax Error: Expected '{', found <EOF>.",
                "locations": [{"line": 1, "column": 6}],
                "extensions": {"code": "parseError"},
            }
        ]
    }
    (error,) = field["errors"]
    assert error["message"] == "Field 'fooBar' doesn't exist on type 'Customer'"
    assert error["extensions"]["code"] == "undefinedField" and error["locations"]
    assert "data" not in field and empty["errors"][0]["extensions"]["code"] == "parseError"
    assert stats["answered"] == 0 and stats["points_spent"] == 0


VALUES = """query Values($id: ID!) {
  customer(id: $id) {
    id legacyResourceId numberOfOrders
    defaultAddress { country countryCodeV2 province provinceCode }
    defaultPhoneNumber { smsMarketingConsent { state } }
    amountSpent { amount currencyCode }
    orders(first: 3) { nodes { id displayFulfillmentStatus displayFinancialStatus
      shippingAddress { country countryCodeV2 } } }
  }
}"""


def test_values_are_what_shopifys_schema_allows(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com", country="US", province="CA")
    with running_store(sqlite_db) as server:
        variables = {"id": f"gid://shopify/Customer/{ada.id}"}
        answer = graphql(server.url, {"query": VALUES, "variables": variables}).json()
    assert "errors" not in answer
    customer = answer["data"]["customer"]
    assert customer["id"] == f"gid://shopify/Customer/{ada.id}"
    assert customer["legacyResourceId"] == str(ada.id)  # UnsignedInt64: a string
    assert customer["numberOfOrders"] == "3"
    assert customer["defaultAddress"] == {
        "country": "United States",
        "countryCodeV2": "US",
        "province": "California",
        "provinceCode": "CA",
    }
    assert customer["defaultPhoneNumber"] == {"smsMarketingConsent": {"state": "NEVER_SUBSCRIBED"}}
    assert customer["amountSpent"]["amount"] == "35.97"  # Decimal: a string
    orders = customer["orders"]["nodes"]
    assert [o["displayFulfillmentStatus"] for o in orders] == [
        "FULFILLED",
        "UNFULFILLED",
        "PARTIALLY_FULFILLED",
    ]
    assert [o["displayFinancialStatus"] for o in orders] == ["PAID", "PAID", "REFUNDED"]
    assert orders[0]["id"].startswith("gid://shopify/Order/")
    assert orders[0]["shippingAddress"] == {"country": "United States", "countryCodeV2": "US"}


def test_shop_facts_and_granted_scopes(sqlite_db: Database) -> None:
    facts = """{ shop { name contactEmail ianaTimezone myshopifyDomain
        shopAddress { countryCodeV2 } billingAddress { countryCodeV2 } }
      currentAppInstallation { accessScopes { handle } } }"""
    with running_store(sqlite_db) as server:
        post(server, "/_demo/scopes", {"scopes": ["read_orders", "read_customers"]})
        data = graphql(server.url, {"query": facts}).json()["data"]
    assert data["shop"] == {
        "name": "Demo Outfitters",
        "contactEmail": "owner@demo-outfitters.example",
        "ianaTimezone": "Europe/Berlin",
        "myshopifyDomain": SHOP,
        "shopAddress": {"countryCodeV2": "DE"},
        "billingAddress": {"countryCodeV2": "DE"},
    }
    scopes = data["currentAppInstallation"]["accessScopes"]
    assert scopes == [{"handle": "read_customers"}, {"handle": "read_orders"}]


def test_a_repeated_document_is_not_validated_again(sqlite_db: Database) -> None:
    body = {"query": "query Again { shop { name } }"}
    with running_store(sqlite_db) as server:
        graphql(server.url, body)
        before = check.cache_info()
        graphql(server.url, body)
        after = check.cache_info()
    assert (after.hits, after.misses) == (before.hits + 1, before.misses)


def test_the_cost_limit_can_be_lowered_to_force_max_cost_exceeded(sqlite_db: Database) -> None:
    with running_store(sqlite_db) as server:
        post(server, "/_demo/faults", {"max_cost": 5})
        refused = graphql(server.url, {"query": QUERY}).json()
    (error,) = refused["errors"]
    assert error["extensions"] == {"code": "MAX_COST_EXCEEDED", "cost": 7, "maxCost": 5}
    assert "data" not in refused


def test_directives_unserved_fields_and_bad_variables(sqlite_db: Database) -> None:
    ada = add_demo_customer(sqlite_db, email="ada@example.com")
    query = """query Parts($skip: Boolean!, $first: Int!) {
      shop { name @skip(if: $skip) myshopifyDomain }
      customers(first: $first) { nodes { id metafield(key: "custom.size") { id } } }
    }"""
    rooted = "{ shop { name plan { publicDisplayName } } }"  # Shop.plan and shop are non-null
    with running_store(sqlite_db) as server:
        body = {"query": query, "variables": {"skip": True, "first": 1}}
        partial = graphql(server.url, body).json()
        nulled = graphql(server.url, {"query": rooted}).json()
        body = {"query": query, "variables": {"skip": "yes", "first": 1}}
        invalid = graphql(server.url, body).json()
    assert partial["data"] == {
        "shop": {"myshopifyDomain": SHOP},  # name skipped
        "customers": {"nodes": [{"id": f"gid://shopify/Customer/{ada.id}", "metafield": None}]},
    }
    (error,) = partial["errors"]
    assert error["extensions"]["code"] == "DEMO_STORE_UNSUPPORTED"
    assert error["path"] == ["customers", "nodes", 0, "metafield"]
    assert "Customer.metafield" in error["message"]
    assert nulled["data"] is None and nulled["errors"][0]["path"] == ["shop", "plan"]
    assert "data" not in invalid
    assert invalid["errors"][0]["extensions"]["code"] == "INVALID_VARIABLE"
