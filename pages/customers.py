"""Customers: search the store by name, email or phone; a profile with the request history and
*More actions → Request customer data → Export*."""

from dataclasses import replace
from functools import partial

import streamlit as st

from lib.dashboard import cached, labels, store_actions, ui
from lib.dashboard.actions import ActionError
from lib.dashboard.roles import Right
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
store_id = ui.store_id() or int(stores["id"].iloc[0])
shop = str(stores.loc[stores["id"] == store_id, "shop_domain"].iloc[0])
text = st.text_input(
    f"Search {shop}",
    placeholder="Name, email or phone",
    key="pd_cu_query",
    help="Uses the store's own customer search.",
)
if not text.strip():
    ui.empty("Find the customer whose data was asked for.", "type a name, an email or a phone.")
    st.stop()
try:
    found = store_actions.search_customers(actor, text, shop)
except ActionError as exc:
    st.error(f"{exc}. Start the store with `make run` (or `python -m lib store`).")
    st.stop()
if not found:
    ui.empty(f"No customer of {shop} matches {text!r}.", "try part of the email or the surname.")
    st.stop()

people = [f"{c.name or 'No name'} <{c.email or 'no email'}>" for c in found]
index = st.radio(
    "Customers",
    range(len(found)),
    format_func=partial(labels.customer, people),
    key="pd_cu_pick",
    horizontal=False,
    label_visibility="collapsed",
)
person = found[index or 0]

with st.container(border=True):
    head, more = st.columns([4, 1], vertical_alignment="top")
    head.subheader(labels.plain(person.name or person.email or person.id))
    head.caption(
        f"{labels.plain(person.email) or 'no email'} · {labels.plain(person.phone) or 'no phone'}"
        f" · customer {labels.plain(person.id)}"
    )
    with more.popover("More actions", icon=":material/more_horiz:"):
        st.markdown("**Request customer data**")
        st.caption("Records a staff request and starts the export job.")
        st.button(
            "Export",
            type="primary",
            key="pd_cu_export",
            disabled=not person.email,
            on_click=ui.run_action,
            args=(
                f"Export started for {person.email}",
                store_actions.export_customer,
                cached.db(),
                actor,
                store_id,
                person,
            ),
        )
    with st.container(horizontal=True):
        st.metric("Country", person.country or "–", border=True)
        st.metric("Orders", f"{person.orders_count:,}", border=True)
        st.metric("Customer since", (person.created_at or "–")[:10], border=True)

st.subheader("Request history")
history = RequestQuery(
    statuses=(), search=person.email or "-", store_id=store_id, sort="newest", today=cached.today()
)
rows = cached.request_page(cached.url(), replace(history, page_size=100), False)
if rows.empty:
    st.caption("No data request from this customer yet.")
else:
    st.dataframe(
        ui.localize(rows, "received_at").drop(columns=["id", "email", "name"]),
        hide_index=True,
        width="stretch",
    )
