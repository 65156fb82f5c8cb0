"""Tokens at rest: Fernet ciphertext, readable with any configured key, rotated to the first."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from lib.core.config import PROJECT_ROOT, Config
from lib.core.crypto import TokenKeyError, decrypt_token, encrypt_token, rotate_tokens
from lib.core.db import Database
from lib.core.models import StoreConnection
from tests.helpers.cli import run_lib
from tests.helpers.stores import make_store
from tests.store.helpers import config_env

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _config(*keys: str) -> Config:
    return Config(token_encryption_keys=",".join(keys))


def test_round_trip_gives_ciphertext_that_only_the_keys_open() -> None:
    config = _config(OLD)
    stored = encrypt_token(config, "shpat_secret")
    assert "shpat_secret" not in stored and decrypt_token(config, stored) == "shpat_secret"
    assert encrypt_token(config, "shpat_secret") != stored  # a fresh IV each time
    with pytest.raises(TokenKeyError, match="cannot be decrypted with any key"):
        decrypt_token(_config(NEW), stored)


def test_without_keys_one_is_derived_from_the_token_secret() -> None:
    stored = encrypt_token(Config(token_secret="a" * 32), "shpat_x")
    assert decrypt_token(Config(token_secret="a" * 32), stored) == "shpat_x"
    with pytest.raises(TokenKeyError):
        decrypt_token(Config(token_secret="b" * 32), stored)


def test_a_bad_key_is_named_by_its_position() -> None:
    with pytest.raises(TokenKeyError, match="key 2 is not a Fernet key"):
        encrypt_token(_config(OLD, "not-a-key"), "shpat_x")


def test_rotation_prepend_rotate_then_drop_the_old_key(db: Database) -> None:
    store = make_store(db)
    with db.write() as session:
        session.add(
            StoreConnection(
                store_id=store.id,
                mode="oauth",
                api_url="https://demo-shop.myshopify.com",
                access_token=encrypt_token(_config(OLD), "shpat_a"),
                refresh_token=encrypt_token(_config(OLD), "shprt_r"),
            )
        )
    both = _config(NEW, OLD)
    assert rotate_tokens(db, both) == 2
    with db.read() as session:
        row = session.scalars(select(StoreConnection)).one()
    only_new = _config(NEW)
    assert decrypt_token(only_new, row.access_token) == "shpat_a"
    assert decrypt_token(only_new, row.refresh_token) == "shprt_r"
    with pytest.raises(TokenKeyError):
        decrypt_token(_config(OLD), row.access_token)


def test_rotation_without_the_key_that_encrypted_changes_nothing(db: Database) -> None:
    store = make_store(db)
    stored = encrypt_token(_config(OLD), "shpat_a")
    with db.write() as session:
        session.add(StoreConnection(store_id=store.id, api_url="https://x", access_token=stored))
    with pytest.raises(TokenKeyError, match="nothing was rotated"):
        rotate_tokens(db, _config(NEW))
    with db.read() as session:
        assert session.scalars(select(StoreConnection.access_token)).one() == stored


def test_the_rotate_command_re_encrypts_and_reports(sqlite_db: Database) -> None:
    store = make_store(sqlite_db)
    with sqlite_db.write() as session:
        stored = encrypt_token(_config(OLD), "shpat_a")
        session.add(StoreConnection(store_id=store.id, api_url="https://x", access_token=stored))
    config = _config(NEW, OLD).replace(database_url=sqlite_db.url)
    env = {**config_env(config), "PYTHONPATH": str(PROJECT_ROOT)}
    done = run_lib("tokens", "rotate", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "re-encrypted 1 stored tokens with the first key of TOKEN_ENCRYPTION_KEYS"
    )
    with sqlite_db.read() as session:
        rotated = session.scalars(select(StoreConnection.access_token)).one()
    assert decrypt_token(_config(NEW), rotated) == "shpat_a"
