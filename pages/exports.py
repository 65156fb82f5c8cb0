"""Exports: jobs with live progress, packages to review, *Deliver to customer*, revoke, and
what happened to each customer link (sent / downloaded N times / expired / revoked)."""

from functools import partial

import streamlit as st

from lib.dashboard import cached, exports_view, register_view, store_actions, ui
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
    st.dataframe(
        ui.localize(jobs, "created_at", "finished_at").drop(columns=["done", "total"]),
        hide_index=True,
        width="stretch",
        key="pd_ex_jobs",
        column_config={
            "progress": st.column_config.ProgressColumn("Progress", min_value=0.0, max_value=1.0)
        },
    )


st.subheader("Jobs")
jobs_panel()

st.subheader("Packages")
packages = exports_view.packages(db)
if packages.empty:
    ui.empty("No package built yet.", "packages appear here when an export job finishes.")
    st.stop()
st.dataframe(
    ui.localize(packages, "created_at", "expires_at").loc[
        :,
        [
            "export",
            "request",
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
    column_config={"delivery_state": "Customer link", "size_kb": "Size (KB)"},
)
if not actor.can(Right.DELIVER):
    st.caption(":material/lock: Reviewing and delivering packages is for merchants and admins.")
    st.stop()


@st.dialog("Deliver to customer")
def deliver_dialog(export_id: int) -> None:
    settings = cached.settings(cached.url())
    st.write(
        f"The customer gets a link to package {export_id}, valid "
        f"{settings['download_link_days']} days for {settings['download_max']} downloads."
    )
    warning = register_view.delivery_warning(db, export_id)
    if warning:
        st.warning(warning, icon=":material/rule:")
    if st.button(
        "Send link",
        type="primary",
        key="pd_ex_deliver_ok",
        on_click=ui.run_action,
        args=("Download link sent", store_actions.deliver, db, actor, export_id),
    ):
        st.rerun()


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
    chosen = st.selectbox("Package", packages["export"].tolist(), key="pd_ex_pick")
    row = packages.loc[packages["export"] == chosen].iloc[0]
    on_disk = bool(row["on_disk"])
    st.download_button(
        "Download for review",
        data=partial(store_actions.package_bytes, db, actor, int(chosen)),
        file_name=f"export-{chosen}.zip",
        mime="application/zip",
        on_click="ignore",
        disabled=not on_disk,
        key="pd_ex_review",
        icon=":material/download:",
    )
    if row["encrypted"]:
        with st.popover("Passphrase"):
            st.code(store_actions.passphrase(db, actor, int(chosen)) or "", language=None)
    if st.button(
        "Deliver to customer",
        type="primary",
        key="pd_ex_deliver",
        disabled=not on_disk or row["status"] not in ("ready_for_review", "delivered"),
    ):
        deliver_dialog(int(chosen))
    if st.button("Revoke link", key="pd_ex_revoke", disabled=not row["link_live"]):
        revoke_dialog(int(row["delivery"]))
