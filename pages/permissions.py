"""Permissions: can the connected user do what the use case needs — and if not, exactly what to change, and where."""
from __future__ import annotations

import streamlit as st

from core import engine
from ui import frame, permissions_view

frame.ensure_router()
st.title("Permissions")
st.caption("Can the connected user do what the use case needs? Each check passes, warns or fails with the fix; "
           "the console never changes permissions itself.")

name = frame.require_connection("check what its user may do")
info = engine.connection(name)
if info is None:
    st.stop()
if not info.readable:
    st.warning("This connection's stored sign-in cannot be read, so its permissions cannot be checked. "
               "Reconnect it on Connect.", icon=":material/link_off:")
    st.page_link("pages/connect.py", label="Reconnect on Connect", icon=":material/build:",
                 query_params={"connection": info.name})
    st.stop()

chosen = permissions_view.use_case()
report = permissions_view.load(info.name, chosen)
if report is None:
    st.page_link("pages/connect.py", label="Check the connection on Connect", icon=":material/build:",
                 query_params={"connection": info.name})
    st.stop()
permissions_view.freshness(report, info.name)
permissions_view.headline(report)
permissions_view.downloads(report)
permissions_view.what_will_sync(report)
permissions_view.checklist(report)
