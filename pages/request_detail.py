"""One request: customer, deadline panel, timeline, exports and mails, and the actions the
viewer's role allows (checked again in lib.dashboard.actions)."""

import streamlit as st

from lib.core.enums import Status
from lib.dashboard import (
    cached,
    erasure_view,
    labels,
    package_view,
    request_actions,
    rights_panel,
    ui,
)
from lib.dashboard.detail import find_request, request_detail
from lib.dashboard.roles import Right
from lib.dashboard.session import current_actor

EXPORT_POLL_SECONDS = 2

actor = current_actor()
ui.guard(actor, Right.VIEW_REQUESTS)
db = cached.db()
reference = st.query_params.get("ref") or st.session_state.get("pd_ref", "")
soon = int(cached.settings(cached.url())["due_soon_days"])
masked = not actor.can(Right.SEE_IDENTITIES)
request_id = find_request(db, reference) if reference else None
detail = (
    None
    if request_id is None
    else request_detail(db, request_id, today=cached.today(), soon_days=soon, masked=masked)
)
if request_id is None or detail is None:
    st.title("Request")
    ui.empty(
        f"No request {reference!r} here." if reference else "No request chosen.",
        "open one from the Requests page.",
    )
    st.stop()

shown_id: int = request_id  # narrowed above, for the fragment below
r, panel = detail.request, detail.deadline
zone = ui.viewer_zone()
st.title(f"{r['reference']}")
with st.container(horizontal=True, vertical_alignment="center"):
    ui.badges(r["type"], r["status"])
    st.caption(
        f"{labels.regime(r['regime'])} · {labels.label('channel', r['channel'])} · "
        f"{labels.plain(detail.store_name)}"
    )
ui.flash()

left, right = st.columns([2, 3])
with left.container(border=True):
    st.subheader("Customer")
    name = labels.plain(r["name"]) or "No name given"
    st.markdown(f"**{name}**  \n{labels.plain(r['email'])}")
    if detail.customer:
        c = detail.customer
        phone = labels.plain(c["phone"]) or "no phone"
        orders = (
            "orders not synced yet" if c["orders"] is None else labels.plural(c["orders"], "order")
        )
        st.markdown(f"{labels.plain(c['country']) or 'Country unknown'} · {orders} · {phone}")
        st.caption(f"Store customer {labels.plain(r['customer_id'])}")
    else:
        country = labels.plain(r["country"]) or "unknown"
        st.caption(f"Country {country}; not matched to a store customer yet.")
with right.container(border=True):
    st.subheader("Deadline")
    with st.container(horizontal=True):
        st.metric("Due", labels.day(panel.due), border=True)
        st.metric(
            "Days left",
            "closed" if panel.days_left is None else labels.plural(panel.days_left, "day"),
            border=True,
        )
        st.metric("State", labels.label("deadline", panel.state), border=True)
        if panel.paused_days or panel.paused_since:
            st.metric(
                "Clock stopped",
                labels.plural(panel.paused_days, "day"),
                border=True,
                help="Days the clock stood still (UK GDPR Art. 12A), added to the deadline.",
            )
    if panel.paused_since:
        st.warning(
            f"The clock is stopped since {labels.day(panel.paused_since)}: the deadline moves "
            "on by the days it stands still once you restart it.",
            icon=":material/pause_circle:",
        )
    extended = labels.day(panel.extended_due) if panel.extended_due else "not extended"
    confirm = labels.day(panel.confirm_by) if panel.confirm_by else "not required"
    st.markdown(
        f"Received **{labels.day(panel.received)}** · legal due **{labels.day(panel.legal_due)}**"
        f" · extended due **{extended}** · confirm receipt by **{confirm}** · internal target "
        f"**{labels.day(panel.target)}**"
    )

status = Status(r["status"])
running = package_view.running_export(db, request_id) is not None
state = request_actions.RequestState(
    request_id=request_id,
    reference=r["reference"],
    status=status,
    regime=r["regime"],
    can_extend=panel.can_extend,
    is_open=r["closed_at"] is None,
    paused=panel.paused_since is not None,
    store=detail.store_name,
    export_running=running,
)
if any(actor.can(x) for x in request_actions.REQUEST_RIGHTS):
    with st.container(border=True):
        st.subheader("Actions")
        request_actions.render(actor, state)
else:
    st.caption(":material/lock: Read-only for your role.")

rights_panel.render(db, actor, request_id, r["type"], r["closed_at"] is None)
erasure_view.render(db, actor, request_id, r["type"], r["closed_at"] is None)

package = package_view.latest_package(db, request_id)


@st.fragment(run_every=EXPORT_POLL_SECONDS if running else None)
def export_watch() -> None:
    """While the export runs, look again every few seconds; redraw the page once it ends."""
    if package_view.running_export(db, shown_id) is None:
        st.rerun()
    st.info(
        "An export is running: the package appears here when it is built.", icon=":material/sync:"
    )


if running:
    export_watch()
if package is not None:
    with st.container(border=True):
        request_actions.package_panel(actor, state, package)

timeline, mails, jobs = st.tabs(["Timeline", "Mails", "Jobs"])
for at, what in zip(detail.events["at"], detail.events["what"], strict=True):
    timeline.markdown(f"**{labels.when(at, zone)}** — {labels.plain(what)}")
if detail.mails.empty:
    mails.info("No mail about this request yet.")
else:
    shown = labels.labelled(detail.mails, status="mail").assign(
        created_at=detail.mails["created_at"].map(lambda at: labels.when(at, zone))
    )
    mails.dataframe(
        shown.drop(columns=["id", "template"]),
        hide_index=True,
        width="stretch",
        column_config={
            "created_at": "Queued",
            "to": "To",
            "subject": "Subject",
            "status": "Status",
            "attempts": "Attempts",
        },
    )
if detail.jobs.empty:
    jobs.info("No background job for this request.")
else:
    shown = labels.labelled(detail.jobs, status="job").assign(
        kind=detail.jobs["kind"].map(lambda k: labels.label("event", k)),
        created_at=detail.jobs["created_at"].map(lambda at: labels.when(at, zone)),
        error=detail.jobs["error"].fillna("–"),
        done=detail.jobs["done"].fillna("–"),
        total=detail.jobs["total"].fillna("–"),
    )
    jobs.dataframe(
        shown.drop(columns=["id"]),
        hide_index=True,
        width="stretch",
        column_config={
            "kind": "Job",
            "status": "Status",
            "done": "Done",
            "total": "Of",
            "created_at": "Queued",
            "error": "Last error",
        },
    )
