"""The console's router and frame: st.navigation over pages/, the sidebar on every page; no logic here."""
from __future__ import annotations

from urllib.parse import urlsplit

import streamlit as st

from ui import frame

# An emoji favicon is drawn in the browser; a :material/...: one would be fetched from a font server online.
st.set_page_config(page_title="Salesforce Enrichment Console", page_icon="🔄", layout="wide")

OVERVIEW = st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview")


def _home() -> None:
    """The root URL opens the overview under its own address (/overview), so a copied link names the page.

    Streamlit runs this default page for any path it does not know, too; the overview then says so.
    """
    path = urlsplit(st.context.url or "").path.rstrip("/")
    base = "/" + str(st.get_option("server.baseUrlPath") or "").strip("/")
    path = path[len(base.rstrip("/")):] if path.startswith(base) else path
    if path not in ("", "/home"):
        frame.note_missing_page(path)
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
frame.run(navigation)
