"""Undo a run, on the Logs page under the run's rows: what an undo would do now, then the undo, for operators.

A run is undone where its cells are listed (Logs, `?run=<id>`); the Preview page links there. What an undo would
do comes from core (a fresh read of the records the run wrote); the Undo button is for operators, and core refuses
anyone else. A run that cannot be undone says why (an undo itself, not finished, undone already — with a way to
its undo run).
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import frame, palette
from ui.text import count, plain

PREVIEW_KEY = "undo_preview"
RESULT_KEY = "undo_result"
# An undo's outcomes in its own words ("written" is a blank written back); the rest as on every page.
OUTCOMES = {**{code: label for code, (label, _, _) in palette.OUTCOMES.items()},
            "written": "Set back to blank", "skipped_nonblank": "Left alone: changed since"}
ACTIONS = {**OUTCOMES, "clear": "Set back to blank"}  # what the preview says an undo would do


def _run_label(run: engine.Run) -> str:
    written = run.counts.get("written", 0)
    return (f"{run.id} · {run.trigger} by {run.actor} · {run.started[:16].replace('T', ' ')} UTC · "
            f"{count(written, 'cell')} written")


def _show_result(run: engine.Run) -> None:
    counts = {OUTCOMES.get(k, k): v for k, v in run.counts.items() if v}
    (st.success if run.state == "done" else st.warning)(
        f"Undo run {run.id}: {run.state} — " + (", ".join(f"{k} {v:,}" for k, v in counts.items()) or "nothing to do")
        + f" · {count(run.api_calls, 'API call')}", icon=":material/undo:")
    if run.message:
        st.text(run.message)


def _show_run_filter(run_id: str) -> None:
    """on_click: narrow the Logs page to another run (the run filter's widget state, read before it is drawn)."""
    st.session_state["url_run"] = run_id


def links(name: str, sobject: str) -> None:
    """On the Preview page: where a run is undone (Logs), with a link to each of the latest runs that can be."""
    st.subheader("Undo a run")
    runs = engine.undoable_runs(name, sobject, limit=3)
    st.caption("A run is undone on the Logs page, beside the cells it wrote: it sets each value back to blank only "
               "where the field still holds exactly that value." + ("" if runs else
               f" No finished run wrote to {sobject} on this connection that is not undone already."))
    for run in runs:
        st.page_link("pages/logs.py", label=f"Undo {plain(_run_label(run))}", icon=":material/undo:",
                     query_params={"connection": name, "run": run.id})


def for_run(run_id: str, actor: engine.Actor) -> None:
    """On the Logs page, for the run the filters chose: the undo block, or why this run cannot be undone."""
    st.subheader("Undo this run")
    done: engine.Run | None = st.session_state.pop(RESULT_KEY, None)
    if done is not None and done.options.get("undo_of") == run_id:
        _show_result(done)
    run = engine.run(run_id)
    refusal = engine.undo_refusal(run_id)
    if run is None or refusal is not None:
        undos = engine.undone_by(run_id)
        if refusal is not None and not undos:
            st.caption(f"{plain(refusal.message)} {plain(refusal.fix)}")
        for undo in undos:
            st.info(f"This run was undone by undo run {undo.id} of {plain(undo.actor)}, started "
                    f"{undo.started[:16].replace('T', ' ')} UTC ({undo.state}).", icon=":material/undo:")
            st.button(f"Show the cells of undo run {undo.id}", key=f"undo_show_run_{undo.id}",
                      icon=":material/receipt_long:", on_click=_show_run_filter, args=(undo.id,))
        if undos and undos[-1].state != "done" and refusal is not None:
            st.caption(plain(refusal.fix))
        return
    info = engine.connection(run.connection)
    if info is None:
        st.info(f"The connection that made this run ({plain(run.connection)}) is gone: connect it again under that "
                "name to undo the run.", icon=":material/link_off:")
        return
    org_label = f"{info.environment.badge} — {plain(info.org_name)}" if info.org_name else plain(info.name)
    _judge_and_undo(run, actor, org_label)


def _judge_and_undo(run: engine.Run, actor: engine.Actor, org_label: str) -> None:
    """What an undo of `run` would do now (on request: it reads the records), then the confirmation and Undo."""
    st.caption("Sets each value this run wrote back to blank — only where the field still holds exactly that value "
               "now. A value someone changed since is left alone and listed. The undo is logged as a run of its own.")
    if st.button("Show what an undo would do", icon=":material/preview:", key="undo_show",
                 help="Reads the records the run wrote (one call per 2,000 records); nothing is written"):
        try:
            st.session_state[PREVIEW_KEY] = engine.undo_preview(run.id)
        except ConsoleError as error:
            st.session_state.pop(PREVIEW_KEY, None)
            frame.show_error(error)
    seen: engine.UndoPreview | None = st.session_state.get(PREVIEW_KEY)
    if seen is None or seen.run.id != run.id:
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
    confirm = st.checkbox(f"Set {count(clear, 'cell')} of {run.object} back to blank in {org_label}",
                          disabled=not (may_act and clear), key=f"undo_confirm:{run.id}:{clear}")  # fresh per judgement
    if st.button("Undo", type="primary", icon=":material/undo:", disabled=not (may_act and confirm and clear),
                 key="undo_go"):
        bar = st.progress(0.0, text="Starting…")

        def _progress(p: engine.WriteProgress) -> None:
            bar.progress(min(1.0, p.settled / max(p.planned, 1)), text=f"{p.settled:,} of {p.planned:,} cells settled")

        try:
            undone = engine.undo(run.id, actor=actor, progress=_progress)
        except ConsoleError as error:
            frame.show_error(error)
        else:
            st.session_state.pop(PREVIEW_KEY, None)
            engine.after_write(run.connection, run.object, actor=actor)
            st.session_state[RESULT_KEY] = undone
            st.rerun()  # the page again, with the undo run in the log
