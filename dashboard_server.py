"""The dashboard's server: Streamlit's ASGI app running `dashboard.py`, plus the route that
streams the request register (`lib.dashboard.server`). Start it with
`streamlit run dashboard_server.py` (what `make run` does); `dashboard.py` stays the script every
session runs."""

import streamlit as st
from streamlit.starlette import App

from lib.dashboard.server import report_routes

app = App("dashboard.py", routes=report_routes(st.get_option("server.baseUrlPath")))
