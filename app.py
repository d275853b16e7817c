"""The console's router and frame: st.navigation over pages/, the sidebar on every page; no logic here."""
from __future__ import annotations

import streamlit as st

from ui import frame

st.set_page_config(page_title="Salesforce Enrichment Console", page_icon=":material/cloud_sync:", layout="wide")

OVERVIEW = st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview")


def _home() -> None:
    """The root URL opens the overview under its own address (/overview), so a copied link names the page."""
    st.switch_page(OVERVIEW, query_params=st.query_params.to_dict())


PAGES = [
    st.Page(_home, title="Home", url_path="home", default=True, visibility="hidden"),
    OVERVIEW,
    st.Page("pages/connect.py", title="Connect", icon=":material/link:", url_path="connect"),
    st.Page("pages/permissions.py", title="Permissions", icon=":material/verified_user:", url_path="permissions"),
    st.Page("pages/mapping.py", title="Mapping", icon=":material/account_tree:", url_path="mapping"),
    st.Page("pages/preview.py", title="Preview", icon=":material/preview:", url_path="preview"),
    st.Page("pages/logs.py", title="Logs", icon=":material/receipt_long:", url_path="logs"),
]

navigation = st.navigation(PAGES)
frame.sidebar()
navigation.run()
