"""Who is using the dashboard: OIDC sign-in when configured, else local mode with a role switcher.

Every page calls `current_actor()` (signed in: one read of the server-side session and the bound
role, `lib.dashboard.signin`, never cached), so a page run on its own is as protected as one
reached through the navigation. Session keys are prefixed `pd_`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from lib.core.db import get_database
from lib.core.network import is_loopback
from lib.dashboard import signin, signin_errors
from lib.dashboard.roles import Actor, Role
from lib.dashboard.signin_errors import FAILURE_PARAM

LOCAL_ROLE_KEY = "pd_local_role"


def _secrets() -> Mapping[str, Any]:
    try:
        return st.secrets.to_dict()
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return {}


def sign_in_configured() -> bool:
    """True when `[auth]` is in `.streamlit/secrets.toml` (OIDC sign-in is required)."""
    return "auth" in _secrets()


def cookie_secret() -> str | None:
    """`[auth] cookie_secret`, which signs the identity cookie (None without sign-in)."""
    secret = _secrets().get("auth", {}).get("cookie_secret")
    return None if secret is None else str(secret)


def bootstrap_admins() -> frozenset[str]:
    """Emails that are admins by `[privacy_desk] admins` in secrets (before any role is stored)."""
    return frozenset(a.lower() for a in _secrets().get("privacy_desk", {}).get("admins", []))


def sign_out(session_id: str) -> None:
    """Button callback: end the server-side session (everywhere), then Streamlit's cookie."""
    if session_id:
        signin.end_session(get_database(), session_id)
    st.logout()


def _no_page() -> None:
    """The only page a visitor without a session has (rendered by the screens below)."""


def _hide_pages() -> None:
    """No page list, and no page routable by URL, until a session with a role exists."""
    st.navigation([st.Page(_no_page, title="Sign in", url_path="sign-in")], position="hidden")


def _signed_out_screen(failure: str | None, frame: bool) -> NoReturn:
    if frame:
        _hide_pages()
    st.title("Privacy Desk")
    st.write("Sign in with your company account to see the requests you work on.")
    if failure:
        st.error(failure, icon=":material/error:")
    st.button("Sign in", on_click=st.login, type="primary", key="pd_sign_in")
    st.stop()


def _refused_screen(reason: str, session_id: str, frame: bool) -> NoReturn:
    if frame:
        _hide_pages()
    st.title("Privacy Desk")
    st.warning(reason, icon=":material/lock:")
    st.button("Sign out", on_click=sign_out, args=(session_id,), key="pd_sign_out")
    st.stop()


def _signed_in_actor(frame: bool) -> Actor:
    if not st.user.is_logged_in:
        failure = signin_errors.read_failure(st.query_params.get(FAILURE_PARAM, ""))
        _signed_out_screen(failure, frame)
    claims = dict(st.user)
    try:
        return signin.sign_in(get_database(), claims, bootstrap_admins())
    except signin.SignInRefused as refused:
        _refused_screen(str(refused), _session_id(claims), frame)


def _session_id(claims: dict[str, Any]) -> str:
    try:
        return signin.identity(claims).session_id
    except signin.SignInRefused:
        return ""


def local_mode_allowed() -> bool:
    """Local mode serves this machine only: True when the server listens on loopback alone.

    An empty `server.address` makes Streamlit listen on every interface: not loopback.
    """
    return is_loopback(str(st.get_option("server.address") or ""))


def _local_actor() -> Actor:
    if not local_mode_allowed():
        address = st.get_option("server.address")
        st.error(
            f"Local mode (no sign-in configured) only serves this machine, but the server "
            f"listens on {address or 'every interface'}. Configure `[auth]` in "
            "`.streamlit/secrets.toml` (see `secrets.toml.example`) or start with "
            "`--server.address 127.0.0.1`."
        )
        st.stop()
    role = Role(st.session_state.setdefault(LOCAL_ROLE_KEY, Role.ADMIN.value))
    return Actor(f"{role.value}@localhost", role)


def current_actor(*, frame: bool = False) -> Actor:
    """The actor of this session; stops the script with a sign-in prompt when there is none.

    `frame=True` (dashboard.py, once per run, before `st.navigation`) also hides the page list
    on those screens; the pages' own call only re-checks.
    """
    return _signed_in_actor(frame) if sign_in_configured() else _local_actor()


def is_local_mode() -> bool:
    """No sign-in configured: anyone on this machine picks a role."""
    return not sign_in_configured()
