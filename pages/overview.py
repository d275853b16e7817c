"""Overview: where we stand — every connection with its health, environment, org, user and API usage."""
from __future__ import annotations

import streamlit as st

from core import engine
from ui import badges, connection_view, frame, logs_view, org_counts_view, settings, snapshot_view
from ui.text import code, count, plain

frame.ensure_router()
st.title("Overview")
infos = engine.connections()
if not infos:
    st.info("No org is connected yet. Start with **Connect**: the built-in Demo org needs no Salesforce account.",
            icon=":material/link:")
    st.page_link("pages/connect.py", label="Connect an org", icon=":material/link:")

current = frame.current_name()
for info in sorted(infos, key=lambda i: (i.name != current, i.name)):
    with st.container(border=True):
        title, env = st.columns([4, 1])
        title.subheader(plain(info.name) + (" (current)" if info.name == current else ""))
        badges.environment_badge(info.environment.badge, env)
        status = connection_view.health(info)
        connection_view.health_block(status)
        if info.readable:
            profile = plain(info.profile) if info.profile else "profile not readable"
            st.markdown(f"**Org:** {plain(info.org_name)} ({code(info.org_id)}) · {plain(info.organization_type)} · "
                        f"{'sandbox' if info.is_sandbox else 'not a sandbox'}  \n"
                        f"**User:** {plain(info.user_name)} ({plain(info.username)}) · {profile} · "
                        f"{plain(info.environment.label)}")
        if info.environment_mismatch:
            st.warning(plain(info.environment_mismatch), icon=":material/warning:")
        used = connection_view.usage(info) if status.status != "needs_reconnect" else None
        if used is not None and used.max:
            st.progress(min(1.0, used.used / used.max),
                        text=f"API requests in the last 24 h: {used.used:,} of {used.max:,} "
                             f"({used.used / used.max:.0%}; from {'/limits' if used.source == 'limits' else 'the last response'})")
        elif status.status != "needs_reconnect":
            st.caption("API usage: not known yet (needs View Setup for /limits, or a first API call).")
        if status.status != "connected":
            st.page_link("pages/connect.py", label="Fix on Connect", icon=":material/build:",
                         query_params={"connection": info.name})
        # -- permissions: the last diagnosis of this connection, read without calling the org (issue 11)
        last = {use: engine.last_diagnosis(info.name, use_case=use) for use in engine.USE_CASES} if info.readable else {}
        if last and all(last.values()):
            parts = [f"{use}: {r.counts()['pass']} passed, {count(r.counts()['warn'], 'warning')}, {r.counts()['fail']} failed"
                     for use, r in last.items() if r is not None]
            st.caption(f"Permissions — {' · '.join(parts)} (checked {connection_view.checked(last['enrichment'].checked_at)}).")  # type: ignore[union-attr]
        if info.readable:
            st.page_link("pages/permissions.py", label="Open Permissions" if all(last.values()) else
                         "Check permissions (not checked yet)", icon=":material/verified_user:",
                         query_params={"connection": info.name})
        # -- snapshots and enrichment source (issue 12): age, records, next refresh per object; no API call --
        if info.readable:
            snapshot_view.overview_block(info, settings.actor())
            if status.status != "needs_reconnect":
                org_counts_view.fill_block(info, settings.actor())

# -- the last runs (issue 14): what each wrote, skipped and failed, and the way to its rows on Logs
st.subheader("Last runs")
last_runs = engine.runs(limit=5)
if not last_runs:
    st.caption("No run yet: the log fills when an operator applies a preview.")
else:
    logs_view.runs_table(last_runs)
    st.page_link("pages/logs.py", label="Rows of the last run on Logs", icon=":material/receipt_long:",
                 query_params={"run": last_runs[0].id, "scope": "all"})
