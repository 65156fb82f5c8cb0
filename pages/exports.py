"""Exports: jobs with live progress, packages to review, *Deliver to customer*, revoke, and
what happened to each customer link (sent / downloaded N times / expired / revoked)."""

from functools import partial

import streamlit as st

from lib.dashboard import (
    cached,
    exports_view,
    labels,
    package_view,
    request_actions,
    store_actions,
    ui,
)
from lib.dashboard.roles import Right
from lib.dashboard.session import current_actor

POLL_SECONDS = 2

actor = current_actor()
ui.guard(actor, Right.VIEW_EXPORTS)
st.title("Exports")
ui.flash()
db = cached.db()
active = exports_view.active_jobs(db)
st.session_state["pd_ex_active"] = active


@st.fragment(run_every=POLL_SECONDS if active else None)
def jobs_panel() -> None:
    """Export jobs; polls while any is queued or running, then refreshes the whole page."""
    jobs = exports_view.export_jobs(db)
    still = exports_view.active_jobs(db)
    if st.session_state.get("pd_ex_active") and not still:
        st.session_state["pd_ex_active"] = 0
        st.rerun()
    if jobs.empty:
        ui.empty(
            "No export has been started.",
            "open a verified access request and click *Start export*, or use Customers.",
        )
        return
    zone = ui.viewer_zone()
    st.dataframe(
        labels.labelled(jobs, status="job")
        .assign(
            created_at=jobs["created_at"].map(lambda at: labels.when(at, zone)),
            finished_at=jobs["finished_at"].map(lambda at: labels.when(at, zone)),
            note=jobs["note"].fillna("–"),
            error=jobs["error"].fillna("–"),
        )
        .drop(columns=["job", "done", "total"]),
        hide_index=True,
        width="stretch",
        key="pd_ex_jobs",
        column_config={
            "request": "Request",
            "status": "Status",
            "progress": st.column_config.ProgressColumn("Progress", min_value=0.0, max_value=1.0),
            "note": "Step",
            "attempts": "Attempts",
            "by": "Started by",
            "created_at": "Queued",
            "finished_at": "Finished",
            "error": "Last error",
        },
    )


st.subheader("Jobs")
jobs_panel()

st.subheader("Packages")
packages = exports_view.packages(db)
if packages.empty:
    ui.empty("No package built yet.", "packages appear here when an export job finishes.")
    st.stop()
zone = ui.viewer_zone()
st.dataframe(
    labels.labelled(packages, status="status")
    .assign(
        created_at=packages["created_at"].map(lambda at: labels.when(at, zone)),
        expires_at=packages["expires_at"].map(lambda at: labels.when(at, zone)),
        encrypted=packages["encrypted"].map({True: "Yes", False: "No"}),
    )
    .loc[
        :,
        [
            "package",
            "status",
            "created_at",
            "size_kb",
            "orders",
            "encrypted",
            "delivery_state",
            "expires_at",
        ],
    ],
    hide_index=True,
    width="stretch",
    column_config={
        "package": "Package",
        "status": "Request status",
        "created_at": "Created",
        "size_kb": st.column_config.NumberColumn("Size (KB)", format="%.1f"),
        "orders": "Orders",
        "encrypted": "Encrypted",
        "delivery_state": "Customer link",
        "expires_at": "Link expires",
    },
)
if not actor.can(Right.DELIVER):
    st.caption(":material/lock: Reviewing and delivering packages is for merchants and admins.")
    st.stop()


@st.dialog("Revoke the link")
def revoke_dialog(delivery_id: int) -> None:
    st.write("The customer's link stops working at once. You can send a new one later.")
    if st.button(
        "Revoke link",
        type="primary",
        key="pd_ex_revoke_ok",
        on_click=ui.run_action,
        args=("Link revoked", store_actions.revoke, db, actor, delivery_id),
    ):
        st.rerun()


with st.container(border=True, horizontal=True, vertical_alignment="bottom"):
    names = {int(e): str(n) for e, n in zip(packages["export"], packages["package"], strict=True)}
    chosen = st.selectbox(
        "Package",
        packages["export"].tolist(),
        format_func=partial(labels.named, names),
        key="pd_ex_pick",
    )
    row = packages.loc[packages["export"] == chosen].iloc[0]
    summary = package_view.package_by_id(db, int(chosen))
    on_disk = bool(row["on_disk"])
    st.download_button(
        "Download for review",
        data=partial(store_actions.package_bytes, db, actor, int(chosen)),
        file_name=f"{names[int(chosen)].replace(' ', '-')}.zip",
        mime="application/zip",
        on_click="ignore",
        disabled=not on_disk,
        help=None if on_disk else "The package was removed after its retention period.",
        key="pd_ex_review",
        icon=":material/download:",
    )
    if row["encrypted"]:
        with st.popover("Passphrase"):
            st.code(store_actions.passphrase(db, actor, int(chosen)) or "", language=None)
    why = request_actions.deliver_blocked(summary) if summary else "The package is gone."
    if (
        st.button(
            "Deliver to customer…",
            type="primary",
            key="pd_ex_deliver",
            disabled=why is not None,
            help=why or (f"Mails {summary.recipient} a download link." if summary else None),
        )
        and summary is not None
    ):
        request_actions.deliver_dialog(actor, summary)
    if st.button(
        "Revoke link",
        key="pd_ex_revoke",
        disabled=not row["link_live"],
        help=None if row["link_live"] else "No working link to revoke.",
    ):
        revoke_dialog(int(row["delivery"]))
