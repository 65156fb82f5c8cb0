"""Privacy Desk dashboard: the frame. Page config, sign-in (the page list stays hidden until a
session with a role exists), the pages this role may open, the shared sidebar; each page lives
in pages/ and renders only."""

import streamlit as st

from lib.dashboard.session import current_actor
from lib.dashboard.ui import FAVICON, navigation_for, sidebar

st.set_page_config(
    page_title="Privacy Desk",
    page_icon=FAVICON,
    layout="wide",
    initial_sidebar_state="expanded",
)
actor = current_actor(frame=True)  # signed out or refused: no page list, no page by URL
page = st.navigation(navigation_for(actor), position="sidebar", expanded=True)
sidebar(actor)
page.run()
