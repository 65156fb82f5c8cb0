"""Who is using the dashboard: OIDC sign-in when configured, else local mode with a role switcher.

Every page calls `current_actor()` (cheap), so a page run on its own is as protected as one
reached through the navigation. Session keys are prefixed `pd_`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from lib.core.db import get_database
from lib.dashboard.roles import Actor, Role, role_of

LOCAL_ROLE_KEY = "pd_local_role"
LOCAL_HOSTS = ("localhost", "")
ROLE_TTL_SECONDS = 30


def _secrets() -> Mapping[str, Any]:
    try:
        return st.secrets.to_dict()
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return {}


def sign_in_configured() -> bool:
    """True when `[auth]` is in `.streamlit/secrets.toml` (OIDC sign-in is required)."""
    return "auth" in _secrets()


def _loopback(address: str) -> bool:
    if address in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@st.cache_data(ttl=ROLE_TTL_SECONDS, max_entries=256, show_spinner=False)
def _stored_role(url: str, email: str) -> str | None:
    with get_database(url).read() as session:
        role = role_of(session, email)
    return role.value if role else None


def forget_roles() -> None:
    """Drop cached roles after a change on the Staff page (it applies on the next run)."""
    _stored_role.clear()


def bootstrap_admins() -> frozenset[str]:
    """Emails that are admins by `[privacy_desk] admins` in secrets (before any role is stored)."""
    return frozenset(a.lower() for a in _secrets().get("privacy_desk", {}).get("admins", []))


def role_for(email: str) -> Role | None:
    """The signed-in email's role: the database mapping, else the bootstrap admins in secrets."""
    stored = _stored_role(get_database().url, email.strip().lower())
    if stored:
        return Role(stored)
    return Role.ADMIN if email.strip().lower() in bootstrap_admins() else None


def _signed_in_actor() -> Actor:
    if not st.user.is_logged_in:
        st.title("Privacy Desk")
        st.write("Sign in with your company account to see the requests you work on.")
        st.button("Sign in", on_click=st.login, type="primary", key="pd_sign_in")
        st.stop()
    email = str(st.user.get("email") or "")
    role = role_for(email) if email else None
    if role is None:
        st.title("Privacy Desk")
        st.warning(
            f"{email or 'Your account'} has no role here yet. Ask an admin to add you on the "
            "Staff page (roles: admin, compliance, merchant, analyst)."
        )
        st.button("Sign out", on_click=st.logout, key="pd_sign_out")
        st.stop()
    return Actor(email.lower(), role)


def local_mode_allowed() -> bool:
    """Local mode serves this machine only: True when the server listens on loopback alone."""
    return _loopback(str(st.get_option("server.address") or ""))


def _local_actor() -> Actor:
    if not local_mode_allowed():
        address = st.get_option("server.address")
        st.error(
            f"Local mode (no sign-in configured) only serves this machine, but the server "
            f"listens on {address}. Configure `[auth]` in `.streamlit/secrets.toml` (see "
            "`secrets.toml.example`) or start with `--server.address 127.0.0.1`."
        )
        st.stop()
    role = Role(st.session_state.setdefault(LOCAL_ROLE_KEY, Role.ADMIN.value))
    return Actor(f"{role.value}@localhost", role)


def current_actor() -> Actor:
    """The actor of this session; stops the script with a sign-in prompt when there is none."""
    return _signed_in_actor() if sign_in_configured() else _local_actor()


def is_local_mode() -> bool:
    """No sign-in configured: anyone on this machine picks a role."""
    return not sign_in_configured()
