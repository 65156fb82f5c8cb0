"""Refuse to serve a real shop or the network with secrets anyone can read or guess.

The committed defaults (`Config`'s, `.env.example`'s, `secrets.toml.example`'s) make the local
walk-through work out of the box; they are public, so a process that serves a real shop or
listens beyond loopback must not start with them, nor with a short value. `strong_values()` is
what `python -m lib secrets` prints.

Strength is estimated, not measured: characters times the bits of the smallest alphabet that
covers them (hexadecimal, letters and digits, printable), capped by what zlib cannot compress
(so that `aaaa…` or a repeated word does not count as long). Our own secrets need 256 bits
(32 random bytes); Shopify's client secret is issued by Shopify as 32 hexadecimal digits
(128 bits, optionally after `shpss_`) and needs that much.
"""

from __future__ import annotations

import base64
import math
import os
import re
import secrets
import tomllib
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import inspect, select

from lib.core.config import PROJECT_ROOT, Config, ConfigError
from lib.core.db import Database
from lib.core.enums import ConnectionState
from lib.core.models import StoreConnection
from lib.core.network import is_loopback

OWN_SECRET_BITS: Final = 256
SHOPIFY_SECRET_BITS: Final = 128
SECRETS: Final = (
    ("SHOPIFY_API_SECRET", SHOPIFY_SECRET_BITS),
    ("TOKEN_SECRET", OWN_SECRET_BITS),
    ("TOKEN_ENCRYPTION_KEYS", OWN_SECRET_BITS),
)
"""The process secrets of `Config` and the strength each needs."""
COOKIE_VARIABLE: Final = "cookie_secret ([auth] in .streamlit/secrets.toml)"
FIX: Final = "run `python -m lib secrets` for strong values to put in .env"
_ZLIB_OVERHEAD = 8  # header, checksum and block marker of a zlib stream


class InsecureSecrets(ConfigError):
    """A process that must be protected would start with weak secrets; the message names them."""


@dataclass(frozen=True, slots=True)
class Weakness:
    """One secret that must change, and why."""

    variable: str
    reason: str


def estimated_bits(value: str) -> float:
    """An upper estimate of the randomness in `value`, in bits (see the module docstring)."""
    if not value:
        return 0.0
    if re.fullmatch(r"[0-9a-fA-F]+", value):
        alphabet = 16
    elif re.fullmatch(r"[A-Za-z0-9_\-+/=]+", value):
        alphabet = 64
    else:
        alphabet = 95
    by_alphabet = len(value) * math.log2(alphabet)
    incompressible = 8 * max(0, len(zlib.compress(value.encode(), 9)) - _ZLIB_OVERHEAD)
    return min(by_alphabet, incompressible)


def _example_values() -> set[str]:
    """Every value of the committed example files (any of them may be copied unchanged)."""
    values: set[str] = set()
    env_example = PROJECT_ROOT / ".env.example"
    if env_example.exists():
        for line in env_example.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                values.add(line.split("=", 1)[1].strip())
    secrets_example = PROJECT_ROOT / ".streamlit" / "secrets.toml.example"
    if secrets_example.exists():
        example = tomllib.loads(secrets_example.read_text())
        values.update(str(v) for v in example.get("auth", {}).values())
    return values - {""}


def committed_defaults() -> frozenset[str]:
    """The secret values anyone can read in this repository."""
    defaults = Config()
    own = {str(getattr(defaults, name.lower())) for name, _ in SECRETS}
    return frozenset((own | _example_values()) - {""})


def _judge(variable: str, value: str, bits: int, public: frozenset[str]) -> Weakness | None:
    if not value:
        return Weakness(variable, "is empty")
    if value in public:
        return Weakness(variable, "is a committed default that anyone can read")
    if estimated_bits(value.removeprefix("shpss_")) < bits:
        return Weakness(variable, f"is too short or too regular (needs {bits // 8} random bytes)")
    return None


def weaknesses(config: Config, cookie_secret: str | None = None) -> list[Weakness]:
    """The secrets of `config` (and the dashboard's cookie secret, when given) that must change.

    TOKEN_ENCRYPTION_KEYS is a comma-separated list: each key is judged.
    """
    public = committed_defaults()
    found = []
    for variable, bits in SECRETS:
        raw = str(getattr(config, variable.lower()))
        values = raw.split(",") if variable == "TOKEN_ENCRYPTION_KEYS" else [raw]
        for value in values:
            if weak := _judge(variable, value.strip(), bits, public):
                found.append(weak)
                break
    if cookie_secret is not None and (
        weak := _judge(COOKIE_VARIABLE, cookie_secret, OWN_SECRET_BITS, public)
    ):
        found.append(weak)
    return found


def connected_shops(db: Database, config: Config) -> list[str]:
    """The Admin API addresses of stores connected beyond the bundled demo store (an
    uninstalled app's row holds no token and serves nothing)."""
    if not inspect(db.engine).has_table(StoreConnection.__tablename__):
        return []  # not migrated yet: nothing is connected
    demo = config.demo_store_url.rstrip("/")
    installed = StoreConnection.state != ConnectionState.UNINSTALLED
    with db.read() as session:
        urls = set(session.scalars(select(StoreConnection.api_url).where(installed)))
    return sorted(url for url in urls if url.rstrip("/") != demo)


def exposure(
    config: Config, listens_on: Iterable[str] = (), shops: Sequence[str] = ()
) -> str | None:
    """Why this process must have strong secrets, or None for the local walk-through.

    `shops` are the real stores connected in the database (`connected_shops`).
    """
    if not config.demo_mode:
        return f"it serves the shop {config.shopify_shop} (SHOPIFY_SHOP)"
    if shops:
        return f"it serves the connected shop {shops[0]}"
    for host in listens_on:
        if not is_loopback(host):
            return f"it listens on {host or 'every interface'}, beyond this machine"
    return None


def require_strong_secrets(
    config: Config,
    listens_on: Iterable[str] = (),
    *,
    shops: Sequence[str] = (),
    cookie_secret: str | None = None,
) -> None:
    """Raise InsecureSecrets when the process is exposed and any secret is weak."""
    why = exposure(config, listens_on, shops)
    if why is None:
        return
    weak = weaknesses(config, cookie_secret)
    if weak:
        named = "; ".join(f"{w.variable} {w.reason}" for w in weak)
        raise InsecureSecrets(f"Refusing to start because {why}: {named}. To fix it, {FIX}.")


def strong_values() -> dict[str, str]:
    """Fresh values for the secrets this project makes up itself (not Shopify's)."""
    fernet_key = base64.urlsafe_b64encode(os.urandom(32)).decode()  # Fernet.generate_key()
    return {
        "TOKEN_SECRET": secrets.token_urlsafe(48),
        "TOKEN_ENCRYPTION_KEYS": fernet_key,
        "cookie_secret": secrets.token_urlsafe(48),
    }
