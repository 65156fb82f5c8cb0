"""One request: customer, deadline panel, timeline, exports and mails, and the actions the
viewer's role allows (checked again in lib.dashboard.actions)."""

import streamlit as st

from lib.core.enums import Status
from lib.dashboard import cached, labels, request_actions, ui
from lib.dashboard.detail import find_request, request_detail
from lib.dashboard.roles import Right
from lib.dashboard.session import current_actor

actor = current_actor()
ui.guard(actor, Right.VIEW_REQUESTS)
db = cached.db()
reference = st.query_params.get("ref") or st.session_state.get("pd_ref", "")
request_id = find_request(db, reference) if reference else None
if request_id is None:
    st.title("Request")
    ui.empty(
        f"No request {reference!r} here." if reference else "No request chosen.",
        "open one from the Requests page.",
    )
    st.stop()

soon = int(cached.settings(cached.url())["due_soon_days"])
masked = not actor.can(Right.SEE_IDENTITIES)
detail = request_detail(db, request_id, today=cached.today(), soon_days=soon, masked=masked)
r, panel = detail.request, detail.deadline
st.title(f"{r['reference']}")
st.caption(
    f"{labels.words(r['type'])} request · {labels.regime(r['regime'])} · "
    f"{labels.words(r['channel'])} · {detail.store_name}"
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
        st.markdown(f"{labels.plain(c['country']) or '–'} · {c['orders']} orders · {phone}")
    else:
        country = labels.plain(r["country"]) or "unknown"
        st.caption(f"Country {country}; not matched to a store customer yet.")
    st.badge(labels.words(r["status"]), color="blue")
with right.container(border=True):
    st.subheader("Deadline")
    with st.container(horizontal=True):
        st.metric("Due", str(panel.due), border=True)
        st.metric(
            "Days left",
            "closed" if panel.days_left is None else f"{panel.days_left} days",
            border=True,
        )
        st.metric("State", labels.words(panel.state), border=True)
    st.markdown(
        f"Received **{panel.received}** · legal due **{panel.legal_due}** · "
        f"extended due **{panel.extended_due or '–'}** · confirm receipt by "
        f"**{panel.confirm_by or 'n/a'}** · internal target **{panel.target}**"
    )

status = Status(r["status"])
if any(actor.can(x) for x in request_actions.REQUEST_RIGHTS):
    with st.container(border=True):
        st.subheader("Actions")
        request_actions.render(
            actor, request_id, status, panel.can_extend, r["closed_at"] is None, detail.store_name
        )
else:
    st.caption(":material/lock: Read-only for your role.")

timeline, exports, mails, jobs = st.tabs(["Timeline", "Exports", "Mails", "Jobs"])
timeline.dataframe(ui.localize(detail.events, "at"), hide_index=True, width="stretch")
if detail.exports.empty:
    exports.info("No export yet. Start one with *Start export* once the request is verified.")
else:
    exports.dataframe(ui.localize(detail.exports, "created_at", "purged_at"), hide_index=True)
    exports.dataframe(
        ui.localize(detail.deliveries, "sent_at", "expires_at", "revoked_at"), hide_index=True
    )
if detail.mails.empty:
    mails.info("No mail about this request yet.")
else:
    mails.dataframe(ui.localize(detail.mails, "created_at"), hide_index=True, width="stretch")
if detail.jobs.empty:
    jobs.info("No background job for this request.")
else:
    jobs.dataframe(ui.localize(detail.jobs, "created_at"), hide_index=True, width="stretch")
