"""Mapping: which enrichment attribute fills which Salesforce field, per object, checked against the org."""
from __future__ import annotations

import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import frame, settings, snapshot_view, source_view, urlstate
from ui.text import blanks_empty, plain

OBJECTS = list(engine.SNAPSHOT_OBJECTS)
OBJECT_KEY = "mapping_object"
VERDICTS = {"fill": "Fill (blank now)", "keep": "Keep (never overwritten)", "same": "Same value", "no_data": "No data",
            "invalid": "Does not fit", "no_access": "Not writable"}


def _error(error: ConsoleError) -> None:
    st.error(plain(error.message), icon=":material/error:")
    if error.fix:
        st.markdown(f"**Fix:** {plain(error.fix)}")


def _object_from_url(name: str) -> str:
    """The object in ?object=, else the last one picked, else Account; an unknown one is said, not replaced."""
    asked = st.query_params.get("object")
    if asked is not None and asked not in OBJECTS:
        st.error(f"There is no mapping for “{plain(asked)}” here: the console enriches {', '.join(OBJECTS)}.",
                 icon=":material/link_off:")
        for sobject in OBJECTS:
            st.page_link("pages/mapping.py", label=f"Open the {sobject} mapping", query_params={
                "connection": name, "object": sobject})
        st.stop()
    if asked:
        st.session_state[OBJECT_KEY] = asked
    elif st.session_state.get(OBJECT_KEY) not in OBJECTS:
        st.session_state[OBJECT_KEY] = urlstate.last_object(OBJECTS, OBJECTS[0])
    chosen = st.radio("Object", OBJECTS, key=OBJECT_KEY, horizontal=True, on_change=_remember_object)
    st.query_params["object"] = chosen
    urlstate.remember_object(str(chosen))
    return str(chosen)


def _remember_object() -> None:
    """Mirror the picked object into the URL before the rerun, so the URL read first agrees with it."""
    st.query_params["object"] = st.session_state[OBJECT_KEY]


frame.ensure_router()
st.title("Mapping")
st.caption("Which enrichment attribute fills which Salesforce field — checked against what the connected user can "
           "read and write — and where the attributes come from.")
actor = settings.actor()
name = frame.require_connection("check a mapping against it")
sobject = _object_from_url(name)
draft_key, turn_key = f"mapping-draft:{name}:{sobject}", f"mapping-turn:{name}:{sobject}"

# -- the records this page samples, and how old they are -----------------------------------------------------------
snap = snapshot_view.load(name, sobject)
snapshot_view.age_line(snap)
if snapshot_view.refresh_button(name, sobject, actor, key=f"mapping-refresh:{name}:{sobject}"):
    st.rerun()

# -- the source ----------------------------------------------------------------------------------------------------
st.subheader("Enrichment source")
source_view.section(name, actor)

# -- the mapping: draft in the session until saved -----------------------------------------------------------------
plan, saved = engine.mapping(name, sobject)
if draft_key not in st.session_state:
    st.session_state[draft_key] = plan.to_json()
draft = engine.parse_mapping(st.session_state[draft_key], sobject)
try:
    payload: dict | None = engine.describe(name, sobject)
except ConsoleError as error:
    payload = None
    _error(error)
findings = engine.lint_mapping(draft, payload) if payload is not None else []

st.subheader(f"{sobject} mapping")
counts = st.columns(5)
counts[0].metric("Mapped fields", f"{len(draft.fields):,}")
counts[1].metric("Errors", f"{sum(f.level == 'error' for f in findings):,}")
counts[2].metric("Warnings", f"{sum(f.level == 'warning' for f in findings):,}")
counts[3].metric("Saved version", f"v{saved.version}" if saved else "defaults")
counts[4].metric("Records in snapshot", f"{snap.records:,}" if snap is not None and snap.available else "—")
changed = draft.to_json() != plan.to_json()
st.caption((f"Version {saved.version}, saved by {plain(saved.saved_by)} at {saved.saved_at}." if saved else
            "The defaults, never saved for this connection.")
           + (" **Unsaved changes below.**" if changed else ""))

table = engine.mapping_checks(draft, payload) if payload is not None else engine.mapping_rows(draft).assign(check="—")
turn = st.session_state.setdefault(turn_key, 0)
edited = st.data_editor(
    table, key=f"mapping-editor:{name}:{sobject}:{turn}", num_rows="dynamic", hide_index=True, width="stretch",
    height=min(36 * (len(table) + 2), 900),
    disabled=True if actor.role != "operator" else ["check"],
    column_config={
        "attribute": st.column_config.TextColumn("attribute", help="Enrichment attribute path, e.g. metrics.employees"),
        "field": st.column_config.TextColumn("field", help="Salesforce field API name, e.g. NumberOfEmployees"),
        "transform": st.column_config.SelectboxColumn("transform", options=["", "none", "text", "truncate", "join",
                                                                            "picklist", "int", "number"]),
        "options": st.column_config.TextColumn("options", help='JSON, e.g. {"length": 40, "fallback": ["x"]}'),
        "check": st.column_config.TextColumn("linter", width="large", help="What the linter found for this row"),
    })
try:
    edited_plan = engine.mapping_from_rows(sobject, edited.drop(columns="check"), draft.placeholders)
except ConsoleError as error:
    _error(error)
else:
    if edited_plan.to_json() != draft.to_json():
        st.session_state[draft_key] = edited_plan.to_json()
        st.session_state[turn_key] = turn + 1
        st.rerun()

actions = st.container(horizontal=True)
note = st.text_input("Note for this version (optional)", key=f"mapping-note:{name}:{sobject}",
                     disabled=actor.role != "operator")
if actions.button("Save mapping", type="primary", disabled=actor.role != "operator" or not changed,
                  help="Only operators can save mappings." if actor.role != "operator" else None):
    try:
        version = engine.save_mapping(name, sobject, draft, actor=actor, note=note)
    except ConsoleError as error:
        _error(error)
    else:
        st.toast(f"Saved version {version.version} of the {sobject} mapping.")
        st.rerun()
if actions.button("Discard changes", disabled=not changed):
    st.session_state[draft_key] = plan.to_json()
    st.session_state[turn_key] = turn + 1
    st.rerun()
if actions.button("Start from the defaults", disabled=actor.role != "operator"):
    st.session_state[draft_key] = engine.default_mapping(sobject).to_json()
    st.session_state[turn_key] = turn + 1
    st.rerun()
actions.download_button("Export JSON", draft.to_json(), file_name=f"{name}-{sobject}-mapping.json",
                        mime="application/json", icon=":material/download:")

with st.expander("Import a mapping (JSON)", icon=":material/upload:"):
    upload = st.file_uploader("Mapping file", type=["json"], key=f"mapping-import:{name}:{sobject}")
    if upload is not None and st.button("Load it into the editor", disabled=actor.role != "operator"):
        try:
            imported = engine.parse_mapping(upload.getvalue().decode("utf-8", errors="replace"), sobject)
        except ConsoleError as error:
            _error(error)
            st.caption("Nothing was changed.")
        else:
            st.session_state[draft_key] = imported.to_json()
            st.session_state[turn_key] = turn + 1
            st.rerun()

# -- five real records -------------------------------------------------------------------------------------------
st.subheader("What five real records would receive")
if snap is not None and snap.available:
    try:
        sample = engine.mapping_sample(name, sobject, draft)
    except ConsoleError as error:
        _error(error)
    else:
        sample["verdict"] = sample["verdict"].map(VERDICTS).astype("string")
        st.dataframe(blanks_empty(sample.drop(columns="Id")), hide_index=True, width="stretch")
        unread = [f for f in draft.field_names() if f not in snap.field_names]
        if unread:
            st.caption(f"Not in the snapshot yet, so not shown: {plain(', '.join(unread))}. Save the mapping; the next "
                       "refresh reads them (or they are hidden from the connected user).")
else:
    st.info("No records to sample yet: refresh the snapshot above.", icon=":material/hourglass_empty:")

# -- history -------------------------------------------------------------------------------------------------------
st.subheader("History")
versions = engine.mapping_history(name, sobject)
if not versions:
    st.caption("Nothing saved yet: the defaults are in use.")
else:
    st.dataframe([{"version": v.version, "saved at": v.saved_at, "saved by": v.saved_by, "note": v.note,
                   "what changed": "; ".join(v.changes)} for v in versions], hide_index=True, width="stretch")
    pick = st.selectbox("Version", [v.version for v in versions], format_func=lambda n: f"v{n}",
                        key=f"mapping-version:{name}:{sobject}")
    chosen = next(v for v in versions if v.version == pick)
    with st.expander(f"Version {pick} as JSON"):
        st.code(chosen.body, language="json", height=320)
    if st.button(f"Restore version {pick}", disabled=actor.role != "operator" or pick == versions[0].version,
                 help="Only operators can restore mappings." if actor.role != "operator" else
                 "Saved as a new version; nothing is lost."):
        try:
            engine.restore_mapping(name, sobject, int(pick), actor=actor)
        except ConsoleError as error:
            _error(error)
        else:
            st.session_state.pop(draft_key, None)
            st.session_state[turn_key] = turn + 1
            st.rerun()
