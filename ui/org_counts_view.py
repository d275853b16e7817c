"""The overview's "what the org holds" block: records per object and how full each mapped field is, counted by
Salesforce itself (one aggregate query per object, one /limits/recordCount call), without pulling a snapshot."""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui.text import count, plain


def _key(name: str) -> str:
    return f"recount:{name}"


def totals(name: str) -> tuple[dict[str, int] | None, str | None]:
    """The org's records per object (read again when "Count again" was pressed), or None and why not (no View
    Setup, org unreachable)."""
    try:
        return engine.record_totals(name, refresh=bool(st.session_state.get(_key(name)))), None
    except ConsoleError as error:
        return None, f"{error.message} {error.fix}"


def fill_table(counts: engine.FillCounts) -> None:
    """Per mapped field: a fill-rate bar, filled and blank records (what the sync could still fill)."""
    table = counts.frame()
    st.dataframe(table, hide_index=True, width="stretch", height=min(36 * (len(table) + 1) + 2, 800), column_config={
        "field": st.column_config.TextColumn("Field"),
        "fill rate": st.column_config.ProgressColumn("Filled", format="percent", min_value=0.0, max_value=1.0),
        "filled": st.column_config.NumberColumn("Records with a value", format="localized"),
        "blank": st.column_config.NumberColumn("Blank (fillable)", format="localized")})
    if counts.skipped:
        st.caption("Not counted: " + "; ".join(f"{plain(field)} — {plain(why)}" for field, why in counts.skipped.items()))


def fill_block(info: engine.ConnectionInfo, actor: engine.Actor) -> None:
    """How full the mapped fields are per object, for the records the connected user can see; "Count again" asks
    the org anew (operators) before this run draws anything, so its failures show where the counts would."""
    recount = bool(st.session_state.pop(_key(info.name), False))
    with st.expander("Mapped fields filled, counted by Salesforce", icon=":material/bar_chart:"):
        oldest = time.time()
        for tab, sobject in zip(st.tabs(list(engine.SNAPSHOT_OBJECTS)), engine.SNAPSHOT_OBJECTS, strict=True):
            with tab:
                try:
                    counts = engine.field_fill(info.name, sobject, refresh=recount)
                except ConsoleError as error:
                    st.warning(f"{sobject}: {plain(error.message)} **Fix:** {plain(error.fix)}", icon=":material/warning:")
                    continue
                oldest = min(oldest, counts.counted_at)
                st.caption(f"{count(counts.visible, sobject + ' record')} visible to {plain(info.username)}; "
                           "a placeholder such as “N/A” counts as a value here (Preview treats it as blank).")
                fill_table(counts)
        viewer = actor.role != "operator"
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.caption(f"Counted {engine.describe_age(time.time() - oldest)} ago by one aggregate query per object "
                     "(kept 4 hours, counted again after every write).")
        right.button("Count again", key=f"button:{_key(info.name)}", icon=":material/refresh:", disabled=viewer,
                     on_click=st.session_state.__setitem__, args=(_key(info.name), True),
                     help="Only operators can ask the org again." if viewer else
                     "Ask Salesforce for the counts now (one query per object and one for the totals).")


def in_org_column(table: pd.DataFrame, name: str) -> tuple[pd.DataFrame, str | None]:
    """The snapshot table with the org's record totals beside the records pulled, and why they are missing if so."""
    counted, why = totals(name)
    column = pd.array([counted.get(s) if counted else None for s in table["object"]], dtype="Int64")
    return table.assign(**{"in org": column}), why
