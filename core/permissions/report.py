"""A diagnosis report: every finding for one use case, what will sync, and its Markdown and JSON forms."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from core.permissions import checks_access as access
from core.permissions.checks_objects import field_checks, object_checks, records_checks
from core.permissions.model import EDIT_OBJECTS, GROUPS, OBJECTS, USE_CASES, Context, Finding, refused, value
from core.permissions.sources import Sources

STATUS_LABELS = {"pass": "Pass", "warn": "Warning", "fail": "Fail"}


@dataclass(frozen=True)
class SyncRow:
    """What will sync for one object: its access, the mapped fields readable and writable, records visible."""

    object: str
    access: str
    fields: int
    readable: int | None
    writable: int | None
    visible: int | None
    total: int | None


@dataclass(frozen=True)
class Report:
    """The findings of one diagnosis for one use case, with when it ran and how many API calls it took."""

    connection: str
    username: str
    use_case: str
    checked_at: str
    calls: int
    findings: tuple[Finding, ...]
    sync: tuple[SyncRow, ...]
    stopped: dict[str, str] | None = None    # {"stage", "message", "fix"} when it stopped at the sign-in or the API

    def counts(self) -> dict[str, int]:
        """pass / warn / fail counts, and how many of the warnings are checks that could not be made."""
        out = {status: sum(1 for f in self.findings if f.status == status) for status in ("pass", "warn", "fail")}
        out["unchecked"] = sum(1 for f in self.findings if not f.checked)
        return out

    def failures(self) -> list[Finding]:
        """The failing findings, in checklist order."""
        return [f for f in self.findings if f.status == "fail"]

    def by_group(self) -> list[tuple[str, list[Finding]]]:
        """The findings grouped for the checklist (groups in a fixed order, empty ones left out)."""
        return [(g, [f for f in self.findings if f.group == g]) for g in GROUPS
                if any(f.group == g for f in self.findings)]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the report."""
        return {"connection": self.connection, "username": self.username, "use_case": self.use_case,
                "use_case_label": USE_CASES[self.use_case], "checked_at": self.checked_at, "api_calls": self.calls,
                "counts": self.counts(), "stopped": self.stopped,
                "what_will_sync": [vars(row) for row in self.sync],
                "findings": [f.to_dict() for f in self.findings]}


def diagnose(payload: dict[str, Any], ctx: Context, *, checked_at: str) -> Report:
    """Every check for `ctx.use_case` over one collected payload (pure: the same payload gives the same report)."""
    if ctx.use_case not in USE_CASES:
        raise ValueError(f"unknown use case {ctx.use_case!r}; use one of {', '.join(USE_CASES)}")
    sources = Sources(payload)
    findings = [access.user_active(payload, ctx), access.api_enabled(payload, ctx, sources),
                access.view_setup(payload, ctx, sources), access.integration_user(ctx),
                *object_checks(payload, ctx, sources), *field_checks(payload, ctx, sources),
                *records_checks(payload, ctx),
                access.environment(payload, ctx), access.api_headroom(payload, ctx), access.bulk_api(payload, ctx)]
    stopped = None
    if payload.get("session"):
        stopped = {"stage": "sign-in", "message": f"Cannot connect as {ctx.username}: {payload['session']['message']}",
                   "fix": payload["session"]["fix"]}
    elif refused(payload.get("api")):
        stopped = {"stage": "API", "message": f"{ctx.username} is signed in, but Salesforce refuses it the API, so only API Enabled "
                              "could be checked.", "fix": "Give the user API Enabled (see below), then check again."}
    return Report(ctx.connection, ctx.username, ctx.use_case, checked_at, int(payload.get("calls") or 0),
                  tuple(findings), tuple(_sync_rows(payload, ctx, findings)), stopped)


def _sync_rows(payload: dict[str, Any], ctx: Context, findings: list[Finding]) -> list[SyncRow]:
    totals = value(payload.get("totals")) or {}
    rows = []
    for sobject in OBJECTS:
        described = value(payload.get("describe", {}).get(sobject))
        mapped = ctx.mapped.get(sobject, ())
        visible = value(payload.get("visible", {}).get(sobject))
        if described is None:
            access = "unknown" if not refused(payload.get("describe", {}).get(sobject)) else "none"
            rows.append(SyncRow(sobject, access, len(mapped), None, None, visible, totals.get(sobject)))
            continue
        editing = sobject in EDIT_OBJECTS[ctx.use_case]
        fields = {str(f["name"]).lower(): f for f in described["fields"]}
        readable = sum(1 for name in mapped if name.lower() in fields)
        writable = sum(1 for name in mapped if fields.get(name.lower(), {}).get("updateable")) if editing else None
        access = "read and edit" if described.get("updateable") else "read only"
        rows.append(SyncRow(sobject, access, len(mapped), readable, writable, visible, totals.get(sobject)))
    return rows


def _cell(text: str) -> str:
    """A Markdown table cell: pipes and line breaks escaped (the file is read as text; it is not rendered here)."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(report: Report) -> str:
    """The report as a Markdown document (for a ticket or an email to the Salesforce admin)."""
    counts = report.counts()
    lines = [f"# Permission diagnosis — {report.connection}", "",
             f"- User: {report.username}", f"- Use case: {USE_CASES[report.use_case]}",
             f"- Checked: {report.checked_at} ({report.calls} API calls)",
             (f"- Result: {counts['pass']} passed, {counts['warn']} warnings ({counts['unchecked']} not checked), "
              f"{counts['fail']} failed"), ""]
    if report.stopped:
        lines += [f"**{report.stopped['message']}**", "", f"Fix: {report.stopped['fix']}", ""]
    lines += ["## What will sync", "", "| object | access | mapped fields readable | writable | records visible |",
              "|---|---|---|---|---|"]
    for row in report.sync:
        readable = "—" if row.readable is None else f"{row.readable} of {row.fields}"
        writable = "—" if row.writable is None else f"{row.writable} of {row.fields}"
        visible = "—" if row.visible is None else (f"{row.visible:,} of {row.total:,}" if row.total is not None
                                                   else f"{row.visible:,}")
        lines.append(f"| {row.object} | {row.access} | {readable} | {writable} | {visible} |")
    for group, findings in report.by_group():
        lines += ["", f"## {group}", "", "| status | check | evidence | fix |", "|---|---|---|---|"]
        for f in findings:
            status = STATUS_LABELS[f.status] + ("" if f.checked else " (not checked)")
            lines.append(f"| {status} | {_cell(f.title)} | {_cell(f.evidence)} | {_cell(f.fix)} |")
    return "\n".join(lines) + "\n"


def to_json(report: Report) -> str:
    """The report as indented JSON."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
