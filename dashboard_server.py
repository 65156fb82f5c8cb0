"""The dashboard's server: Streamlit's ASGI app running `dashboard.py`, plus the route that
streams the request register (`lib.dashboard.server`), the middleware that tells a failed
sign-in's reason to the *Sign in* screen (`lib.dashboard.signin_errors`) and the guards of
`lib.dashboard.startup` (it refuses to start where it would be exposed; never framed; local mode
answers this machine's Host only). Start it with
`streamlit run dashboard_server.py` (what `make run` does); `dashboard.py` stays the script every
session runs."""

import sys

import streamlit as st
from starlette.middleware import Middleware
from streamlit.runtime.pages_manager import PagesManager
from streamlit.starlette import App

from lib.dashboard import session
from lib.dashboard.reports import use_system_allocator
from lib.dashboard.server import report_routes
from lib.dashboard.signin_errors import SignInErrors
from lib.dashboard.startup import server_middleware, start_problem

problem = start_problem(str(st.get_option("server.address") or ""))
if problem:
    sys.exit(f"error: {problem}")
sign_in = session.sign_in_configured()
# dashboard.py is the frame (st.navigation). Until a session has called it, Streamlit treats
# the pages/ folder as its legacy multipage app, so the first session of a fresh server opened
# on a page's address (the install lands on /settings) would run that page alone, frameless.
PagesManager.uses_pages_directory = False
use_system_allocator()
base_path = st.get_option("server.baseUrlPath")
app = App(
    "dashboard.py",
    routes=report_routes(base_path),
    middleware=[*server_middleware(sign_in=sign_in), Middleware(SignInErrors, base_path=base_path)],
)
