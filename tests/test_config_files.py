"""Committed configuration keeps its security posture."""

import tomllib

from lib.core.config import PROJECT_ROOT, load_config
from lib.store.schema import API_VERSION
from lib.store.scopes import NEEDED, scopes_setting
from lib.store.versions import PINNED


def test_streamlit_config_is_locked_down() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit/config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True  # True = cross-origin protection on
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["disableDataExport"] is True


def test_secrets_are_ignored_by_git() -> None:
    ignored = (PROJECT_ROOT / ".gitignore").read_text().split()
    for entry in (".env", ".streamlit/secrets.toml", "data/", ".venv/"):
        assert entry in ignored


def _app_toml() -> dict:
    return tomllib.loads((PROJECT_ROOT / "shopify.app.toml").read_text())


def test_shopify_app_toml_has_what_shopify_cli_requires() -> None:
    app = _app_toml()
    assert app["client_id"] and app["name"] == "Privacy Desk"
    assert app["embedded"] is False
    assert app["application_url"].startswith("https://")
    base = app["application_url"].rstrip("/")
    assert app["auth"]["redirect_urls"] == [f"{base}/auth/callback"]


def test_shopify_app_toml_requests_exactly_the_needed_scopes() -> None:
    requested = _app_toml()["access_scopes"]["scopes"].split(",")
    assert requested == [scope.handle for scope in NEEDED]
    assert ",".join(requested) == scopes_setting() == load_config({}).shopify_scopes


def test_shopify_app_toml_webhooks_pin_the_client_version_and_topics() -> None:
    webhooks = _app_toml()["webhooks"]
    assert webhooks["api_version"] == PINNED == load_config({}).shopify_api_version
    assert PINNED == API_VERSION  # the vendored schema's version
    subscriptions = webhooks["subscriptions"]
    compliance = [t for s in subscriptions for t in s.get("compliance_topics", [])]
    topics = [t for s in subscriptions for t in s.get("topics", [])]
    assert sorted(compliance) == ["customers/data_request", "customers/redact", "shop/redact"]
    assert topics == ["app/uninstalled"]
    for subscription in subscriptions:
        assert subscription["uri"].startswith("https://")
        assert subscription["uri"].endswith("/webhooks/shopify")


def test_shopify_app_toml_app_proxy_matches_the_intake_prefix() -> None:
    proxy = _app_toml()["app_proxy"]
    prefix = load_config({}).app_proxy_prefix
    assert proxy["url"].startswith("https://") and proxy["url"].endswith(prefix)
    assert f"/{proxy['prefix']}/{proxy['subpath']}" == prefix
