"""Mapping: which enrichment attribute goes to which Salesforce field (placeholder until its issue lands)."""
from __future__ import annotations

import streamlit as st

from ui import frame

frame.ensure_router()
st.title("Mapping")
st.info(
    "Coming with the mapping issue: enrichment attribute → Salesforce field for each object, with defaults "
    "and a linter that checks every mapped field against the org's describe (type, length, picklist, "
    "writable).",
    icon=":material/construction:",
)
