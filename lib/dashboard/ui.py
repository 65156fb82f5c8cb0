"""Shared Streamlit pieces: the page list per role, the sidebar, times in the viewer's zone,
action callbacks with their result messages, empty states. Session keys are prefixed `pd_`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
import streamlit as st

from lib.core.config import get_config
from lib.dashboard import cached, labels
from lib.dashboard.roles import Actor, PermissionDenied, Right, Role
from lib.dashboard.session import LOCAL_ROLE_KEY, is_local_mode, sign_out

FAVICON = str(Path(__file__).parent / "assets" / "favicon.png")
"""The browser tab's icon, served by the dashboard itself (a `:material/…:` page icon makes the
browser fetch it from Google's font servers)."""
BadgeColor = Literal[
    "red", "orange", "yellow", "blue", "green", "violet", "gray", "grey", "primary"
]
STATUS_COLORS: dict[str, BadgeColor] = {
    "pending_verification": "orange",
    "verified": "blue",
    "in_progress": "blue",
    "ready_for_review": "violet",
    "delivered": "green",
    "completed": "green",
    "rejected": "red",
    "canceled": "gray",
    "expired": "gray",
}
FLASH_KEY = "pd_flash"
STORE_KEY = "pd_store_id"
ALL_STORES = 0  # not None: a None option reads as "nothing chosen" once `index` is given


@dataclass(frozen=True, slots=True)
class PageSpec:
    """A page file, its menu entry and the right needed to see it."""

    path: str
    title: str
    icon: str
    right: Right
    section: str
    url_path: str = ""
    hidden: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("pages/overview.py", "Overview", ":material/dashboard:", Right.VIEW_REQUESTS, "Work"),
    PageSpec("pages/requests.py", "Requests", ":material/inbox:", Right.VIEW_REQUESTS, "Work"),
    PageSpec(
        "pages/request_detail.py",
        "Request",
        ":material/description:",
        Right.VIEW_REQUESTS,
        "Work",
        url_path="request",
        hidden=True,
    ),
    PageSpec("pages/new_request.py", "New request", ":material/add_call:", Right.VERIFY, "Work"),
    PageSpec("pages/customers.py", "Customers", ":material/group:", Right.CUSTOMERS, "Work"),
    PageSpec("pages/exports.py", "Exports", ":material/package_2:", Right.VIEW_EXPORTS, "Work"),
    PageSpec("pages/reports.py", "Reports", ":material/table_chart:", Right.REPORTS, "Insight"),
    PageSpec("pages/mail.py", "Mail", ":material/mail:", Right.MAIL, "Records"),
    PageSpec("pages/audit.py", "Audit log", ":material/verified:", Right.AUDIT, "Records"),
    PageSpec("pages/settings.py", "Settings", ":material/settings:", Right.REGISTER, "Admin"),
    PageSpec("pages/staff.py", "Staff", ":material/badge:", Right.ROLES, "Admin"),
)


def navigation_for(actor: Actor) -> dict[str, list[Any]]:
    """`st.Page`s the actor may open, by section (pages they may not open are not routable)."""
    sections: dict[str, list[Any]] = {}
    for i, spec in enumerate(p for p in PAGES if actor.can(p.right)):
        page = st.Page(
            spec.path,
            title=spec.title,
            icon=spec.icon,
            default=i == 0,
            url_path=spec.url_path or None,
            visibility="hidden" if spec.hidden else "visible",
        )
        sections.setdefault(spec.section, []).append(page)
    return sections


def sidebar(actor: Actor) -> None:
    """Shared sidebar: who is signed in (or the local-mode badge and role switcher), store."""
    with st.sidebar:
        if is_local_mode():
            st.badge("Local mode · no sign-in", icon=":material/lan:", color="orange")
            roles = [r.value for r in Role]
            st.selectbox(
                "Try the dashboard as",
                roles,
                index=roles.index(actor.role.value),
                key=LOCAL_ROLE_KEY + "_pick",
                on_change=_keep,
                args=(LOCAL_ROLE_KEY,),
                help="Local mode: this machine only. Configure [auth] to require sign-in.",
            )
        else:
            st.caption(f"Signed in as **{actor.email}** ({actor.role})")
            st.button(
                "Sign out", on_click=sign_out, args=(actor.session,), key="pd_sign_out_sidebar"
            )
        stores = cached.stores(cached.url())
        options = [ALL_STORES, *(int(i) for i in stores["id"])]
        names = {int(i): str(n) for i, n in zip(stores["id"], stores["name"], strict=True)}
        current = store_id() or ALL_STORES
        st.selectbox(
            "Store",
            options,
            index=options.index(current) if current in options else 0,
            format_func=partial(labels.store, names),
            key=STORE_KEY + "_pick",
            on_change=_keep,
            args=(STORE_KEY,),
        )


def _keep(key: str) -> None:
    """Copy a sidebar widget's value to its plain key: widget keys do not survive page changes,
    plain session keys do."""
    st.session_state[key] = st.session_state[key + "_pick"]


def store_id() -> int | None:
    """The store picked in the sidebar (None = all)."""
    return st.session_state.get(STORE_KEY) or None


def viewer_zone() -> ZoneInfo:
    """The browser's time zone, else the store's."""
    name = st.context.timezone or get_config().store_timezone
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(at: datetime | None) -> str:
    """An instant as `2026-11-02 14:03` in the viewer's time zone ("" for None)."""
    return (
        "" if at is None or pd.isna(at) else at.astimezone(viewer_zone()).strftime("%Y-%m-%d %H:%M")
    )


def localize(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """`frame` with instant columns shown in the viewer's time zone."""
    return frame.assign(**{c: frame[c].map(local_time) for c in columns})


def run_action(success: str, action: Callable[..., Any], *args: Any) -> None:
    """Button callback: run a lib action, clear cached figures, keep the outcome for `flash`."""
    try:
        action(*args)
    except (PermissionDenied, ValueError) as exc:
        st.session_state[FLASH_KEY] = ("error", str(exc))
        return
    cached.clear()
    st.session_state[FLASH_KEY] = ("success", success)


def flash() -> None:
    """Show (once) the outcome of the last action."""
    outcome = st.session_state.pop(FLASH_KEY, None)
    if outcome is None:
        return
    kind, text = outcome
    if kind == "success":
        st.toast(text, icon=":material/check_circle:")
        st.success(text)
    else:
        st.error(text, icon=":material/block:")


def guard(actor: Actor, right: Right) -> None:
    """Stop the page with a clear refusal when the actor lacks `right` (any route in)."""
    if not actor.can(right):
        st.error(f"Your role ({actor.role}) may not open this page.", icon=":material/lock:")
        st.stop()


def badges(request_type: str, status: str) -> None:
    """A request's type and status as badges, in words from the one label table."""
    st.badge(labels.label("type", request_type), color="violet")
    st.badge(labels.label("status", status), color=STATUS_COLORS.get(status, "blue"))


def empty(message: str, next_step: str) -> None:
    """An empty state that says what to do next."""
    st.info(f"{message}  \n**Next:** {next_step}", icon=":material/info:")
