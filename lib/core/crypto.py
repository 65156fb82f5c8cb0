"""Encryption at rest of the stores' access and refresh tokens (`cryptography`'s MultiFernet).

`TOKEN_ENCRYPTION_KEYS` lists Fernet keys, newest first: the first encrypts, every one decrypts.
Rotation: prepend a new key, run `rotate_tokens` (`python -m lib tokens rotate`) so every stored
token is encrypted with it, then drop the old key (docs/deploy.md). Left empty, one key is derived
from `TOKEN_SECRET`, which is good enough for a local walk-through and nothing else.

Nothing here logs or puts a token into an exception message.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select

from lib.core.config import Config
from lib.core.db import Database
from lib.core.models.connections import StoreConnection


class TokenKeyError(ValueError):
    """A key in TOKEN_ENCRYPTION_KEYS is not a Fernet key, or no key decrypts a stored token."""


def _derived_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(
        hashlib.sha256(b"privacy-desk-tokens:" + secret.encode()).digest()
    )


def _keys(config: Config) -> list[bytes]:
    raw = [part.strip() for part in config.token_encryption_keys.split(",") if part.strip()]
    return [key.encode() for key in raw] or [_derived_key(config.token_secret)]


@cache
def _cipher(keys: tuple[bytes, ...]) -> MultiFernet:
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except ValueError:
            raise TokenKeyError(
                f"TOKEN_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe "
                "base64-encoded bytes, as Fernet.generate_key() makes)"
            ) from None
    return MultiFernet(fernets)


def cipher(config: Config) -> MultiFernet:
    """The MultiFernet of the configured keys (built once per key list)."""
    return _cipher(tuple(_keys(config)))


def encrypt_token(config: Config, token: str) -> str:
    """`token` encrypted with the first key, as text for the database."""
    return cipher(config).encrypt(token.encode()).decode()


def decrypt_token(config: Config, stored: str) -> str:
    """A stored token in clear; TokenKeyError when none of the keys made it."""
    try:
        return cipher(config).decrypt(stored.encode()).decode()
    except InvalidToken:
        raise TokenKeyError(
            "a stored store token cannot be decrypted with any key in TOKEN_ENCRYPTION_KEYS "
            "(was the key that encrypted it dropped before rotating?)"
        ) from None


def rotate_tokens(db: Database, config: Config) -> int:
    """Re-encrypt every stored token with the first key; returns how many were rewritten."""
    fernet = cipher(config)
    rewritten = 0
    with db.write() as session:
        rows = session.scalars(select(StoreConnection).with_for_update()).all()
        for row in rows:
            for name in ("access_token", "refresh_token"):
                stored = getattr(row, name)
                if stored:
                    try:
                        setattr(row, name, fernet.rotate(stored.encode()).decode())
                    except InvalidToken:
                        raise TokenKeyError(
                            f"the {name.replace('_', ' ')} of store {row.store_id} cannot be "
                            "decrypted with any key in TOKEN_ENCRYPTION_KEYS; nothing was rotated"
                        ) from None
                    rewritten += 1
    return rewritten
