"""New request: a data request a customer made to staff by phone, letter or email."""

from functools import partial

import streamlit as st

from lib.core.enums import RequestType, StaffMedium
from lib.dashboard import cached, labels, new_request, ui
from lib.dashboard.actions import ActionError
from lib.dashboard.roles import PermissionDenied, Right
from lib.dashboard.session import current_actor

RESULT = "pd_nr_recorded"
actor = current_actor()
ui.guard(actor, Right.VERIFY)
st.title("New request")
st.caption("For a customer who asked you directly. It counts from today, like any other request.")
ui.flash()
db = cached.db()


def _record() -> None:
    state = st.session_state
    form = new_request.StaffRequest(
        store_id=int(state["pd_nr_store"]),
        type=state["pd_nr_type"],
        medium=state["pd_nr_medium"],
        email=state.get("pd_nr_email", ""),
        name=state.get("pd_nr_name", ""),
        country=state.get("pd_nr_country", ""),
        checked_by_staff=state["pd_nr_verified"] == "checked",
        identity_check=state.get("pd_nr_check", ""),
    )
    try:
        state[RESULT] = new_request.record(db, actor, form)
    except (PermissionDenied, ActionError) as exc:
        state[ui.FLASH_KEY] = ("error", str(exc))
        return
    cached.clear()
    for key in ("pd_nr_email", "pd_nr_name", "pd_nr_country", "pd_nr_check"):
        state.pop(key, None)


def _merge(duplicate_id: int, into_id: int, into: str) -> None:
    ui.run_action(f"Merged into {into}", new_request.merge, db, actor, duplicate_id, into_id)
    st.session_state.pop(RESULT, None)


recorded = st.session_state.get(RESULT)
if recorded is not None:
    with st.container(border=True):
        how = (
            "the Verify Request link was sent to the customer"
            if recorded.link_sent
            else "marked verified"
        )
        st.success(f"Recorded as **{recorded.reference}**; {how}.")
        if st.button("Open the request", key="pd_nr_open", type="primary"):
            st.session_state.pop(RESULT, None)
            st.switch_page("pages/request_detail.py", query_params={"ref": recorded.reference})
        for dup in recorded.duplicates:
            st.warning(
                f"{dup.reference} of the same customer is still open "
                f"({labels.label('status', dup.status)}, "
                f"received {ui.local_time(dup.received_at)})."
            )
            with st.container(horizontal=True):
                st.button(
                    f"Merge {recorded.reference} into {dup.reference}",
                    key=f"pd_nr_merge_{dup.id}",
                    on_click=_merge,
                    args=(recorded.id, dup.id, dup.reference),
                )
                st.button(
                    f"Merge {dup.reference} into {recorded.reference}",
                    key=f"pd_nr_merge_back_{dup.id}",
                    on_click=_merge,
                    args=(dup.id, recorded.id, recorded.reference),
                )
        st.button(
            "Record another", key="pd_nr_again", on_click=st.session_state.pop, args=(RESULT,)
        )
    st.stop()

stores = cached.stores(cached.url())
names = {int(i): str(n) for i, n in zip(stores["id"], stores["name"], strict=True)}
if not names:
    ui.empty("There is no store yet.", "connect a store on Settings first.")
    st.stop()
with st.container(horizontal=True):
    store_ids = list(names)
    current = ui.store_id()
    st.selectbox(
        "Store",
        store_ids,
        index=store_ids.index(current) if current in store_ids else 0,
        format_func=partial(labels.store, names),
        key="pd_nr_store",
    )
    st.selectbox(
        "The customer asks to",
        [t.value for t in RequestType if t not in (RequestType.SHOP_ERASURE, RequestType.APPEAL)],
        format_func=labels.request_type,
        key="pd_nr_type",
    )
    st.selectbox(
        "Received by",
        [m.value for m in StaffMedium],
        format_func=partial(labels.label, "medium"),
        key="pd_nr_medium",
    )
with st.container(horizontal=True):
    email = st.text_input("Customer's email", key="pd_nr_email", placeholder="name@example.com")
    st.text_input("Name (optional)", key="pd_nr_name")
    st.text_input("Country (optional)", key="pd_nr_country", max_chars=2, placeholder="DE")
for dup in new_request.duplicates(
    db, actor, int(st.session_state["pd_nr_store"]), email, st.session_state["pd_nr_type"]
):
    st.warning(
        f"This customer already has an open request: **{dup.reference}** "
        f"({labels.label('status', dup.status)}, received {ui.local_time(dup.received_at)}). "
        "A new one can be merged into it once recorded.",
        icon=":material/content_copy:",
    )
verified = st.radio(
    "Identity",
    ["link", "checked"],
    format_func={
        "link": "Send the Verify Request link to this email",
        "checked": "I checked the customer's identity myself",
    }.get,
    key="pd_nr_verified",
)
if verified == "checked":
    st.text_area(
        "How did you check it?",
        key="pd_nr_check",
        placeholder="Called back the phone number on the account and asked for the last order",
    )
st.button("Record request", type="primary", key="pd_nr_record", on_click=_record)
