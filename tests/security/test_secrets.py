"""Committed or short secrets are refused where they matter (issue 14, finding 3).

A process that serves a real shop (SHOPIFY_SHOP, or a store connected in the database) or that
listens beyond loopback refuses to start with a committed default or a short secret, naming each
variable and pointing at `python -m lib secrets`; the local walk-through (loopback, demo store)
keeps its defaults. The processes are the real commands, started as a deployment starts them.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from lib.core.config import PROJECT_ROOT, Config
from lib.core.db import Database
from lib.core.enums import ConnectionState
from lib.core.models import StoreConnection
from lib.core.secrets_check import (
    InsecureSecrets,
    connected_shops,
    estimated_bits,
    require_strong_secrets,
    weaknesses,
)
from lib.dashboard.startup import refusal
from tests.helpers.cli import run_lib
from tests.helpers.processes import free_port, running_process
from tests.helpers.stores import make_store

SHOPIFY_SECRET = "shpss_" + secrets.token_hex(16)  # the form Shopify issues (32 hex digits)
COMMAND_TIMEOUT_S = 60
EVERY_INTERFACE = "0.0.0.0"  # noqa: S104 - the address these tests are refused, never bound


def generated() -> dict[str, str]:
    """What `python -m lib secrets` prints, as name → value."""
    out = subprocess.run(
        [sys.executable, "-m", "lib", "secrets"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=COMMAND_TIMEOUT_S,
    ).stdout
    values = {}
    for line in out.splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        name, value = (part.strip() for part in line.split("=", 1))
        values[name] = value.strip('"')
    return values


def strong_config(**changes: object) -> Config:
    fresh = generated()
    return Config(
        shopify_api_secret=SHOPIFY_SECRET,
        token_secret=fresh["TOKEN_SECRET"],
        token_encryption_keys=fresh["TOKEN_ENCRYPTION_KEYS"],
    ).replace(**changes)


def test_the_secrets_command_prints_fresh_strong_values_for_env_and_secrets_toml() -> None:
    first, second = generated(), generated()
    assert set(first) == {"TOKEN_SECRET", "TOKEN_ENCRYPTION_KEYS", "cookie_secret"}
    assert all(first[name] != second[name] for name in first)
    config = strong_config()
    assert weaknesses(config, cookie_secret=first["cookie_secret"]) == []
    from cryptography.fernet import Fernet  # the key is one Fernet accepts

    Fernet(first["TOKEN_ENCRYPTION_KEYS"].encode())


@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("TOKEN_SECRET", Config().token_secret, "committed default"),
        ("SHOPIFY_API_SECRET", Config().shopify_api_secret, "committed default"),
        ("TOKEN_SECRET", "", "is empty"),
        ("TOKEN_SECRET", "correct-horse-battery-staple", "too short"),
        ("TOKEN_SECRET", "a" * 80, "too short or too regular"),
        ("TOKEN_SECRET", secrets.token_hex(16), "too short"),  # 128 bits: Shopify's, not ours
        ("SHOPIFY_API_SECRET", "shpss_" + secrets.token_hex(8), "too short"),
        ("TOKEN_ENCRYPTION_KEYS", "", "is empty"),
        ("TOKEN_ENCRYPTION_KEYS", f"{generated()['TOKEN_ENCRYPTION_KEYS']},short", "too short"),
    ],
)
def test_weak_secrets_are_named_with_the_reason(variable: str, value: str, why: str) -> None:
    config = strong_config(**{variable.lower(): value})
    found = weaknesses(config)
    assert [w.variable for w in found] == [variable]
    assert why in found[0].reason


def test_the_committed_cookie_secret_of_the_example_is_refused() -> None:
    found = weaknesses(strong_config(), cookie_secret="change-me-to-a-long-random-string")
    assert [w.variable for w in found] == ["cookie_secret ([auth] in .streamlit/secrets.toml)"]


def test_strength_is_estimated_from_the_alphabet_and_what_does_not_compress() -> None:
    assert estimated_bits(secrets.token_hex(32)) >= 256
    assert estimated_bits(secrets.token_urlsafe(48)) >= 256
    assert estimated_bits("ab" * 64) < 128


def test_the_local_walk_through_keeps_its_defaults_and_exposure_needs_strong_ones() -> None:
    require_strong_secrets(Config(), ["127.0.0.1", "localhost", "::1"])  # no exception
    with pytest.raises(InsecureSecrets, match=r"SHOPIFY_SHOP.*TOKEN_SECRET.*python -m lib secrets"):
        require_strong_secrets(Config(shopify_shop="real.myshopify.com"))
    with pytest.raises(InsecureSecrets, match=r"listens on 0\.0\.0\.0"):
        require_strong_secrets(Config(), [EVERY_INTERFACE])
    with pytest.raises(InsecureSecrets, match="listens on every interface"):
        require_strong_secrets(Config(), [""])
    with pytest.raises(InsecureSecrets, match=r"connected shop https://real\.myshopify\.com"):
        require_strong_secrets(Config(), shops=["https://real.myshopify.com"])
    require_strong_secrets(strong_config(shopify_shop="real.myshopify.com"), [EVERY_INTERFACE])


def test_the_dashboard_with_sign_in_refuses_the_example_cookie_secret_beyond_loopback() -> None:
    example = "change-me-to-a-long-random-string"
    problem = refusal(EVERY_INTERFACE, strong_config(), sign_in=True, cookie_secret=example)
    assert problem and "cookie_secret" in problem and "python -m lib secrets" in problem
    fresh = generated()["cookie_secret"]
    assert refusal(EVERY_INTERFACE, strong_config(), sign_in=True, cookie_secret=fresh) is None
    assert refusal("127.0.0.1", Config(), sign_in=False, cookie_secret=None) is None


def _command(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return run_lib(*argv, env=env, timeout=COMMAND_TIMEOUT_S)


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    """A process environment over a fresh SQLite file, every setting at its default."""
    names = {name.upper() for name in Config.model_fields}
    env = {k: v for k, v in os.environ.items() if k not in names}
    return {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'desk.db'}", "PYTHONPATH": "."}


@pytest.mark.parametrize(
    "exposed",
    [
        {"SHOPIFY_SHOP": "real-shop.myshopify.com"},
        {"INTAKE_HOST": EVERY_INTERFACE},  # refused before it binds
    ],
)
def test_the_intake_refuses_to_start_with_defaults_when_exposed(
    environment: dict[str, str], exposed: dict[str, str]
) -> None:
    done = _command({**environment, **exposed}, "intake", "--port", str(free_port()))
    assert done.returncode == 2
    for words in ("SHOPIFY_API_SECRET", "TOKEN_SECRET", "TOKEN_ENCRYPTION_KEYS"):
        assert words in done.stderr
    assert "python -m lib secrets" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_worker_for_a_connected_real_shop_refuses_default_secrets(
    sqlite_db: Database, environment: dict[str, str]
) -> None:
    store = make_store(sqlite_db, "real-shop.myshopify.com")
    with sqlite_db.write() as session:
        session.add(StoreConnection(store_id=store.id, api_url="https://real-shop.myshopify.com"))
    done = _command({**environment, "DATABASE_URL": sqlite_db.url}, "worker", "--once")
    assert done.returncode == 2
    assert "connected shop https://real-shop.myshopify.com" in done.stderr
    assert "TOKEN_SECRET is a committed default" in done.stderr
    with sqlite_db.write() as session:  # the app uninstalled: the row keeps no token
        connection = session.scalars(select(StoreConnection)).one()
        connection.state = ConnectionState.UNINSTALLED
    assert connected_shops(sqlite_db, Config()) == []


def test_with_strong_secrets_a_real_shop_intake_starts(
    environment: dict[str, str], tmp_path: Path
) -> None:
    fresh = generated()
    env = {
        **environment,
        "SHOPIFY_SHOP": "real-shop.myshopify.com",
        "SHOPIFY_API_SECRET": SHOPIFY_SECRET,
        "TOKEN_SECRET": fresh["TOKEN_SECRET"],
        "TOKEN_ENCRYPTION_KEYS": fresh["TOKEN_ENCRYPTION_KEYS"],
    }
    port, log = free_port(), tmp_path / "intake.log"
    subprocess.run([sys.executable, "-m", "lib", "migrate"], cwd=PROJECT_ROOT, env=env, check=True,
                   capture_output=True, timeout=COMMAND_TIMEOUT_S)  # fmt: skip
    argv = [sys.executable, "-m", "lib", "intake", "--port", str(port)]
    with running_process(argv, f"http://127.0.0.1:{port}/healthz", log, env=env):
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").json()["status"] == "ok"
