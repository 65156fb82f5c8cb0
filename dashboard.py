"""Privacy Desk dashboard: the frame. Page config, sign-in, the pages this role may open, the
shared sidebar; each page lives in pages/ and renders only."""

import streamlit as st

from lib.dashboard.session import current_actor
from lib.dashboard.ui import navigation_for, sidebar

st.set_page_config(
    page_title="Privacy Desk",
    page_icon=":material/shield_person:",
    layout="wide",
    initial_sidebar_state="expanded",
)
actor = current_actor()
page = st.navigation(navigation_for(actor), position="sidebar", expanded=True)
sidebar(actor)
page.run()
