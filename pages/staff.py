"""Staff: who may sign in and with which role (admin only). Every change is audited."""

import streamlit as st

from lib.dashboard import actions, cached, labels, ui
from lib.dashboard.roles import RIGHTS, Right, Role, staff
from lib.dashboard.session import current_actor, is_local_mode

actor = current_actor()
ui.guard(actor, Right.ROLES)
st.title("Staff")
ui.flash()
if is_local_mode():
    st.caption(
        ":material/lan: Local mode: roles apply once sign-in is configured in "
        "`.streamlit/secrets.toml`; until then the sidebar's role switcher decides."
    )


def _add() -> None:
    email, role = st.session_state["pd_st_email"], st.session_state["pd_st_role"]
    ui.run_action(f"{email} is now {role}", actions.set_role, cached.db(), actor, email, role)


def _remove(email: str) -> None:
    ui.run_action(f"{email} removed", actions.remove_role, cached.db(), actor, email)


with st.form("pd_st_form", border=True):
    st.subheader("Add or change")
    st.caption(
        "The role goes to the first account that signs in with this email, once the identity "
        "provider has verified it; removing a role signs that person out everywhere."
    )
    left, right = st.columns([3, 1])
    left.text_input("Email", key="pd_st_email", placeholder="name@company.example")
    right.selectbox("Role", [r.value for r in Role], key="pd_st_role")
    st.form_submit_button("Save role", type="primary", on_click=_add)

members = staff(cached.db())
if not members:
    ui.empty("No staff roles yet.", "add the people who work on requests above.")
for m in members:
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        bound = (
            f"account bound at first sign-in on {ui.local_time(m.bound_at)}"
            if m.bound_at
            else "not signed in yet"
        )
        st.markdown(
            f"**{labels.plain(m.email)}** · {m.role} · set by {labels.plain(m.updated_by)} on "
            f"{ui.local_time(m.updated_at)} · {bound}"
        )
        st.button("Remove", key=f"pd_st_rm_{m.email}", on_click=_remove, args=(m.email,))

with st.expander("What each role may do"):
    for role in Role:
        st.markdown(f"**{role.value}**: " + ", ".join(sorted(r.value for r in RIGHTS[role])))
