"""The dashboard's server: Streamlit's ASGI app running `dashboard.py`, plus the route that
streams the request register (`lib.dashboard.server`), and the middleware that tells a failed
sign-in's reason to the *Sign in* screen (`lib.dashboard.signin_errors`). Start it with
`streamlit run dashboard_server.py` (what `make run` does); `dashboard.py` stays the script every
session runs."""

import streamlit as st
from starlette.middleware import Middleware
from streamlit.starlette import App

from lib.dashboard.reports import use_system_allocator
from lib.dashboard.server import report_routes
from lib.dashboard.signin_errors import SignInErrors

use_system_allocator()
base_path = st.get_option("server.baseUrlPath")
app = App(
    "dashboard.py",
    routes=report_routes(base_path),
    middleware=[Middleware(SignInErrors, base_path=base_path)],
)
