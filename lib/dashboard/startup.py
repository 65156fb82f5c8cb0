"""Whether the dashboard server may start, and what guards every one of its responses.

`dashboard_server.py` calls `start_problem()` before it builds the app and exits with its sentence:
local mode (no sign-in) only on loopback, and no committed or short secrets once the dashboard
listens beyond loopback or serves a real shop (`lib.core.secrets_check`). `server_middleware()`
forbids framing on every route (clickjacking) and, in local mode, accepts only this machine's
names in `Host` (DNS rebinding, `lib.core.network`).
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware import Middleware

from lib.core.config import Config, get_config
from lib.core.db import DatabaseUnavailable, get_database
from lib.core.network import (
    LoopbackHostMiddleware,
    ResponseHeadersMiddleware,
    is_loopback,
)
from lib.core.secrets_check import InsecureSecrets, connected_shops, require_strong_secrets
from lib.dashboard import session

FRAME_HEADERS = (
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
)


def refusal(
    address: str,
    config: Config,
    *,
    sign_in: bool,
    cookie_secret: str | None,
    shops: Sequence[str] = (),
) -> str | None:
    """Why the dashboard must not start on `address` (Streamlit's `server.address`), or None."""
    if not sign_in and not is_loopback(address):
        return (
            f"Local mode (no sign-in configured) serves this machine only, but server.address "
            f"is {address or 'empty (every interface)'}. Start with --server.address 127.0.0.1, "
            "or configure [auth] in .streamlit/secrets.toml (see secrets.toml.example)."
        )
    try:
        require_strong_secrets(
            config, [address], shops=shops, cookie_secret=cookie_secret if sign_in else None
        )
    except InsecureSecrets as exc:
        return str(exc)
    return None


def start_problem(address: str) -> str | None:
    """`refusal()` for this process: its configuration, `secrets.toml` and the connected stores
    (or why the database cannot tell)."""
    config, db = get_config(), get_database()
    try:
        db.check()
    except DatabaseUnavailable as exc:
        return str(exc)
    return refusal(
        address,
        config,
        sign_in=session.sign_in_configured(),
        cookie_secret=session.cookie_secret(),
        shops=connected_shops(db, config),
    )


def server_middleware(*, sign_in: bool) -> list[Middleware]:
    """The dashboard's own middleware: never framed; in local mode, this machine's Host only."""
    guards = [Middleware(ResponseHeadersMiddleware, headers=FRAME_HEADERS)]
    if not sign_in:
        guards.append(Middleware(LoopbackHostMiddleware))
    return guards
