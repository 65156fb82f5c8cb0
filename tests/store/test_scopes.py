"""Needed versus granted access scopes, each missing one with what it disables."""

from __future__ import annotations

import gzip
import json
import re

from lib.store.schema import SCHEMA_FILE
from lib.store.scopes import BY_HANDLE, NEEDED, check_scopes, scopes_setting

NOT_IN_THE_SCHEMA = {"read_all_orders", "write_app_proxy"}
"""Scopes that widen what other fields return (orders older than 60 days) or configure the app
(its proxy) rather than guard a type or field, so the schema's access notes never name them."""


def test_the_needed_scopes_cover_today_and_the_later_features() -> None:
    handles = [scope.handle for scope in NEEDED]
    for handle in (
        "read_customers",
        "read_orders",
        "read_all_orders",
        "write_app_proxy",
        "write_customers",
        "write_customer_data_erasure",
        "read_draft_orders",
        "read_gift_cards",
    ):
        assert handle in handles
    assert len(set(handles)) == len(handles)
    assert scopes_setting().split(",") == handles
    for scope in NEEDED:
        assert scope.without.endswith(".") and scope.without[0].isupper()


def test_everything_granted_is_complete() -> None:
    check = check_scopes(scopes_setting().split(","))
    assert check.complete and check.missing == () and check.extra == ()


def test_missing_scopes_are_named_with_what_they_disable() -> None:
    check = check_scopes(["read_customers", "read_orders", "write_app_proxy", "read_products"])
    missing = [scope.handle for scope in check.missing]
    assert "read_all_orders" in missing and "write_customer_data_erasure" in missing
    assert "read_customers" not in missing
    assert BY_HANDLE["read_all_orders"].without.startswith("Exports contain only the last 60 days")
    assert check.extra == ("read_products",)
    assert not check.complete


def test_a_write_scope_covers_its_read_scope() -> None:
    check = check_scopes(["write_customers", " ", "read_orders"])
    missing = {scope.handle for scope in check.missing}
    assert "read_customers" not in missing and "write_customers" not in missing
    assert "write_orders" not in missing  # never needed
    assert check.granted == ("read_orders", "write_customers")


def test_every_scope_name_is_one_shopifys_schema_requires_somewhere() -> None:
    raw = gzip.decompress(SCHEMA_FILE.read_bytes()).decode()
    named = set(re.findall(r"`((?:read|write)_[a-z_]+)`", raw))
    for scope in NEEDED:
        if scope.handle not in NOT_IN_THE_SCHEMA:
            assert scope.handle in named, f"{scope.handle} is not a scope of the 2026-10 schema"
    assert "write_privacy_settings" in named  # dataSaleOptOut's scope, not write_customers
    assert json.loads(raw)["data"]["__schema"]["queryType"]["name"] == "QueryRoot"
