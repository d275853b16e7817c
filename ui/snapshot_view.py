"""How old the records are, the last refresh failure, "Refresh now" with a progress bar, and the overview's table."""
from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import org_counts_view
from ui.text import count, plain


def _clock(epoch: float | None) -> str:
    return "—" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


def age_text(snap: engine.Snapshot | None) -> str:
    """"Lead records from 2 h 10 min ago · refresh in 1 h 50 min" (or why there are none)."""
    if snap is None or not snap.available:
        return "No records pulled yet."
    due = (snap.next_refresh_at or 0) - time.time()
    when = f"refresh in {engine.describe_age(due)}" if due > 0 else "refresh due on the next view"
    running = " · refreshing now" if snap.refreshing else ""
    return (f"{snap.sobject} records from {engine.describe_age(snap.age())} ago · {count(snap.records, 'record')} · {when}"
            f" · {snap.kind} pull over {snap.method}, {count(snap.api_calls, 'API call')}{running}")


def age_line(snap: engine.Snapshot | None) -> None:
    """The data-age caption every page with Salesforce data shows, and the failure, if the last refresh failed."""
    st.caption(age_text(snap))
    failure_block(snap)


def failure_block(snap: engine.Snapshot | None) -> None:
    """The last failed refresh: why, the fix, when it is tried again, and that the previous records stay in use."""
    if snap is None or snap.failure is None:
        return
    kept = (f" The records shown are from the previous snapshot ({engine.describe_age(snap.age())} old)."
            if snap.available else "")
    st.warning(f"**The last refresh of {snap.sobject} failed** at {_clock(snap.failure.at)}: "
               f"{plain(snap.failure.message)}{kept}", icon=":material/sync_problem:")
    st.markdown(f"**Fix:** {plain(snap.failure.fix)}  \n"
                f"Next automatic try in {engine.describe_age(snap.failure.retry_at - time.time())} "
                f"({_clock(snap.failure.retry_at)}).")


def _progress_callback(slot: Any, sobject: str) -> Any:
    bar: list[Any] = []

    def show(done: int, total: int) -> None:
        if not bar:
            bar.append(slot.progress(0.0))
        bar[0].progress(min(1.0, done / total) if total else 1.0, text=f"{done:,} of {total:,} {sobject} records")

    return show


def load(name: str, sobject: str, *, refresh: bool = False, actor: engine.Actor | None = None) -> engine.Snapshot | None:
    """engine.snapshot with a progress bar while it pulls; a refusal or error is shown and None returned."""
    slot = st.empty()
    try:
        return engine.snapshot(name, sobject, actor=actor, refresh=refresh, progress=_progress_callback(slot, sobject))
    except ConsoleError as error:
        st.error(plain(error.message), icon=":material/error:")
        st.markdown(f"**Fix:** {plain(error.fix)}")
        return None
    finally:
        slot.empty()


def refresh_button(name: str, sobject: str, actor: engine.Actor, *, key: str) -> bool:
    """"Refresh now" (operators; disabled with the reason for viewers); True when a refresh ran (or failed and
    was recorded), False when it was not asked for or was refused (the reason is shown)."""
    viewer = actor.role != "operator"
    if not st.button(f"Refresh {sobject} now", key=key, disabled=viewer, icon=":material/sync:",
                     help="Only operators can refresh." if viewer else
                     f"Pull the {sobject} records now instead of waiting for the 4-hour refresh."):
        return False
    snap = load(name, sobject, refresh=True, actor=actor)
    if snap is not None and snap.failure is None:
        st.toast(f"{sobject}: {count(snap.records, 'record')} pulled ({snap.kind}, {snap.method}, {count(snap.api_calls, 'API call')}).")
    return snap is not None


def overview_table(name: str) -> pd.DataFrame:
    """Per object: records, age, next refresh, how it was pulled and its state — from the cache, no API call."""
    rows = []
    for sobject in engine.SNAPSHOT_OBJECTS:
        snap = engine.snapshot_status(name, sobject)
        due = snap.next_refresh_at if snap else None
        state = ("not pulled yet" if snap is None else "refreshing" if snap.refreshing
                 else "last refresh failed (see below)" if snap.failure else "ok")
        rows.append({"object": sobject, "records": f"{snap.records:,}" if snap and snap.available else "—",
                     "age": engine.describe_age(snap.age()) if snap and snap.available else "—",
                     "next refresh": ("due" if due is not None and due <= time.time()
                                      else f"in {engine.describe_age(due - time.time())}" if due else "on first view"),
                     "pulled": f"{snap.kind}, {snap.method}, {count(snap.api_calls, 'API call')}" if snap and snap.available
                     else "—", "state": state})
    return pd.DataFrame(rows)


def overview_block(info: engine.ConnectionInfo, actor: engine.Actor) -> None:
    """The overview's snapshot and source block for one connection."""
    st.markdown(f"**Enrichment source:** {plain(engine.enrichment_source(info.name).label)}")
    table, why = org_counts_view.in_org_column(overview_table(info.name), info.name)
    st.dataframe(table[["object", "records", "in org", *table.columns[2:-1]]], hide_index=True, width="stretch",
                 column_config={"records": st.column_config.TextColumn(  # "4,316" or "—"
                                    alignment="right", help="Records pulled: the ones the connected user can see."),
                                "in org": st.column_config.NumberColumn(
                                    format="localized", help="Every record in the org, whatever the sharing "
                                    "(/limits/recordCount, read at most every 4 hours).")})
    if why:
        st.caption(f"Records in the org are not known: {plain(why)}")
    for sobject in engine.SNAPSHOT_OBJECTS:
        failure_block(engine.snapshot_status(info.name, sobject))
    buttons = st.container(horizontal=True)
    for sobject in engine.SNAPSHOT_OBJECTS:
        with buttons:
            if refresh_button(info.name, sobject, actor, key=f"refresh:{info.name}:{sobject}"):
                st.rerun()
