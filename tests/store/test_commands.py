"""`python -m lib store` and `python -m lib export --wait` as real processes; `make run`'s list."""

from __future__ import annotations

import signal
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx

from lib.core.config import PROJECT_ROOT, load_config
from lib.core.db import Database
from lib.runner import local_services
from lib.store.demo_data import add_demo_customer
from tests.helpers.processes import free_port
from tests.helpers.stores import make_store
from tests.store.helpers import config_env, wait_until


def test_store_and_export_commands(sqlite_db: Database, tmp_path: Path) -> None:
    make_store(sqlite_db)
    add_demo_customer(sqlite_db, email="ada@example.com", orders=12)
    port = free_port()
    config = load_config({}).replace(
        database_url=sqlite_db.url,
        demo_store_url=f"http://127.0.0.1:{port}",
        export_dir=str(tmp_path / "exports"),
    )
    env = config_env(config)
    store = subprocess.Popen(
        [sys.executable, "-m", "lib", "store", "--port", str(port)], cwd=PROJECT_ROOT, env=env
    )
    try:
        wait_until(lambda: _healthy(port), timeout=20, every=0.1)
        done = subprocess.run(
            [sys.executable, "-m", "lib", "export", "--email", "ada@example.com", "--wait"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        store.send_signal(signal.SIGINT)
        store.wait(timeout=10)
    assert done.returncode == 0, done.stderr
    first, *_, last = done.stdout.strip().splitlines()
    assert "export job" in first and "queued" in first
    package = Path(last)
    assert package.parent == tmp_path / "exports" and package.suffix == ".zip"
    with zipfile.ZipFile(package) as archive:
        assert len(archive.read("orders.csv").decode().splitlines()) == 1 + 12


def test_export_command_names_the_shop_when_there_are_several(sqlite_db: Database) -> None:
    make_store(sqlite_db, "one.myshopify.com")
    make_store(sqlite_db, "two.myshopify.com")
    env = config_env(load_config({}).replace(database_url=sqlite_db.url))
    done = subprocess.run(
        [sys.executable, "-m", "lib", "export", "--email", "ada@example.com"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--shop" in done.stderr and "one.myshopify.com, two.myshopify.com" in done.stderr


def test_make_run_starts_the_demo_store_only_without_a_real_shop() -> None:
    demo = [s.name for s in local_services(load_config({}))]
    real = [s.name for s in local_services(load_config({"SHOPIFY_SHOP": "x.myshopify.com"}))]
    assert "demo store" in demo and "demo store" not in real


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_error_details_are_shown_only_in_local_mode(tmp_path) -> None:
    config = load_config({})
    secrets = tmp_path / "secrets.toml"
    local = next(s for s in local_services(config, secrets) if s.name == "dashboard")
    assert "--client.showErrorDetails=full" in local.argv
    secrets.write_text('[auth]\nredirect_uri = "http://localhost:8501/oauth2callback"\n')
    signed = next(s for s in local_services(config, secrets) if s.name == "dashboard")
    assert not any("showErrorDetails" in arg for arg in signed.argv)
