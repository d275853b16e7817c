"""Permissions: can the connected user do what the use case needs? (placeholder until its issue lands)."""
from __future__ import annotations

import streamlit as st

from ui import frame

frame.ensure_router()
st.title("Permissions")
st.info(
    "Coming with the permissions issue: for the connected user, checks of API Enabled, object access on "
    "Lead, Contact, Account, Opportunity and User, field-level access on every mapped field, records "
    "visible and API headroom — each pass, warn or fail with the fix.",
    icon=":material/construction:",
)
