"""Without the OIDC provider's packages the sign-in browser tests are skipped with the reason
locally and fail in CI (CI=true), so CI can never pass by skipping them."""

from __future__ import annotations

import json

import pytest
from _pytest.outcomes import Failed, Skipped

from tests.e2e import oidc_stack


def test_missing_packages_skip_locally_and_fail_in_ci(tmp_path, monkeypatch):
    monkeypatch.setattr(oidc_stack, "PROVIDER_DIR", tmp_path)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(Skipped, match="node_modules is missing"):
        oidc_stack.require_provider_packages()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(Failed, match="need the provider"):
        oidc_stack.require_provider_packages()


def test_the_provider_is_pinned_with_a_lockfile():
    package = json.loads((oidc_stack.PROVIDER_DIR / "package.json").read_text())
    lock = json.loads((oidc_stack.PROVIDER_DIR / "package-lock.json").read_text())
    version = package["dependencies"]["oidc-provider"]
    assert version[0].isdigit()  # an exact version, no range
    assert lock["packages"]["node_modules/oidc-provider"]["version"] == version
