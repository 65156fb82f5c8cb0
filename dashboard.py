"""Privacy Desk dashboard: the frame (page config, navigation); each page lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Privacy Desk", page_icon=":material/shield_person:", layout="wide")

navigation = st.navigation(
    [st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", default=True)]
)
navigation.run()
