"""Checks about the user and the org: active, API Enabled, View Setup, integration user, environment, API budget, Bulk."""
from __future__ import annotations

import math
from typing import Any

from core.permissions.model import EDIT_OBJECTS, OBJECTS, Context, Finding, Grant, refused, value, why_not
from core.permissions.sources import Sources, granted

ACCESS, ORG = "Access", "Org and limits"
READ_PAGE, WRITE_BATCH, REREAD_BATCH = 2000, 200, 2000
_NEEDS_VIEW_SETUP = ("which profile or permission set grants each access (PermissionSetAssignment, ObjectPermissions, "
                     "FieldPermissions), the org's record totals (/limits/recordCount) and /limits")


def _not_checked(check: str, title: str, group: str, why: str) -> Finding:
    return Finding(check, title, group, "warn", f"Could not check: {why}.", checked=False)


def _place(ctx: Context) -> str:
    return f"a permission set assigned to {ctx.username}"


def user_active(payload: dict[str, Any], ctx: Context) -> Finding:
    """The user is active: a refused sign-in says so; otherwise userinfo or the User row."""
    title = "User is active"
    session = payload.get("session")
    if session:
        return Finding("user_active", title, ACCESS, "fail", f"Salesforce refused the sign-in: {session['message']}",
                       f"{session['fix']} Then reconnect and check again.")
    identity = value(payload.get("identity")) or {}
    user = value(payload.get("user")) or {}
    active = identity.get("active", user.get("IsActive"))
    if active is False:
        return Finding("user_active", title, ACCESS, "fail", f"{ctx.username} is inactive (userinfo: active = false).",
                       "Ask a Salesforce admin to reactivate the user (Setup → Users), or connect as an active "
                       "integration user.")
    return Finding("user_active", title, ACCESS, "pass", f"{ctx.username} is active and signed in (userinfo).")


def api_enabled(payload: dict[str, Any], ctx: Context, sources: Sources) -> Finding:
    """API Enabled: UserPermissionAccess where it can be read, else the API_DISABLED_* answer, saying which."""
    title = "API Enabled"
    problem = refused(payload.get("api"))
    if problem:
        code = str(problem.get("code") or "")
        meaning = ("Salesforce says the user lacks API Enabled" if code.upper() == "API_DISABLED_FOR_USER" else
                   "what a user without API Enabled gets (an org whose edition has no API answers the same)")
        return Finding("api_enabled", title, ACCESS, "fail",
                       f"The REST API refused this user with {code} — {meaning}. Salesforce said: "
                       f"{problem.get('message')}",
                       f"Add the system permission API Enabled to {_place(ctx)} (Setup → Permission Sets → the set "
                       "→ System Permissions → Edit → API Enabled), or to the user's profile; then check again. If the "
                       "org's edition has no API access (Professional Edition without the API add-on), no permission "
                       "helps.", grants=(Grant("user", "ApiEnabled"),))
    if value(payload.get("api")) is None:
        return _not_checked("api_enabled", title, ACCESS, why_not(payload.get("api")))
    upa = value(payload.get("user_permissions"))
    if upa is None:
        return Finding("api_enabled", title, ACCESS, "pass", "The REST API answered this user's calls "
                       f"(UserPermissionAccess could not be read: {why_not(payload.get('user_permissions'))}).")
    source = granted(sources.system("PermissionsApiEnabled") if sources.readable else None, what="API Enabled")
    return Finding("api_enabled", title, ACCESS, "pass",
                   "UserPermissionAccess.PermissionsApiEnabled = true" + (f"; {source}." if source else "."))


def view_setup(payload: dict[str, Any], ctx: Context, sources: Sources) -> Finding:
    """View Setup and Configuration: without it, say which checks fall back to describe alone."""
    title = "View Setup and Configuration"
    upa = value(payload.get("user_permissions"))
    if upa is None:
        return _not_checked("view_setup", title, ACCESS, why_not(payload.get("user_permissions")))
    if upa.get("PermissionsViewSetup"):
        source = granted(sources.system("PermissionsViewSetup") if sources.readable else None)
        return Finding("view_setup", title, ACCESS, "pass",
                       "UserPermissionAccess.PermissionsViewSetup = true" + (f"; {source}." if source else "."))
    return Finding("view_setup", title, ACCESS, "warn",
                   f"{ctx.username} lacks it, so the console could not read {_NEEDS_VIEW_SETUP}. Object and field "
                   "checks use describe alone; API headroom uses the last response's Sforce-Limit-Info header.",
                   f"Optional (the sync itself does not need it): add View Setup and Configuration to {_place(ctx)} "
                   "for a report that names where each access comes from and counts records hidden by sharing.")


def integration_user(ctx: Context) -> Finding:
    """A dedicated integration user rather than a person (when a person leaves, the link breaks)."""
    title = "Dedicated integration user"
    if ctx.person_hint is None:
        return Finding("integration_user", title, ACCESS, "pass",
                       f"{ctx.username} looks like a dedicated integration user.")
    return Finding("integration_user", title, ACCESS, "warn", ctx.person_hint,
                   "Create a dedicated integration user (Salesforce Integration license, profile 'Minimum Access - "
                   "API Only Integrations') with a permission set granting only what this report lists, and "
                   "connect as that user.")


def environment(payload: dict[str, Any], ctx: Context) -> Finding:
    """The chosen environment against Organization.IsSandbox."""
    title = "Environment matches the org"
    org = value(payload.get("organization"))
    if org is None:
        return _not_checked("environment", title, ORG, why_not(payload.get("organization")))
    is_sandbox = bool(org.get("IsSandbox"))
    actual = "a sandbox" if is_sandbox else "a production org"
    seen = f"{org.get('Name')} is {actual} (Organization.IsSandbox = {str(is_sandbox).lower()})"
    if ctx.expects_sandbox is None or ctx.expects_sandbox == is_sandbox:
        chosen = f"chosen as {ctx.environment_label}" if ctx.environment_label else "as chosen"
        return Finding("environment", title, ORG, "pass", f"{seen}, {chosen}.")
    status = "fail" if ctx.use_case == "enrichment" else "warn"
    return Finding("environment", title, ORG, status,
                   f"{seen}, but the connection was made as {ctx.environment_label}: writes would go to {actual}.",
                   "Disconnect and connect again choosing the environment this org really is, or sign in to the "
                   "org you meant to use.")


def _api_why(payload: dict[str, Any]) -> str:
    """Why nothing past the sign-in could be asked."""
    return "the API is refused to this user" if refused(payload.get("api")) else why_not(payload.get("api"))


def _api_left(payload: dict[str, Any]) -> tuple[int, int, str] | None:
    daily = (value(payload.get("limits")) or {}).get("DailyApiRequests")
    if daily:
        return int(daily["Remaining"]), int(daily["Max"]), "/limits"
    usage = payload.get("api_usage")
    if usage:
        return max(0, int(usage[1]) - int(usage[0])), int(usage[1]), "the Sforce-Limit-Info header"
    return None


def api_headroom(payload: dict[str, Any], ctx: Context) -> Finding:
    """Daily API requests left against the estimated cost of a full pull (and, for enrichment, a full write)."""
    title = "API requests left today"
    if value(payload.get("api")) is None:
        return _not_checked("api_headroom", title, ORG, _api_why(payload))
    left = _api_left(payload)
    counts = {name: value(payload.get("visible", {}).get(name)) for name in OBJECTS}
    if left is None:
        return _not_checked("api_headroom", title, ORG, why_not(payload.get("limits")))
    remaining, allowance, source = left
    known = {k: int(n) for k, n in counts.items() if n is not None}
    pull = sum(max(1, math.ceil(n / READ_PAGE)) for n in known.values())
    write = sum(math.ceil(n / WRITE_BATCH) + math.ceil(n / REREAD_BATCH) for k, n in known.items()
                if k in EDIT_OBJECTS[ctx.use_case])
    cost = pull + write
    evidence = (f"{remaining:,} of {allowance:,} API requests left in the last 24 hours (from {source}). A full pull "
                f"of the {sum(known.values()):,} visible records costs about {pull:,} calls (2,000 records a page)")
    if ctx.use_case == "enrichment":
        evidence += f"; a full write about {write:,} more (re-read 2,000 and write 200 records a call)"
    fix = ("Sync fewer records at a time or wait for the rolling 24-hour window to free requests; a Salesforce "
           "admin can buy more API calls. Bulk API 2.0 reads cost far fewer calls.")
    if cost > remaining:
        return Finding("api_headroom", title, ORG, "fail", evidence + ": more than is left.", fix)
    if cost > remaining / 2:
        return Finding("api_headroom", title, ORG, "warn", evidence + ": more than half of what is left.", fix)
    return Finding("api_headroom", title, ORG, "pass", evidence + ".")


def bulk_api(payload: dict[str, Any], ctx: Context) -> Finding:
    """Bulk API 2.0 available: query jobs allowed and left today (from /limits)."""
    title = "Bulk API 2.0 available"
    limits = value(payload.get("limits"))
    if limits is None:
        why = why_not(payload.get("limits")) if value(payload.get("api")) else _api_why(payload)
        return _not_checked("bulk_api", title, ORG, why)
    jobs = limits.get("DailyBulkV2QueryJobs")
    if not jobs:
        return Finding("bulk_api", title, ORG, "warn", "/limits lists no DailyBulkV2QueryJobs: this org may not "
                       "offer Bulk API 2.0.", "Large pulls fall back to the REST API (2,000 records a call).")
    if int(jobs.get("Max") or 0) <= 0 or int(jobs.get("Remaining") or 0) <= 0:
        return Finding("bulk_api", title, ORG, "warn",
                       f"Bulk API 2.0 query jobs left today: {jobs.get('Remaining')} of {jobs.get('Max')}.",
                       "Large pulls fall back to the REST API until the daily allowance frees up.")
    return Finding("bulk_api", title, ORG, "pass",
                   f"Bulk API 2.0 query jobs left today: {int(jobs['Remaining']):,} of {int(jobs['Max']):,}.")
