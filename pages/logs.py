"""Logs: every write attempt and skip, and the run history (placeholder until its issue lands)."""
from __future__ import annotations

import streamlit as st

from ui import frame

frame.ensure_router()
st.title("Logs")
st.info(
    "Coming with the logs issue: every write attempt and skip with its outcome, filterable and exportable, "
    "each linked to its Salesforce record, and the history of runs.",
    icon=":material/construction:",
)
