"""Settings: guest support, notifications, regime, targets and link lifetimes (declared as data
in lib.core.settings), saved in one audited transaction; the shop's language and the merchant's
own texts per language; each store's Shopify connection, its merchant notification address and
scope check; the change history."""

import streamlit as st

from lib.core.settings import SPECS
from lib.dashboard import (
    actions,
    cached,
    connection_view,
    labels,
    languages_view,
    register_view,
    request_types_view,
    store_actions,
    ui,
)
from lib.dashboard.queries import setting_history
from lib.dashboard.roles import Right
from lib.dashboard.session import current_actor

GROUPS = {
    "requests": "Requests",
    "notifications": "Notifications",
    "links": "Links",
    "exports": "Exports",
}

actor = current_actor()
ui.guard(actor, Right.REGISTER)
st.title("Settings")
ui.flash()


def register_section() -> None:
    """Each store's processing register: what every access package tells the customer."""
    st.subheader("Processing register")
    st.caption(
        "What every access package tells the customer under GDPR Art. 15: purposes, data, "
        "recipients and their countries, safeguards, retention, sources, automated decisions, "
        "the supervisory authority and the privacy contact. Every change is audited."
    )
    for view in register_view.register_views(cached.db()):
        prefix = f"pd_reg_{view.store_id}"
        with st.expander(f"{labels.plain(view.store_name)} — {view.state()}"):
            if not view.register.reviewed:
                st.warning(view.state(), icon=":material/rule:")
            with st.form(f"{prefix}_form", border=False):
                for section in register_view.SECTIONS:
                    st.text_area(
                        f"{section.label} ({section.article})",
                        value=view.register.texts[section.key],
                        key=f"{prefix}_{section.key}",
                    )
                rows = st.data_editor(
                    view.recipient_rows(),
                    num_rows="dynamic",
                    key=f"{prefix}_recipients",
                    width="stretch",
                    column_order=register_view.RECIPIENT_FIELDS,
                )
                reviewed = st.checkbox(
                    "Reviewed: this register describes what the shop does",
                    value=view.register.reviewed,
                    key=f"{prefix}_reviewed",
                )
                if st.form_submit_button("Save register", type="primary"):
                    texts = {
                        s.key: st.session_state[f"{prefix}_{s.key}"] for s in register_view.SECTIONS
                    }
                    done = f"Processing register of {view.store_name} saved"
                    args = (cached.db(), actor, view.store_id, texts, rows, reviewed)
                    ui.run_action(done, register_view.save_register, *args)
                    st.rerun()


if not actor.can(Right.SETTINGS):  # compliance keeps the register, not the other settings
    register_section()
    st.stop()
current = cached.settings(cached.url())
FORM_SPECS = [spec for spec in SPECS if spec.group in GROUPS]  # Languages has its own section
for spec in FORM_SPECS:
    st.session_state.setdefault(f"pd_set_{spec.key}", current[spec.key])


def _save() -> None:
    values = {s.key: st.session_state[f"pd_set_{s.key}"] for s in FORM_SPECS}
    ui.run_action("Settings saved", actions.change_settings, cached.db(), actor, values)


with st.form("pd_settings_form", border=False):
    columns = st.columns(len(GROUPS))
    for column, (group, title) in zip(columns, GROUPS.items(), strict=True):
        with column.container(border=True):
            st.subheader(title)
            for spec in (s for s in FORM_SPECS if s.group == group):
                key = f"pd_set_{spec.key}"
                if spec.kind is bool:
                    st.toggle(spec.label, key=key, help=spec.help)
                elif spec.kind is int:
                    st.number_input(
                        spec.label, spec.minimum, spec.maximum, key=key, help=spec.help, step=1
                    )
                elif spec.choices:
                    st.selectbox(
                        spec.label, spec.choices, key=key, help=spec.help, format_func=labels.regime
                    )
                else:
                    st.text_input(spec.label, key=key, help=spec.help)
    st.form_submit_button("Save settings", type="primary", on_click=_save)


def languages_section() -> None:
    """The shop's language and the merchant's own texts per language (lib.dashboard)."""
    view = languages_view
    with st.container(border=True):
        st.subheader("Languages")
        st.caption(
            "Customers get the page, the mails and the package README in their language: the "
            "storefront's, else their account's, else the shop language below. Your own wording "
            "of a text replaces the built-in one in that language; plain text only, shown as "
            "written. Every change is audited."
        )
        with st.form("pd_lang_shop_form", border=False):
            shop = st.selectbox(
                "Shop language",
                view.languages(),
                index=view.languages().index(current["shop_language"]),
                format_func=view.language_label,
            )
            if st.form_submit_button("Save shop language"):
                ui.run_action(
                    "Shop language saved", view.save_shop_language, cached.db(), actor, shop
                )
                st.rerun()
        which, language = st.columns(2)
        key = which.selectbox(
            "Text", view.slot_keys(), format_func=view.slot_label, key="pd_text_slot"
        )
        locale = language.selectbox(
            "In", view.languages(), format_func=view.language_label, key="pd_text_locale"
        )
        built_in = view.built_in(key, locale)
        with st.form(f"pd_text_{key}_{locale}", border=False):
            text = st.text_area(
                "Your text (empty: the built-in text)",
                value=view.own_text(current, key, locale),
                placeholder=built_in,
                max_chars=600,
                key=f"pd_text_{key}_{locale}_value",
            )
            st.caption(f"Built-in: {built_in}")
            if st.form_submit_button("Save text"):
                args = (cached.db(), actor, key, locale, text)
                ui.run_action(f"{view.slot_label(key)} saved", view.save_text, *args)
                st.rerun()


languages_section()


def _save_contact(store: connection_view.StoreView, key: str) -> None:
    done = f"Merchant notifications of {store.name} go to the new address"
    args = (cached.db(), actor, store.id, st.session_state[key])
    ui.run_action(done, store_actions.set_contact_email, *args)


def _show_scopes(report: connection_view.ScopeReport) -> None:
    (st.warning if report.missing else st.success)(report.summary)
    for line in report.lines:
        if line.granted:
            st.markdown(f":material/check_circle: `{line.handle}` granted")
        else:
            st.markdown(f":material/cancel: `{line.handle}` missing — {labels.plain(line.without)}")
    if report.extra:
        st.caption("Also granted: " + ", ".join(report.extra))
    st.info(connection_view.PROTECTED_DATA, icon=":material/shield_person:")


st.subheader("Shopify")
version = connection_view.version_status()
if version.warning:
    st.warning(version.warning, icon=":material/update:")
else:
    st.caption(f"Admin API version {version.pinned}, inside Shopify's 12-month support window.")
fallback = current["merchant_email"]
for store in connection_view.store_views(cached.db()):
    with st.container(border=True):
        st.markdown(f"**{labels.plain(store.label)}**")
        st.markdown(labels.plain(store.connection()))
        expiry = store.token_expiry()
        if expiry:
            st.caption(expiry)
        if store.needs_reconnect:
            st.warning(store.reconnect_reason(), icon=":material/link_off:")
            st.link_button(
                "Reconnect this store",
                connection_view.reconnect_url(store.shop_domain),
                type="primary",
            )
        contact_key = f"pd_set_contact_{store.id}"
        st.session_state.setdefault(contact_key, store.contact_email or "")
        st.text_input(
            "Merchant notification address",
            key=contact_key,
            help="Shopify's contact email of the shop, filled in at install. Leave empty to use "
            "the fallback merchant email.",
        )
        st.caption(connection_view.mail_recipient(store, fallback))
        request_types_view.render(cached.db(), actor, store.id)
        save, test = st.columns(2)
        save.button(
            "Save address",
            key=f"pd_set_contact_save_{store.id}",
            on_click=_save_contact,
            args=(store, contact_key),
        )
        if test.button("Test connection", key=f"pd_set_store_test_{store.id}"):
            try:
                _show_scopes(store_actions.test_connection(actor, store.shop_domain))
            except (actions.ActionError, PermissionError) as exc:
                st.error(str(exc))

register_section()

st.subheader("Change history")
history = setting_history(cached.db())
if history.empty:
    st.caption("No setting has been changed yet; defaults apply.")
else:
    st.dataframe(ui.localize(history, "at"), hide_index=True, width="stretch")
