"""What the Logs page draws: headline numbers, charts, the run summary, the rows table, a record's drill-down and
provenance (the Preview's record drill-down shows provenance too). Everything is read through core.engine."""
from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from core import engine
from ui import palette
from ui.text import blanks_empty


@st.cache_data(ttl=600, show_spinner=False, hash_funcs={engine.LogFilter: repr})
def aggregates(filters: engine.LogFilter, version: int) -> tuple[int, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(rows, per day and outcome, fill rates per day and field, failure codes) for the filters, kept until the log
    grows (`version`)."""
    return (engine.log_count(filters), *engine.log_charts(filters))


def _local(times: pd.Series) -> pd.Series:
    """UTC ISO times as datetimes in the viewer's time zone (UTC when the browser did not say)."""
    parsed = pd.to_datetime(times, utc=True, format="ISO8601")
    zone = getattr(st.context, "timezone", None)
    try:
        return parsed.dt.tz_convert(zone) if zone else parsed
    except (ValueError, TypeError, KeyError):
        return parsed


def headline(total: int, per_day: pd.DataFrame, runs: int, *, write_ahead: bool = False) -> None:
    """The row of metrics: cells (or log rows, write-ahead rows shown) matching, written, cleared by undo, skipped,
    failed, runs."""
    by = per_day.groupby("outcome")["rows"].sum() if len(per_day) else pd.Series(dtype="int64")
    skipped = int(sum(by.get(o, 0) for o in ("skipped_nonblank", "skipped_invalid", "skipped_no_access")))
    cols = st.columns(6)
    if write_ahead:
        cols[0].metric("Log rows", f"{total:,}", help="every row that matches: the pending row logged before each "
                       "write and the cell's final row both count")
    else:
        cols[0].metric("Cells", f"{total:,}", help="one row per cell that matches: its final row, or its pending row "
                       "when it never settled (maybe sent). 'Show write-ahead rows' lists the pending rows too")
    cols[1].metric("Written", f"{int(by.get('written', 0)):,}", help=palette.OUTCOMES["written"].meaning)
    cols[2].metric("Cleared by undo", f"{int(by.get('undone', 0)):,}", help=palette.OUTCOMES["undone"].meaning)
    cols[3].metric("Skipped", f"{skipped:,}", help="left alone: filled since, invalid, or no access")
    cols[4].metric("Failed", f"{int(by.get('failed', 0)):,}", help="Salesforce refused the write")
    cols[5].metric("Runs", f"{runs:,}")


def charts(per_day: pd.DataFrame, rates: pd.DataFrame, failures: pd.DataFrame) -> None:
    """Writes per day by outcome, fill rate per field over time, and why cells were not written."""
    daily, fill, why = st.tabs(["Writes per day", "Fill rate per field", "Why not written"])
    domain, colours = palette.scale(palette.OUTCOMES)
    labels = [palette.label(palette.OUTCOMES, o) for o in domain]
    outcome_colour = alt.Color("label:N", scale=alt.Scale(domain=labels, range=colours), title="outcome")
    with daily:
        if per_day.empty:
            st.caption("No settled row matches these filters.")
        else:
            frame = per_day.assign(label=per_day["outcome"].map(lambda o: palette.label(palette.OUTCOMES, o)))
            days = pd.to_datetime(frame["day"])
            span = (days.max() - days.min()).days + 3  # a day of room either side: one day is one bar, not the axis
            first, last = (days.min() - pd.Timedelta(days=1)), (days.max() + pd.Timedelta(days=1))
            st.altair_chart(alt.Chart(frame).mark_bar(width=max(2, min(28, 640 // span))).encode(
                x=alt.X("day:T", title="day (UTC)", scale=alt.Scale(type="utc", domain=[first.isoformat(),
                                                                                       last.isoformat()]),
                        axis=alt.Axis(format="%Y-%m-%d", labelAngle=-45, tickCount={"interval": "day",
                                                                                   "step": max(1, span // 12)})),
                y=alt.Y("rows:Q", title="cells"), color=outcome_colour, order=alt.Order("order:Q"),
                tooltip=["day", "label", alt.Tooltip("rows:Q", format=",")]).transform_calculate(
                    order=f"indexof({domain!r}, datum.outcome)"), width="stretch")
    with fill:
        if rates.empty:
            st.caption("No settled row matches these filters.")
        else:
            tooltip = ["day", "field", alt.Tooltip("fill_rate:Q", format=".1%"), "written", "settled"]
            share = alt.Axis(format="%")
            if rates["day"].nunique() == 1:  # one day: a bar per field reads better than lone points
                chart = alt.Chart(rates).mark_bar(color=palette.OUTCOMES["written"].colour).encode(
                    y=alt.Y("field:N", title=None, sort="-x"), tooltip=tooltip,
                    x=alt.X("fill_rate:Q", title=f"cells written of those attempted on {rates['day'].iloc[0]}",
                            axis=share, scale=alt.Scale(domain=[0, 1])))
            else:
                chart = alt.Chart(rates).mark_line(point=True).encode(
                    x=alt.X("day:O", title="day (UTC)", axis=alt.Axis(labelAngle=-45)), tooltip=tooltip,
                    y=alt.Y("fill_rate:Q", title="cells written of those attempted", axis=share,
                            scale=alt.Scale(domain=[0, 1])), color=alt.Color("field:N", title="field"))
            st.altair_chart(chart, width="stretch")
            st.caption("Fill rate: the share of the cells attempted that day that were written.")
    with why:
        if failures.empty:
            st.caption("Every settled cell that matches was written.")
        else:
            frame = failures.assign(label=failures["outcome"].map(lambda o: palette.label(palette.OUTCOMES, o)))
            st.altair_chart(alt.Chart(frame).mark_bar().encode(
                y=alt.Y("code:N", title=None, sort="-x"), x=alt.X("rows:Q", title="cells"), color=outcome_colour,
                tooltip=["code", "label", alt.Tooltip("rows:Q", format=","), "message"]), width="stretch")
            st.dataframe(frame[["code", "label", "rows", "message", "message_rows"]], hide_index=True, width="stretch",
                         column_config={"code": "Code", "label": "Outcome", "rows": st.column_config.NumberColumn(
                             "Cells", format="localized"), "message": "Most frequent message",
                             "message_rows": st.column_config.NumberColumn("with this message", format="localized")})


def runs_table(runs: list[engine.Run]) -> None:
    """The runs behind the rows: trigger, actor, counts, API calls and state."""
    if not runs:
        st.caption("No run matches these filters.")
        return
    frame = pd.DataFrame([{
        "run": r.id, "started": r.started, "connection": r.connection, "environment": r.environment, "object": r.object,
        "trigger": r.trigger, "actor": r.actor, "state": r.state, "cells": r.cells,
        **{palette.label(palette.OUTCOMES, o): engine.run_counts(r).get(o, 0) for o in engine.LOG_OUTCOMES},
        "API calls": r.api_calls, "message": r.message} for r in runs])
    frame["started"] = _local(frame["started"])
    st.dataframe(blanks_empty(frame), hide_index=True, width="stretch", column_config={
        "run": "Run", "started": st.column_config.DatetimeColumn("Started", format="YYYY-MM-DD HH:mm:ss"),
        "connection": "Connection", "environment": "Environment", "object": "Object", "trigger": "Trigger",
        "actor": "Actor", "message": "Message",
        "state": st.column_config.TextColumn("State", help="running, done, or interrupted (Resume continues it)"),
        "cells": st.column_config.NumberColumn("Cells", format="localized"),
        **{palette.label(palette.OUTCOMES, o): st.column_config.NumberColumn(format="localized")
           for o in engine.LOG_OUTCOMES}})


def rows_table(rows: pd.DataFrame, key: str, *, selectable: bool = True) -> Any:
    """One page of log rows with a link to each record; single-row selection (when selectable) opens its drill-down."""
    table = rows.assign(time=_local(rows["time"]),
                        outcome=rows["shown"].map(lambda o: palette.label(palette.OUTCOMES, o)))
    columns = ["link", "time", "record_name", "object", "field", "before", "after", "outcome", "error_code", "message",
               "run_id", "trigger", "actor", "source", "connection", "record_id"]
    return st.dataframe(
        blanks_empty(table[columns]), hide_index=True, width="stretch", on_select="rerun" if selectable else "ignore",
        selection_mode="single-row", key=key,
        column_config={
            "link": st.column_config.LinkColumn("Record", display_text=r"https?://.*/(\w+)$",
                                                help="Open the record in Salesforce"),
            "time": st.column_config.DatetimeColumn("Time", format="YYYY-MM-DD HH:mm:ss",
                                                    help="in your time zone"),
            "record_name": "Name", "object": "Object", "field": "Field", "before": "Before", "after": "Value sent",
            "outcome": st.column_config.TextColumn("Outcome", help=palette.legend(palette.OUTCOMES)),
            "error_code": "Code", "message": "Message", "run_id": "Run", "trigger": "Trigger", "actor": "Actor",
            "source": "Source", "connection": "Connection", "record_id": None})


def provenance_table(frame: pd.DataFrame) -> None:
    """Per field: the value now and whether the console wrote it (run, time, source, actor)."""
    table = frame.assign(status=frame["status"].map(lambda s: palette.label(palette.PROVENANCE, s)),
                         time=_local(frame["time"]))
    st.dataframe(blanks_empty(table[["field", "current", "status", "written", "time", "run_id", "source", "actor",
                                     "trigger", "last_outcome"]]), hide_index=True, width="stretch", column_config={
        "field": "Field", "current": "Value now", "written": "Value the console wrote",
        "status": st.column_config.TextColumn("Written by the console?", help=palette.legend(palette.PROVENANCE)),
        "time": st.column_config.DatetimeColumn("Written at", format="YYYY-MM-DD HH:mm:ss"), "run_id": "Run",
        "source": "Source", "actor": "Actor", "trigger": "Trigger", "last_outcome": "Last attempt"})
