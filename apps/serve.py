"""The app's server: `streamlit run apps/serve.py` serves apps/app.py with the server's address written into every
page (apps/server_address.py)."""

import sys
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:  # `streamlit run` puts apps/, not the project, on the path (as in apps/app.py)
    sys.path.insert(0, _ROOT)

from apps.server_address import ServerAddressInPage  # noqa: E402

app = st.App("app.py", middleware=[Middleware(ServerAddressInPage, base_path=st.get_option("server.baseUrlPath"))])
