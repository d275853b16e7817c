"""Preview: what a sync would change, cell by cell (placeholder until its issue lands)."""
from __future__ import annotations

import streamlit as st

from ui import frame

frame.ensure_router()
st.title("Preview")
st.info(
    "Coming with the preview issue: for each record and field, the current value, the proposed value and a "
    "verdict with its reason (fill, keep, same, no data, invalid, no access), with totals and charts; "
    "operators approve all or a subset and apply — only blank fields are ever written.",
    icon=":material/construction:",
)
