"""Mail: the outbox (status, attempts, preview). Without SMTP, mails are captured here and their
links work, so the whole customer flow can be walked locally."""

import streamlit as st

from lib.core.enums import MailStatus
from lib.dashboard import cached, labels, storefront, ui
from lib.dashboard.mail_records import mail, outbox, outbox_counts
from lib.dashboard.roles import Right
from lib.dashboard.session import current_actor, is_local_mode

actor = current_actor()
ui.guard(actor, Right.MAIL)
st.title("Mail")

db = cached.db()
counts = outbox_counts(db)
with st.container(horizontal=True):
    for status in MailStatus:
        st.metric(
            labels.words(status.value).capitalize(), f"{counts.get(status.value, 0):,}", border=True
        )

if is_local_mode():
    with st.container(border=True):
        st.subheader("Open the storefront")
        st.caption("Signed app-proxy links, as Shopify would send them, to walk the customer side.")
        links = storefront.links(db)
        if links:
            with st.container(horizontal=True):
                for label, url in links:
                    st.link_button(labels.plain(label), url, icon=":material/storefront:")
        else:
            st.info("The storefront needs a store and the intake service (`make run`).")

chosen_status = st.selectbox(
    "Status", [None, *(s.value for s in MailStatus)], format_func=labels.words, key="pd_ml_status"
)
mails = outbox(db, chosen_status)
if mails.empty:
    ui.empty("No mail in the outbox.", "mails appear here when requests arrive or change.")
    st.stop()
st.dataframe(
    ui.localize(mails, "created_at"),
    hide_index=True,
    width="stretch",
    column_config={"id": st.column_config.NumberColumn("#", format="%d")},
)

picked = st.selectbox("Preview mail #", mails["id"].tolist(), key="pd_ml_pick")
shown = mail(db, picked) if picked is not None else None
if shown is not None:
    with st.container(border=True):
        st.markdown(
            f"**{labels.plain(shown.subject)}**  \nTo {labels.plain(shown.to)} · "
            f"{labels.words(shown.status)}"
        )
        if shown.links:
            with st.container(horizontal=True):
                for link in shown.links:
                    label = link if len(link) < 60 else link[:57] + "…"
                    st.link_button(labels.plain(label), link, icon=":material/link:")
        html, text = st.tabs(["HTML", "Text"])
        with html, st.container(border=True, height=420):
            st.html(shown.html)  # sanitized: mail bodies hold customer-supplied text
        text.code(shown.text, language=None, wrap_lines=True)
