"""Customers: search the store picked in the sidebar, or every store (*All stores*), by name,
email or phone; each result names its store; a profile with the request history and
*More actions → Request customer data → Export* (from that store)."""

from dataclasses import replace
from functools import partial

import streamlit as st

from lib.dashboard import cached, customer_search, labels, store_actions, ui
from lib.dashboard.actions import ActionError
from lib.dashboard.customer_search import StoreRef
from lib.dashboard.roles import PermissionDenied, Right
from lib.dashboard.session import current_actor
from lib.dashboard.worklist import RequestQuery

actor = current_actor()
ui.guard(actor, Right.CUSTOMERS)
st.title("Customers")
ui.flash()
stores = cached.stores(cached.url())
if stores.empty:
    ui.empty("No store is connected yet.", "run `make run` (demo store) or set SHOPIFY_SHOP.")
    st.stop()
refs = [
    StoreRef(int(i), str(d), str(n))
    for i, d, n in zip(stores["id"], stores["shop_domain"], stores["name"], strict=True)
]
searched = [r for r in refs if r.id == ui.store_id()] or refs  # All stores: every store
where = searched[0].shop if len(searched) == 1 else f"any of the {len(searched)} stores"
text = st.text_input(
    f"Search {where if len(searched) == 1 else 'all stores'}",
    placeholder="Name, email or phone",
    key="pd_cu_query",
    help="Uses each store's own customer search; every result names its store.",
)
if not text.strip():
    ui.empty("Find the customer whose data was asked for.", "type a name, an email or a phone.")
    st.stop()
try:
    result = customer_search.search(actor, text, searched)
except PermissionDenied as exc:
    st.error(str(exc), icon=":material/visibility_off:")
    st.stop()
except ActionError as exc:
    st.error(f"{exc}. Start the store with `make run` (or `python -m lib store`).")
    st.stop()
for reason in result.unanswered:
    st.warning(f"Not searched: {reason}", icon=":material/cloud_off:")
if not result.found:
    ui.empty(f"No customer of {where} matches {text!r}.", "try part of the email or the surname.")
    st.stop()

several = len(searched) > 1
people = [
    f"{f.customer.name or 'No name'} <{f.customer.email or 'no email'}>"
    + (f" · {f.store.name}" if several else "")
    for f in result.found
]
index = st.radio(
    "Customers",
    range(len(people)),
    format_func=partial(labels.customer, people),
    key="pd_cu_pick",
    horizontal=False,
    label_visibility="collapsed",
)
picked = result.found[min(index or 0, len(people) - 1)]
person, store = picked.customer, picked.store

with st.container(border=True):
    head, more = st.columns([4, 1], vertical_alignment="top")
    head.subheader(labels.plain(person.name or person.email or person.id))
    head.caption(
        f"{labels.plain(person.email) or 'no email'} · {labels.plain(person.phone) or 'no phone'}"
        f" · customer {labels.plain(person.id)} · store {labels.plain(store.label)}"
    )
    with more.popover("More actions", icon=":material/more_horiz:"):
        st.markdown("**Request customer data**")
        st.caption(
            f"Records a staff request for **{labels.plain(store.label)}** and exports what "
            "that store holds about this customer."
        )
        st.button(
            "Export",
            type="primary",
            key="pd_cu_export",
            disabled=not person.email,
            on_click=ui.run_action,
            args=(
                f"Export started for {person.email} from {store.label}",
                store_actions.export_customer,
                cached.db(),
                actor,
                store.id,
                person,
            ),
        )
    with st.container(horizontal=True):
        st.metric("Country", person.country or "–", border=True)
        st.metric("Orders", f"{person.orders_count:,}", border=True)
        st.metric("Customer since", (person.created_at or "–")[:10], border=True)

st.subheader("Request history")
history = RequestQuery(
    statuses=(), search=person.email or "-", store_id=store.id, sort="newest", today=cached.today()
)
rows = cached.request_page(cached.url(), replace(history, page_size=100), False)
if rows.empty:
    st.caption("No data request from this customer yet.")
else:
    st.dataframe(
        labels.labelled(
            ui.localize(rows, "received_at"),
            type="type",
            status="status",
            channel="channel",
            regime="regime",
        ).drop(columns=["id", "email", "name"]),
        hide_index=True,
        width="stretch",
        column_config={
            "reference": "Reference",
            "received_at": "Received",
            "type": "Type",
            "channel": "Channel",
            "regime": "Regime",
            "status": "Status",
            "due_on": st.column_config.DateColumn("Due", format="D MMM YYYY"),
            "owner_email": "Owner",
            "days_left": st.column_config.NumberColumn("Days left", format="%d"),
        },
    )
