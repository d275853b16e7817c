"""Undo a run, on the Preview page under the run results: pick a finished run, see what an undo would do, do it.

The Logs page will hold the run history; until it does, the undo lives here. What an undo would do comes from
core (a fresh read of the records the run wrote); the Undo button is for operators, and core refuses anyone else.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import frame, palette

PREVIEW_KEY = "undo_preview"
# An undo's outcomes in its own words ("written" is a blank written back); the rest as on every page.
OUTCOMES = {**{code: label for code, (label, _, _) in palette.OUTCOMES.items()},
            "written": "Set back to blank", "skipped_nonblank": "Left alone: changed since"}
ACTIONS = {**OUTCOMES, "clear": "Set back to blank"}  # what the preview says an undo would do


def _run_label(run: engine.Run) -> str:
    written = run.counts.get("written", 0)
    return (f"{run.id} · {run.trigger} by {run.actor} · {run.started[:16].replace('T', ' ')} UTC · "
            f"{written:,} cells written")


def _show_result(run: engine.Run) -> None:
    counts = {OUTCOMES.get(k, k): v for k, v in run.counts.items() if v}
    (st.success if run.state == "done" else st.warning)(
        f"Undo run {run.id}: {run.state} — " + (", ".join(f"{k} {v:,}" for k, v in counts.items()) or "nothing to do")
        + f" · {run.api_calls:,} API calls", icon=":material/undo:")
    if run.message:
        st.text(run.message)


def block(name: str, sobject: str, actor: engine.Actor, org_label: str) -> None:
    """The "Undo a run" section for a connection and object; `org_label` names the org in the confirmation."""
    st.subheader("Undo a run")
    st.caption("Sets each value a run wrote back to blank — only where the field still holds exactly that value "
               "now. A value someone changed since is left alone and listed. The undo is logged as a run of its own.")
    runs = engine.undoable_runs(name, sobject)
    if not runs:
        st.caption(f"No finished run wrote to {sobject} on this connection that is not undone already.")
        return
    by_id = {run.id: run for run in runs}
    chosen = st.selectbox("Run to undo", list(by_id), format_func=lambda i: _run_label(by_id[i]), key="undo_run")
    if st.button("Show what an undo would do", icon=":material/preview:", key="undo_show",
                 help="Reads the records the run wrote (one call per 2,000 records); nothing is written"):
        try:
            st.session_state[PREVIEW_KEY] = engine.undo_preview(chosen)
        except ConsoleError as error:
            st.session_state.pop(PREVIEW_KEY, None)
            frame.show_error(error)
    seen: engine.UndoPreview | None = st.session_state.get(PREVIEW_KEY)
    if seen is None or seen.run.id != chosen:
        return
    cols = st.columns(3)
    cols[0].metric("Cells to set back to blank", f"{seen.counts.get('clear', 0):,}")
    cols[1].metric("Left alone: changed since", f"{seen.counts.get('skipped_nonblank', 0):,}")
    cols[2].metric("Other", f"{sum(v for k, v in seen.counts.items() if k not in ('clear', 'skipped_nonblank')):,}",
                   help="no access to the field now, or the record is gone")
    table = seen.cells.assign(action=seen.cells["action"].map(lambda a: ACTIONS.get(a, a)))
    st.dataframe(pd.DataFrame(table), hide_index=True, width="stretch", column_config={
        "record_id": st.column_config.TextColumn("Record Id"), "record_name": st.column_config.TextColumn("Name"),
        "field": st.column_config.TextColumn("Field"), "written": st.column_config.TextColumn("The run wrote"),
        "current": st.column_config.TextColumn("Holds now"), "action": st.column_config.TextColumn("Undo would"),
        "message": st.column_config.TextColumn("Why")})
    calls = f"{seen.api_calls:,} API call" + ("" if seen.api_calls == 1 else "s")
    st.caption(f"Judged on the records as they are now ({calls} to read them).")
    may_act = actor.role == "operator"
    if not may_act:
        st.info("Only operators can undo a run; you can see what it would do.", icon=":material/lock:")
    clear = seen.counts.get("clear", 0)
    confirm = st.checkbox(f"Set {clear:,} cells of {sobject} back to blank in {org_label}",
                          disabled=not (may_act and clear), key="undo_confirm")
    if st.button("Undo", type="primary", icon=":material/undo:", disabled=not (may_act and confirm and clear),
                 key="undo_go"):
        bar = st.progress(0.0, text="Starting…")

        def _progress(p: engine.WriteProgress) -> None:
            bar.progress(min(1.0, p.settled / max(p.planned, 1)), text=f"{p.settled:,} of {p.planned:,} cells settled")

        try:
            run = engine.undo(chosen, actor=actor, progress=_progress)
        except ConsoleError as error:
            frame.show_error(error)
        else:
            st.session_state.pop(PREVIEW_KEY, None)
            engine.after_write(name, run.object, actor=actor)
            bar.progress(1.0, text="Done")
            _show_result(run)
