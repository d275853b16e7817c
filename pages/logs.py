"""Logs: what did we write, when, and why not? Every write attempt and skip, filterable, exportable, linked to its record."""
from __future__ import annotations

import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import frame, logs_filters, logs_view, settings, undo_view, urlstate
from ui.text import plain

PAGE_SIZE = 200


@st.cache_data(ttl=60, show_spinner=False)
def _provenance(connection: str, sobject: str, record_id: str, version: int) -> object:
    """The record's provenance, read from Salesforce at most once a minute per log version (one describe, one read)."""
    return engine.provenance(connection, sobject, record_id)


frame.ensure_router()
st.title("Logs")
st.caption("What did we write, when, and why not? Every cell the console tried to write — written, skipped or "
           "failed — with who ran it and why, linked to its record in Salesforce. Filters live in the address: "
           "copy it to show a colleague the same rows.")

current = frame.current_name()
version = engine.log_version()
if version == 0:
    st.info("Nothing has been written yet: the log fills when an operator applies a preview.", icon=":material/inbox:")
    st.page_link("pages/preview.py", label="Open Preview", icon=":material/preview:")
    st.stop()

FILTERS = ("scope", "environment", "object", "field", "outcome", "trigger", "actor", "since", "until", "run", "record",
           "write_ahead", "page")
urlstate.restore("logs", FILTERS, frame.arrived())
filters = logs_filters.read(current)
urlstate.keep("logs", FILTERS)
total, per_day, rates, failures = logs_view.aggregates(filters, version)
runs = engine.log_runs(filters, limit=50)
logs_view.headline(total, per_day, len(runs), write_ahead=filters.write_ahead)
logs_view.charts(per_day, rates, failures)

st.subheader("Runs")
st.caption("The runs behind these rows (connection, environment, object, trigger, actor, run, time range and "
           "record filters), newest first.")
logs_view.runs_table(runs)

# --- the rows ----------------------------------------------------------------------------------------------------
st.subheader("Rows")
pages = max(1, -(-total // PAGE_SIZE))
page_no = urlstate.number("page", 1, pages)
if pages > 1:
    page_no = st.number_input(f"Page (of {pages:,})", 1, pages, page_no, key="logs_page")
urlstate.write("page", str(page_no), "1")
first = (page_no - 1) * PAGE_SIZE
rows = engine.log_page(filters, offset=first, limit=PAGE_SIZE)
if total:
    st.caption(f"Rows {first + 1:,}–{first + len(rows):,} of {total:,}, newest first"
               + ("" if filters.write_ahead else " (one per cell; 'Show write-ahead rows' adds the pending rows)"))
    signature = abs(hash((repr(filters), page_no, st.session_state.get("logs_closed", 0))))
    picked = logs_view.rows_table(rows, key=f"logs_rows_{signature}")
    chosen = picked.selection.rows if picked and picked.selection else []
    if chosen:
        urlstate.write("detail", str(rows.iloc[chosen[0]]["record_id"]), "")
else:
    st.info("No row matches these filters.", icon=":material/filter_alt_off:")
left, right, _ = st.columns([1, 1, 3])
left.download_button("CSV", lambda: engine.export_log(filters, "csv"), "enrichment-log.csv", "text/csv",
                     icon=":material/download:", disabled=not total, on_click="ignore",
                     help=f"Every one of the {total:,} rows that match, streamed from the log")
right.download_button("Parquet", lambda: engine.export_log(filters, "parquet"), "enrichment-log.parquet",
                      "application/vnd.apache.parquet", icon=":material/download:", disabled=not total,
                      on_click="ignore", help="The same rows as Parquet (for pandas, DuckDB, a warehouse)")
if total > 1_000_000:
    st.caption("For more than a million rows the command line streams to a file: "
               "`python -m core logs --since … --parquet FILE`.")

# --- undo the chosen run (operators): what it would clear, what it keeps, then the undo ---------------------------
if filters.run_id:
    st.divider()
    undo_view.for_run(filters.run_id, settings.actor())

# --- one record --------------------------------------------------------------------------------------------------
detail = st.query_params.get("detail", "")
if detail:
    st.subheader("Record")
    history = engine.log_page(engine.LogFilter(record_id=detail, write_ahead=filters.write_ahead), limit=500)
    if history.empty:
        st.warning("The log has no row for this record.", icon=":material/search_off:")
        st.code(detail, language=None)
    else:
        latest = history.iloc[0]
        top_left, top_right = st.columns([3, 1])
        top_left.markdown(f"**{plain(latest['record_name'] or detail)}** · {plain(latest['object'])} "
                          f"{plain(detail)} · connection {plain(latest['connection'])}")
        if latest["link"]:
            top_right.link_button("Open in Salesforce", latest["link"], icon=":material/open_in_new:")
        st.markdown("**Provenance** — does each field hold the value the console wrote?")
        if engine.connection(str(latest["connection"])) is None:
            st.info("The connection that wrote this record is gone, so its current values cannot be read; its "
                    "history is below.", icon=":material/link_off:")
        else:
            try:
                logs_view.provenance_table(_provenance(str(latest["connection"]), str(latest["object"]), detail,
                                                       version))  # type: ignore[arg-type]
            except ConsoleError as error:
                frame.show_error(error, "The record's current values could not be read.")
        st.markdown("**History** — the log rows of this record, newest first (one per cell unless write-ahead rows are shown)")
        logs_view.rows_table(history, key="logs_history", selectable=False)
    if st.button("Close the record", icon=":material/close:"):
        st.session_state["logs_closed"] = st.session_state.get("logs_closed", 0) + 1
        urlstate.write("detail", "", "")
        st.rerun()
