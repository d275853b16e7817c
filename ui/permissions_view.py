"""Rendering of a permission diagnosis: the use case in the URL, freshness, headline numbers, what will sync,
the grouped checklist with the fix under each failure, and the downloads. Text from the org is drawn as text."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from core import engine
from core.errors import ConsoleError
from ui import settings
from ui.text import count

USE_CASE_KEY = "use_case"
DEFAULT_USE_CASE = "enrichment"
_STATUS = {"pass": ("Pass", "green", ":material/check_circle:"), "warn": ("Warning", "orange", ":material/warning:"),
           "fail": ("Fail", "red", ":material/cancel:")}
_SAFE_TITLE = re.compile(r"^[A-Za-z0-9_. ]+$")
MAX_AGE_SECONDS = 4 * 3600


def _remember_use_case() -> None:
    st.query_params[USE_CASE_KEY] = st.session_state[USE_CASE_KEY]


def use_case() -> str:
    """The use case from the URL (a shared link opens the same report), else this session's, else enrichment.

    A link naming a use case this console does not have says so and shows the default. The choice is
    written back to the URL."""
    asked = st.query_params.get(USE_CASE_KEY)
    if asked in engine.USE_CASES:
        st.session_state[USE_CASE_KEY] = asked
    elif asked is not None:
        st.warning("This link asks for a use case this console does not have, so the default is shown: "
                   f"{engine.USE_CASES[DEFAULT_USE_CASE]}.", icon=":material/link_off:")
        st.session_state[USE_CASE_KEY] = DEFAULT_USE_CASE
    st.session_state.setdefault(USE_CASE_KEY, DEFAULT_USE_CASE)
    st.radio("Use case", list(engine.USE_CASES), key=USE_CASE_KEY, format_func=engine.USE_CASES.get, horizontal=True,
             on_change=_remember_use_case,
             help="Enrichment reads and writes Leads, Contacts and Accounts; Audit only reads (Opportunities and "
                  "Users too).")
    chosen = str(st.session_state[USE_CASE_KEY])
    st.query_params[USE_CASE_KEY] = chosen
    return chosen


def _explain(error: ConsoleError, heading: str) -> None:
    """A ConsoleError: our heading as an alert, Salesforce's words and the fix as plain text."""
    st.error(heading, icon=":material/error:")
    st.text(error.message)
    if error.fix:
        st.text(f"Fix: {error.fix}")


def load(name: str, chosen: str) -> engine.Report | None:
    """The connection's diagnosis (cached for every viewer; run now when there is none), or None after
    saying why it could not run."""
    try:
        with st.spinner("Asking Salesforce as the connected user (at most 5 API calls)…"):
            return engine.diagnose(name, use_case=chosen)
    except ConsoleError as error:
        _explain(error, "The permission check could not run.")
        return None


def _ago(iso: str) -> tuple[str, float]:
    seconds = max(0.0, (datetime.now(UTC) - datetime.fromisoformat(iso)).total_seconds())
    return _duration(seconds), seconds


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than a minute"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


def freshness(report: engine.Report, name: str) -> None:
    """When the check ran, what it cost, when it runs by itself next, and "Check again" (operators)."""
    ago, seconds = _ago(report.checked_at)
    left = _duration(max(0.0, MAX_AGE_SECONDS - seconds))
    row = st.container(horizontal=True, vertical_alignment="center")
    row.caption(f"Checked {ago} ago ({count(report.calls, 'API call')}, shared by everyone who opens this page) · "
                f"next automatic check in {left}.")
    actor = settings.actor()
    is_operator = actor.role == "operator"
    if row.button("Check again", icon=":material/refresh:", disabled=not is_operator,
                  help="Runs the diagnosis now." if is_operator else "Only operators can run the check again."):
        try:
            with st.spinner("Checking again…"):
                engine.diagnose(name, use_case=report.use_case, force=True, actor=actor)
        except ConsoleError as error:
            _explain(error, "The permission check could not run again; the last result is shown.")
            return
        st.rerun()


def headline(report: engine.Report) -> None:
    """Stopped early (sign-in or API refused) first, then failures, warnings and passes in a row."""
    if report.stopped:
        stage = "the sign-in" if report.stopped.get("stage") == "sign-in" else "the API"
        st.error(f"The diagnosis stopped at {stage}: only what is listed below could be checked.",
                 icon=":material/block:")
        st.text(report.stopped["message"])
        st.text(f"Fix: {report.stopped['fix']}")
    counts = report.counts()
    failed, warned, passed, calls = st.columns(4)
    failed.metric("Failed", f"{counts['fail']:,}", border=True)
    warned.metric("Warnings", f"{counts['warn']:,}", border=True,
                  help=f"{counts['unchecked']:,} of them are checks that could not be made (the evidence says why).")
    passed.metric("Passed", f"{counts['pass']:,}", border=True)
    calls.metric("API calls", f"{report.calls:,}", border=True, help="What the last diagnosis cost (at most 6).")
    titles = [f.title for f in report.failures()]
    if titles and all(_SAFE_TITLE.match(t) for t in titles):
        shown = ", ".join(t.replace("_", "\\_") for t in titles[:8]) + (f" and {len(titles) - 8} more" if len(titles) > 8
                                                                       else "")
        st.caption(f"To fix: {shown}. The fix is under each failure below; the permission set grants what a "
                   "permission can.")


def _of(part: int | None, whole: int | None) -> str:
    if part is None:
        return "—"
    return f"{part:,} of {whole:,}" if whole is not None else f"{part:,}"


def what_will_sync(report: engine.Report) -> None:
    """Objects, mapped fields readable and writable, and records visible out of the org's total."""
    st.subheader("What will sync")
    rows = [{"Object": r.object, "Access": r.access,
             "Mapped fields readable": _of(r.readable, r.fields) if r.fields else "—",
             "Mapped fields writable": _of(r.writable, r.fields) if r.fields and r.writable is not None else "—",
             "Records visible": _of(r.visible, r.total) if r.total is not None or r.visible is None
             else f"{r.visible:,} (the org's total needs View Setup)",
             "Share visible": (r.visible / r.total) if r.visible is not None and r.total else None}
            for r in report.sync]
    st.dataframe(pd.DataFrame(rows), hide_index=True, column_config={
        "Share visible": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent",
                                                         help="Records the user's sharing shows, of the org's total"),
    })


def downloads(report: engine.Report) -> None:
    """The report as Markdown and JSON, and the permission set that grants what is missing."""
    stem = f"permissions-{re.sub(r'[^A-Za-z0-9_-]+', '-', report.connection)}-{report.use_case}"
    row = st.container(horizontal=True)
    row.download_button("Report (Markdown)", engine.report_markdown(report), file_name=f"{stem}.md",
                        mime="text/markdown", icon=":material/description:", on_click="ignore")
    row.download_button("Report (JSON)", engine.report_json(report), file_name=f"{stem}.json",
                        mime="application/json", icon=":material/data_object:", on_click="ignore")
    found = engine.permission_set_file(report)
    if found is None:
        row.download_button("Permission set", "", file_name="nothing-missing.txt", disabled=True,
                            icon=":material/verified_user:", help="Nothing a permission set could grant is missing.")
    else:
        row.download_button("Permission set", found[1], file_name=found[0], mime="application/xml",
                            icon=":material/verified_user:", on_click="ignore",
                            help="Metadata API file granting exactly what is missing: review it, deploy it "
                                 "(sf project deploy start) and assign it to the user. The console never changes "
                                 "permissions itself.")
        with st.expander("Preview the permission set", icon=":material/code:"):
            st.caption("Save it as force-app/main/default/permissionsets/ + the file name below, deploy it with "
                       "`sf project deploy start`, then assign it to the user. Failures no permission can fix (a "
                       "field missing from the org, a formula field in the mapping) are not in it.")
            st.code(found[0], language=None)
            st.code(found[1], language="xml")


def _title(text: str) -> None:
    """A finding's title (our words and API names) in bold; anything else as plain text."""
    if _SAFE_TITLE.match(text):
        st.markdown("**" + text.replace("_", "\\_") + "**")
    else:
        st.text(text)


def _failure(finding: Any) -> None:
    with st.container(border=True):
        label, colour, icon = _STATUS["fail"]
        st.badge(label, icon=icon, color=colour)
        _title(finding.title)
        st.text(finding.evidence)
        st.text(f"Fix: {finding.fix}")


def checklist(report: engine.Report) -> None:
    """Each group: its failures with the fix under each, then a table of its warnings and passes."""
    for group, findings in report.by_group():
        counts = {s: sum(1 for f in findings if f.status == s) for s in ("fail", "warn", "pass")}
        st.subheader(group)
        st.caption(f"{counts['fail']} failed · {count(counts['warn'], 'warning')} · {counts['pass']} passed")
        for finding in findings:
            if finding.status == "fail":
                _failure(finding)
        rest = [f for f in findings if f.status != "fail"]
        if rest:
            table = pd.DataFrame([{"Status": _STATUS[f.status][0] if f.checked else "Not checked", "Check": f.title,
                                   "Evidence": f.evidence, "Fix": f.fix} for f in rest])
            if not table["Fix"].astype(bool).any():
                table = table.drop(columns="Fix")
            st.dataframe(table, hide_index=True, column_config={
                "Status": st.column_config.TextColumn(width=100),
                "Check": st.column_config.TextColumn(width=230),
                "Evidence": st.column_config.TextColumn(width="large"),
                "Fix": st.column_config.TextColumn(width="large"),
            })
