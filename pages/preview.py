"""Preview: what would a sync change? Every cell's current value, proposed value and verdict, before anything is written."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import auto_apply_view, frame, logs_view, palette, settings, undo_view, urlstate
from ui.text import blanks_empty, count, plain

PAGE_SIZE = 200

frame.ensure_router()
st.title("Preview")
st.caption("What would a sync change? Each blank field the enrichment would fill and each value it keeps — "
           "nothing is written from this page until an operator applies it.")

name = frame.require_connection("preview what a sync would write")

sobject = urlstate.choice("object", engine.PREVIEW_OBJECTS, urlstate.last_object(engine.PREVIEW_OBJECTS, "Account"))
sobject = st.segmented_control("Object", engine.PREVIEW_OBJECTS, default=sobject, key="preview_object") or sobject
urlstate.write("object", sobject, "Account")
urlstate.remember_object(sobject)

try:
    with st.spinner(f"Reading {sobject} records and judging every cell…"):
        view = engine.preview(name, sobject)
except ConsoleError as error:
    st.error(error.message, icon=":material/error:")
    st.caption(f"Fix: {error.fix}")
    st.stop()

result = view.preview
age = engine.age_text(view.fetched_at)
st.caption(f"Records read {age} · enrichment source: {plain(view.source)} · mapping: {view.mapping.sobject} "
           f"({len(view.mapping.fields)} fields)")

# --- headline numbers --------------------------------------------------------------------------------------------
verdicts = result.verdict_counts()
records_with_fill = engine.records_to_write(result)
cols = st.columns(6)
cols[0].metric("Records", f"{len(result.records):,}")
cols[1].metric("Cells to fill", f"{verdicts['fill']:,}", help=f"in {records_with_fill:,} records")
cols[2].metric("Values kept", f"{verdicts['keep']:,}", help="hold a value already: never overwritten")
cols[3].metric("No data", f"{verdicts['no_data']:,}")
cols[4].metric("Invalid", f"{verdicts['invalid']:,}", help="the value does not fit the field")
cols[5].metric("No access", f"{verdicts['no_access']:,}", help="the connected user cannot edit the field")

# --- charts ------------------------------------------------------------------------------------------------------
rates, by_verdict, matches = st.tabs(["Fill rate before / after", "Verdicts per field", "Match results"])
with rates:
    fill = engine.fill_rates(result).melt("field", var_name="when", value_name="share")
    st.altair_chart(alt.Chart(fill).mark_bar().encode(
        y=alt.Y("field:N", title=None, sort=None), x=alt.X("share:Q", title="records with a value", axis=alt.Axis(format="%")),
        yOffset=alt.YOffset("when:N", sort=["before", "after"]),
        color=alt.Color("when:N", title=None, sort=["before", "after"], scale=alt.Scale(range=["#b0bec5", "#2e7d32"])),
        tooltip=["field", "when", alt.Tooltip("share:Q", format=".1%")]), width="stretch")
with by_verdict:
    totals = result.totals.drop(columns="total").reset_index().melt("field", var_name="verdict", value_name="cells")
    totals["label"] = totals["verdict"].map(lambda v: palette.label(palette.VERDICTS, v))
    domain, colours = palette.scale(palette.VERDICTS)
    st.altair_chart(alt.Chart(totals).mark_bar().encode(
        y=alt.Y("field:N", title=None, sort=None), x=alt.X("cells:Q", title="cells", stack="normalize",
                                                         axis=alt.Axis(format="%")),
        color=alt.Color("verdict:N", scale=alt.Scale(domain=domain, range=colours), title="verdict"),
        order=alt.Order("verdict_order:Q"),
        tooltip=["field", "label", "verdict", "cells"]).transform_calculate(
            verdict_order=f"indexof({domain!r}, datum.verdict)"), width="stretch")
with matches:
    counts = pd.DataFrame({"match": list(result.match_counts()), "records": list(result.match_counts().values())})
    counts["label"] = counts["match"].map(lambda m: palette.label(palette.MATCHES, m))
    domain, colours = palette.scale(palette.MATCHES)
    st.altair_chart(alt.Chart(counts).mark_bar().encode(
        y=alt.Y("label:N", title=None, sort=None), x=alt.X("records:Q", title="records"),
        color=alt.Color("match:N", scale=alt.Scale(domain=domain, range=colours), legend=None),
        tooltip=["label", "match", "records"]), width="stretch")

# --- the cells ---------------------------------------------------------------------------------------------------
st.subheader("Cells")
FILTERS = ("verdict", "field", "match", "owner", "q", "page")
urlstate.restore(f"preview:{sobject}", FILTERS, frame.arrived())
f1, f2, f3, f4 = st.columns([2, 2, 2, 2])
chosen_verdicts = urlstate.multiselect(f1, "Verdict", "verdict", list(palette.VERDICTS),
                                       lambda v: palette.label(palette.VERDICTS, v))
chosen_fields = urlstate.multiselect(f2, "Field", "field", result.fields)
chosen_matches = urlstate.multiselect(f3, "Match", "match", list(palette.MATCHES),
                                      lambda m: palette.label(palette.MATCHES, m))
chosen_owners = urlstate.multiselect(f4, "Owner", "owner", engine.preview_owners(result))
search = urlstate.text("Search a record (name, Id or key)", "q")
filters = engine.PreviewFilters(tuple(chosen_verdicts), tuple(chosen_fields), tuple(chosen_matches),
                                tuple(chosen_owners), search)
positions = engine.select_cells(result, filters)
pages = max(1, -(-len(positions) // PAGE_SIZE))
page_no = urlstate.number("page", 1, pages)
if pages > 1:
    page_no = st.number_input(f"Page (of {pages:,})", 1, pages, page_no, key="preview_page")
    urlstate.write("page", str(page_no), "1")
urlstate.keep(f"preview:{sobject}", FILTERS)
first = (page_no - 1) * PAGE_SIZE
table = engine.cells_page(result, positions, first, PAGE_SIZE)
if len(positions):
    st.caption(f"Cells {first + 1:,}–{first + len(table):,} of {len(positions):,}")
else:
    st.caption("No cell matches these filters.")
table["link"] = view.instance_url.rstrip("/") + "/" + table["Id"]
table["verdict"] = table["verdict"].map(lambda v: palette.label(palette.VERDICTS, v))
table["match"] = table["match"].map(lambda m: palette.label(palette.MATCHES, m))
picked = st.dataframe(
    blanks_empty(table[["link", "name", "field", "current", "proposed", "verdict", "reason", "match", "key", "owner",
                        "Id"]]),
    hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", key="preview_cells",
    column_config={
        "link": st.column_config.LinkColumn("Record", display_text=r"https?://.*/(\w+)$",
                                            help="Open the record in Salesforce"),
        "name": st.column_config.TextColumn("Name"), "field": st.column_config.TextColumn("Field"),
        "current": st.column_config.TextColumn("Current value"), "proposed": st.column_config.TextColumn("Proposed"),
        "reason": st.column_config.TextColumn("Reason"), "key": st.column_config.TextColumn("Match key"),
        "owner": st.column_config.TextColumn("Owner"),
        "verdict": st.column_config.TextColumn("Verdict", help="; ".join(f"{v[0]}: {v[2]}" for v in palette.VERDICTS.values())),
        "match": st.column_config.TextColumn("Match"),
        "Id": None,
    })
info = engine.connection(name)
demo_org = info is not None and info.environment.kind == "demo"
if demo_org:
    st.caption("Record links open each record in Salesforce; the built-in demo org has no record pages to open.")
st.download_button("Download these cells (CSV)",  # built on click, not on every rerun
                   lambda: engine.cells_page(result, positions, 0, len(positions)).to_csv(index=False).encode(),
                   f"preview-{sobject}.csv", "text/csv", icon=":material/download:", on_click="ignore",
                   disabled=not len(positions))

# --- one record --------------------------------------------------------------------------------------------------
rows = picked.selection.rows if picked and picked.selection else []
if rows:
    urlstate.write("record", str(table.iloc[rows[0]]["Id"]), "")
record_id = st.query_params.get("record", "")
if record_id:
    detail = engine.preview_record(result, record_id)
    st.subheader("Record")
    if detail is None:
        st.warning("The linked record is not in this preview (another object, deleted, or not visible to this user).",
                   icon=":material/search_off:")
        st.code(record_id, language=None)
    else:
        facts, cells = detail
        if demo_org:
            st.caption("The built-in demo org has no record pages: in a real org, **Open in Salesforce** is here.")
        else:
            st.link_button("Open in Salesforce", f"{view.instance_url.rstrip('/')}/{record_id}",
                           icon=":material/open_in_new:")
        st.dataframe(blanks_empty(pd.DataFrame([facts])), hide_index=True, width="stretch")
        cells["verdict"] = cells["verdict"].map(lambda v: palette.label(palette.VERDICTS, v))
        st.dataframe(blanks_empty(cells), hide_index=True, width="stretch")
        # provenance (issue 14): does each field hold the value the console wrote? (the preview's values, no read)
        st.markdown("**Provenance** — does each field hold the value the console wrote?")
        logs_view.provenance_table(engine.provenance(name, sobject, record_id,
                                                     current=dict(zip(cells["field"], cells["current"], strict=True))))

# --- approve and write (operators) -------------------------------------------------------------------------------
st.subheader("Approve and write")
actor = settings.actor()
may_write = actor.role == "operator"
scope = st.radio("Approve", ["Every cell to fill", "Only the cells the filters show"], horizontal=True,
                 key="preview_scope")
fill_fields = [f for f in result.fields if int(result.totals.loc[f, "fill"]) > 0]
approved_fields = st.multiselect("Fields to write", fill_fields, default=fill_fields, key="preview_fields")
approved = engine.approved_cells(result, fields=tuple(approved_fields),
                                 positions=positions if scope.startswith("Only") else None)
records, writes, reads = engine.write_cost(approved)
usage = engine.api_usage(name)
budget = (f" · {usage.max - usage.used:,} of {usage.max:,} daily API requests left" if usage and usage.max else "")
st.caption(f"{count(len(approved), 'cell')} in {count(records, 'record')} · cost about "
           f"{count(writes + reads, 'API call')} ({count(writes, 'write')} of up to 200 records, "
           f"{count(reads, 'fresh read')} of up to 2,000){budget}")
org_label = f"{info.environment.badge} — {plain(info.org_name)}" if info and info.org_name else plain(name)
interrupted = [r for r in engine.runs(connection=name, sobject=sobject, state="interrupted", limit=5)]


LAST_RUN_KEY = "preview_last_run"


def _show_run(run: engine.Run) -> None:
    """The result of a run: counts per outcome, its message, a test's cells, and where its rows are."""
    counts = {palette.label(palette.OUTCOMES, k): v for k, v in run.counts.items() if v}
    (st.success if run.state == "done" else st.warning)(
        f"Run {run.id}: {run.state} — " + (", ".join(f"{k} {v:,}" for k, v in counts.items()) or "nothing to do")
        + f" · {count(run.api_calls, 'API call')}", icon=":material/task_alt:")
    if run.message:
        st.text(run.message)
    if run.trigger == "test":
        rows = engine.log_rows(run_id=run.id)
        rows = rows[rows["outcome"] != "pending"]
        st.dataframe(blanks_empty(rows.assign(outcome=rows["outcome"].map(lambda o: palette.label(palette.OUTCOMES, o)))[
                         ["record_id", "field", "before", "after", "outcome", "message"]]),
                     hide_index=True, width="stretch", column_config={
                         "record_id": st.column_config.TextColumn("Record Id"),
                         "field": st.column_config.TextColumn("Field"), "before": st.column_config.TextColumn("Before"),
                         "after": st.column_config.TextColumn("After"), "outcome": st.column_config.TextColumn("Outcome"),
                         "message": st.column_config.TextColumn("Salesforce said")})
    st.page_link("pages/logs.py", label="See every cell of this run in Logs", icon=":material/receipt_long:",
                 query_params={"connection": name, "run": run.id})


def _written(run: engine.Run) -> None:
    """After a write: refresh the records it changed, keep its result for the next run of the page, and redraw —
    so the counts, the cells and the confirmation describe what is left to write, not what was just written."""
    engine.after_write(name, sobject, actor=actor)
    st.session_state[LAST_RUN_KEY] = (name, sobject, run.id)
    st.rerun()


last = st.session_state.get(LAST_RUN_KEY)
if last and last[:2] == (name, sobject) and (shown_run := engine.run(last[2])) is not None:
    _show_run(shown_run)


if not may_write:
    st.info("Only operators can write to Salesforce; you can read every preview.", icon=":material/lock:")
test_id = str(approved["Id"].iloc[0]) if len(approved) else None
left, right = st.columns(2)
if left.button("Test on one record", disabled=not (may_write and test_id), icon=":material/science:",
               help="Write the approved cells of the first approved record now and show the result"):
    try:
        run = engine.apply(name, sobject, approved[approved["Id"] == test_id], actor=actor, trigger="test")
    except ConsoleError as error:
        st.error(error.message, icon=":material/error:")
        st.caption(f"Fix: {error.fix}")
    else:
        _written(run)
# The box confirms exactly this set: another set of cells (a filter, a field, a refresh after a write) asks again.
approval = engine.approval_key(approved)
confirm = right.checkbox(f"Write {count(len(approved), 'cell')} to {count(records, sobject + ' record')} in {org_label}",
                         disabled=not (may_write and len(approved)),
                         key=f"preview_confirm:{name}:{sobject}:{len(approved)}:{approval}")
if right.button("Apply", type="primary", disabled=not (may_write and confirm and len(approved)),
                icon=":material/cloud_upload:"):
    bar = st.progress(0.0, text="Starting…")

    def _progress(p: engine.WriteProgress) -> None:
        bar.progress(min(1.0, p.settled / max(p.planned, 1)), text=f"{p.settled:,} of {p.planned:,} cells settled")

    try:
        run = engine.apply(name, sobject, approved, actor=actor, progress=_progress)
    except ConsoleError as error:
        st.error(error.message, icon=":material/error:")
        st.caption(f"Fix: {error.fix}")
    else:
        bar.progress(1.0, text="Done")
        _written(run)
for run in interrupted:
    st.warning(f"Run {run.id} was interrupted: {count(run.cells, 'cell')} planned.", icon=":material/pause_circle:")
    if run.message:
        st.text(run.message)
    if st.button("Resume", key=f"resume_{run.id}", disabled=not may_write, icon=":material/play_arrow:"):
        try:
            _written(engine.resume(run.id, actor=actor))
        except ConsoleError as error:
            st.error(error.message, icon=":material/error:")
            st.caption(f"Fix: {error.fix}")


# --- the schedule's automatic apply for this connection and object (operators switch it) --------------------------
auto_apply_view.block(name, sobject, actor, org_label)

# --- undo a run: it lives on the Logs page beside the run's cells; links to the latest runs that can be undone ------
st.divider()
undo_view.links(name, sobject)
