"""shopify.app.toml declares what the intake serves: the proxy, the webhooks, the scopes."""

from __future__ import annotations

import tomllib
import urllib.parse

from lib.core.config import PROJECT_ROOT, Config
from lib.intake.compliance import TOPICS
from lib.intake.webhooks import WEBHOOK_PATH

APP = tomllib.loads((PROJECT_ROOT / "shopify.app.toml").read_text())


def test_app_proxy_points_at_the_storefront_routes() -> None:
    proxy = APP["app_proxy"]
    prefix = Config().app_proxy_prefix
    assert f"/{proxy['prefix']}/{proxy['subpath']}" == prefix
    assert urllib.parse.urlsplit(proxy["url"]).path == prefix
    assert "write_app_proxy" in APP["access_scopes"]["scopes"].split(",")


def test_every_compliance_topic_is_subscribed_to_the_webhook_route() -> None:
    subscriptions = APP["webhooks"]["subscriptions"]
    compliance = [s for s in subscriptions if "compliance_topics" in s]
    assert [set(s["compliance_topics"]) for s in compliance] == [set(TOPICS)]
    assert {urllib.parse.urlsplit(s["uri"]).path for s in subscriptions} == {WEBHOOK_PATH}
    assert APP["webhooks"]["api_version"] == Config().shopify_api_version


def test_scopes_cover_the_customer_export() -> None:
    scopes = set(APP["access_scopes"]["scopes"].split(","))
    assert {"read_customers", "read_orders", "read_all_orders"} <= scopes
