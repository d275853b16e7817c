"""The Logs page's filters: every one read from the URL first and written back, so a copied link shows the same rows.

URL parameters: scope (all = every connection; otherwise the sidebar's), environment, object, field, outcome,
trigger, actor (comma-separated lists), since / until (YYYY-MM-DD, UTC, both days included), run, record,
write_ahead (1 = every row, the pending row logged before each write included; else one row per cell).
"""
from __future__ import annotations

from datetime import date
from typing import Any

import streamlit as st

from core import engine
from ui import palette, urlstate

PARAMS: tuple[str, ...] = ("scope", "environment", "object", "field", "outcome", "trigger", "actor", "since", "until",
                           "run", "record", "write_ahead", "page", "detail")


def _date(container: Any, label: str, param: str) -> date | None:
    """A date input whose day lives in the URL (YYYY-MM-DD); a malformed day in a link is said so and ignored."""
    key = f"url_{param}"
    if key not in st.session_state:
        raw = st.query_params.get(param) or ""
        try:
            st.session_state[key] = date.fromisoformat(raw) if raw else None
        except ValueError:
            urlstate._unknown(param, [raw])
            st.session_state[key] = None
    chosen = container.date_input(label, key=key, format="YYYY-MM-DD")
    chosen = chosen if isinstance(chosen, date) else None
    urlstate.write(param, chosen.isoformat() if chosen else "", "")
    return chosen


def _write_ahead(container: Any) -> bool:
    """The "Show write-ahead rows" checkbox, kept in the URL as write_ahead=1 (off: one row per cell)."""
    key = "url_write_ahead"
    if key not in st.session_state:
        st.session_state[key] = (st.query_params.get("write_ahead") or "") in ("1", "true")
    shown = container.checkbox(
        "Show write-ahead rows", key=key,
        help="Before each write the console logs a pending row, then the final one (written, skipped, failed). Off: "
             "one row per cell — its final row, or its pending row when it never settled (maybe sent; Resume "
             "settles it). On: every row the log holds.")
    urlstate.write("write_ahead", "1" if shown else "", "")
    return bool(shown)


def _run_label(runs: dict[str, engine.Run]) -> Any:
    def label(run_id: str) -> str:
        if not run_id:
            return "All runs"
        run = runs.get(run_id)
        if run is None:
            return run_id
        return f"{run.id} · {run.connection}/{run.object} · {run.trigger} by {run.actor} · {run.state}"
    return label


def _run(container: Any, base: engine.LogFilter) -> str | None:
    """The run filter: a choice among the runs the other filters leave (and the linked one, when it exists)."""
    key = "url_run"
    listed = {r.id: r for r in engine.log_runs(base, limit=200)}
    if key not in st.session_state:
        asked = st.query_params.get("run") or ""
        found = engine.run(asked) if asked else None
        if asked and found is None:
            urlstate._unknown("run", [asked])
        st.session_state[key] = asked if found is not None else ""
    chosen = st.session_state[key]
    if chosen and chosen not in listed:
        found = engine.run(chosen)
        if found is not None:
            listed[chosen] = found
    options = ["", *listed]
    if chosen not in options:
        st.session_state[key] = ""
    value = container.selectbox("Run", options, key=key, format_func=_run_label(listed))
    urlstate.write("run", value or "", "")
    return value or None


def read(current: str | None) -> engine.LogFilter:
    """Draw the filters (in a bordered box) and return what they select."""
    facets = engine.log_facets()
    with st.container(border=True):
        a, b, c, d, e = st.columns([2, 1.5, 1.5, 1.6, 1.6])  # the dates need room for YYYY-MM-DD
        scope = "all"
        if current:
            scope = urlstate.choice("scope", ("this", "all"), "this")
            scope = a.segmented_control("Connections", ("this", "all"), default=scope, key="logs_scope",
                                        format_func=lambda s: current if s == "this" else "All connections",
                                        help="The sidebar's connection, or every connection's rows") or scope
            urlstate.write("scope", scope, "this")
        else:
            a.caption("Connections: all (none is chosen in the sidebar)")
        environments = urlstate.multiselect(b, "Environment", "environment", facets["environments"])
        objects = urlstate.multiselect(c, "Object", "object", facets["objects"])
        since = _date(d, "From (UTC)", "since")
        until = _date(e, "To (UTC)", "until")
        f, g, h, i = st.columns(4)
        fields = urlstate.multiselect(f, "Field", "field", facets["fields"])
        outcomes = urlstate.multiselect(g, "Outcome", "outcome", list(engine.LOG_OUTCOMES),
                                        lambda o: palette.label(palette.OUTCOMES, o))
        triggers = urlstate.multiselect(h, "Trigger", "trigger", facets["triggers"])
        actors = urlstate.multiselect(i, "Actor", "actor", facets["actors"])
        base = engine.LogFilter(
            since=since.isoformat() if since else None, until=engine.log_until_day(until) if until else None,
            connections=(current,) if current and scope == "this" else (), environments=tuple(environments),
            objects=tuple(objects), fields=tuple(fields), outcomes=tuple(outcomes), triggers=tuple(triggers),
            actors=tuple(actors))
        j, k, m = st.columns([2.6, 1, 1.4], vertical_alignment="bottom")
        run_id = _run(j, base)
        record_id = urlstate.text("Record Id", "record", k)
        write_ahead = _write_ahead(m)
    if since and until and until < since:
        st.warning("The range ends before it starts: no row can match.", icon=":material/date_range:")
    return base.narrowed(run_id=run_id, record_id=record_id or None, write_ahead=write_ahead)
