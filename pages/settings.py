"""Settings: guest support, notifications, regime, targets and link lifetimes (declared as data
in lib.core.settings), saved in one audited transaction; the change history; a store check."""

import streamlit as st

from lib.core.settings import SPECS
from lib.dashboard import actions, cached, labels, store_actions, ui
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
ui.guard(actor, Right.SETTINGS)
st.title("Settings")
ui.flash()
current = cached.settings(cached.url())
for spec in SPECS:
    st.session_state.setdefault(f"pd_set_{spec.key}", current[spec.key])


def _save() -> None:
    values = {s.key: st.session_state[f"pd_set_{s.key}"] for s in SPECS}
    ui.run_action("Settings saved", actions.change_settings, cached.db(), actor, values)


with st.form("pd_settings_form", border=False):
    columns = st.columns(len(GROUPS))
    for column, (group, title) in zip(columns, GROUPS.items(), strict=True):
        with column.container(border=True):
            st.subheader(title)
            for spec in (s for s in SPECS if s.group == group):
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

with st.container(border=True):
    st.subheader("Store connection")
    st.caption("Checks that the store answers and which access scopes the app was granted.")
    if st.button("Test connection", key="pd_set_store_test"):
        try:
            st.success(store_actions.test_store(actor))
        except (actions.ActionError, PermissionError) as exc:
            st.error(str(exc))

st.subheader("Change history")
history = setting_history(cached.db())
if history.empty:
    st.caption("No setting has been changed yet; defaults apply.")
else:
    st.dataframe(ui.localize(history, "at"), hide_index=True, width="stretch")
