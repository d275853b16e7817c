"""Checks on each object, each mapped and matching field, and the records the user can see."""
from __future__ import annotations

from typing import Any

from core.permissions.model import EDIT_OBJECTS, OBJECTS, Context, Finding, Grant, refused, value, why_not
from core.permissions.sources import Sources, granted

OBJECTS_GROUP, FIELDS_GROUP, RECORDS_GROUP = "Objects", "Fields", "Records"
_UNREADABLE = ("NOT_FOUND", "INVALID_TYPE")


def _describe(payload: dict[str, Any], sobject: str) -> dict[str, Any] | None:
    return value(payload.get("describe", {}).get(sobject))


def _cannot_read(payload: dict[str, Any], sobject: str) -> bool:
    """Whether the org answered that the user cannot read the object at all (describe 404 / INVALID_TYPE)."""
    problem = refused(payload.get("describe", {}).get(sobject))
    return bool(problem) and (str(problem.get("code")) in _UNREADABLE or problem.get("status") == 404)


def _settings(sobject: str) -> str:
    return f"Setup → Permission Sets → the set → Object Settings → {sobject} → Edit"


def _with(evidence: str, source: str) -> str:
    return f"{evidence}; {source}." if source else f"{evidence}."


def object_checks(payload: dict[str, Any], ctx: Context, sources: Sources) -> list[Finding]:
    """Read on every object; Edit on Lead, Contact and Account for enrichment."""
    found: list[Finding] = []
    place = f"a permission set assigned to {ctx.username}"
    for sobject in OBJECTS:
        described = _describe(payload, sobject)
        read_source = granted(sources.object(sobject, "read"), what="Read")
        if described is not None and (described.get("queryable") or described.get("retrieveable")):
            found.append(Finding("object_read", f"Read {sobject}", OBJECTS_GROUP, "pass",
                                 _with("describe: queryable", read_source), object=sobject))
        elif described is not None or _cannot_read(payload, sobject):
            said = "not queryable" if described is not None else why_not(payload["describe"][sobject])
            found.append(Finding("object_read", f"Read {sobject}", OBJECTS_GROUP, "fail",
                                 _with(f"The user cannot read {sobject} (describe: {said})", read_source),
                                 f"Add Read on {sobject} to {place} ({_settings(sobject)} → Read).", object=sobject,
                                 grants=(Grant("object", sobject, read=True),)))
        else:
            found.append(Finding("object_read", f"Read {sobject}", OBJECTS_GROUP, "warn",
                                 f"Could not check: {why_not(payload.get('describe', {}).get(sobject))}.",
                                 object=sobject, checked=False))
        if sobject not in EDIT_OBJECTS[ctx.use_case]:
            continue
        edit_source = granted(sources.object(sobject, "edit"), what="Edit")
        if described is not None and described.get("updateable"):
            found.append(Finding("object_edit", f"Edit {sobject}", OBJECTS_GROUP, "pass",
                                 _with("describe: updateable", edit_source), object=sobject))
        elif described is not None or _cannot_read(payload, sobject):
            found.append(Finding("object_edit", f"Edit {sobject}", OBJECTS_GROUP, "fail",
                                 _with(f"The user cannot edit {sobject} (describe: updateable = false)", edit_source),
                                 f"Add Edit on {sobject} to {place} ({_settings(sobject)} → Read and Edit).",
                                 object=sobject, grants=(Grant("object", sobject, read=True, edit=True),)))
        else:
            found.append(Finding("object_edit", f"Edit {sobject}", OBJECTS_GROUP, "warn",
                                 f"Could not check: {why_not(payload.get('describe', {}).get(sobject))}.",
                                 object=sobject, checked=False))
    return found


def _purpose(ctx: Context, sobject: str, name: str) -> str:
    roles = [r for r, fields in (("mapped", ctx.mapped), ("used to match records", ctx.matched))
             if name in fields.get(sobject, ())]
    return " and ".join(roles)


def _hidden(ctx: Context, sobject: str, name: str, need_edit: bool, exists: bool | None) -> list[Finding]:
    """A field describe does not list: hidden by field-level security, or not in this org at all."""
    qualified = f"{sobject}.{name}"
    place = f"a permission set assigned to {ctx.username}"
    access = "Read and Edit" if need_edit else "Read"
    if exists is False:
        evidence = (f"{qualified} is not in this org: describe does not list it and no profile or permission set "
                    "grants access to it.")
        fix = f"Remove it from the {sobject} mapping (Mapping page), or create the field (Setup → Object Manager)."
        grants: tuple[Grant, ...] = ()
        edit_grants: tuple[Grant, ...] = ()
    else:
        evidence = (f"Field-level security hides {qualified} from the user (the field exists: a profile or "
                    "permission set grants it)." if exists else
                    f"Describe does not list {qualified}: field-level security hides it from the user, or the org "
                    "has no such field.")
        fix = f"Add {access} on {qualified} to {place} ({_settings(sobject)} → Field Permissions)."
        if exists is None:
            fix += " If the field does not exist in this org, remove it from the mapping instead."
        grants, edit_grants = (Grant("field", qualified, read=True),), (Grant("field", qualified, read=True, edit=True),)
    out = [Finding("field_read", f"Read {qualified}", FIELDS_GROUP, "fail",
                   f"{evidence} ({_purpose(ctx, sobject, name)})", fix, sobject, name, grants=grants)]
    if need_edit:
        out.append(Finding("field_edit", f"Edit {qualified}", FIELDS_GROUP, "fail",
                           f"The user cannot edit {qualified}: it cannot see it (see Read {qualified}).", fix,
                           sobject, name, grants=edit_grants))
    return out


def _field_source(field: dict[str, Any], qualified: str, op: str, sources: Sources) -> str:
    """Who grants `op` on the field today; a required or system field is outside field-level security (no profile
    or permission set lists it, so "none grants it" would mislead)."""
    if field.get("permissionable") is False:
        return "not governed by field-level security (a required or system field: whoever can use the object can)"
    return granted(sources.field(qualified, op), what=op.title())


def _edit(field: dict[str, Any], described: dict[str, Any], ctx: Context, sources: Sources) -> Finding:
    sobject, name = str(described["name"]), str(field["name"])
    qualified = f"{sobject}.{name}"
    title = f"Edit {qualified}"
    source = _field_source(field, qualified, "edit", sources)
    if field.get("updateable"):
        return Finding("field_edit", title, FIELDS_GROUP, "pass", _with("describe: updateable", source), object=sobject,
                       field=name)
    if field.get("calculated") or not field.get("permissionable") and described.get("updateable"):
        return Finding("field_edit", title, FIELDS_GROUP, "fail",
                       f"{qualified} is read-only for everyone (a formula or a field Salesforce sets itself).",
                       f"Remove it from the {sobject} mapping (Mapping page).", sobject, name)
    fix = (f"Add Edit on {qualified} to a permission set assigned to {ctx.username} ({_settings(sobject)} → Field "
           f"Permissions → Edit Access on {field.get('label') or name}).")
    grants = (Grant("field", qualified, read=True, edit=True),) if field.get("permissionable") else ()
    if not described.get("updateable"):
        edit_known = sources.field(qualified, "edit")
        if edit_known:  # field-level security already allows it: only the object's Edit is missing
            grants = ()
        return Finding("field_edit", title, FIELDS_GROUP, "fail",
                       _with(f"The user cannot edit {sobject} at all (see Edit {sobject})", source),
                       f"Add Edit on {sobject} (see Edit {sobject})" + (f"; {fix[0].lower()}{fix[1:]}" if grants
                                                                        else "."), sobject, name, grants=grants)
    return Finding("field_edit", title, FIELDS_GROUP, "fail",
                   _with(f"Field-level security makes {qualified} read-only for the user (describe: updateable = "
                         "false)", source), fix, sobject, name, grants=grants)


def field_checks(payload: dict[str, Any], ctx: Context, sources: Sources) -> list[Finding]:
    """Field-level security on every mapped field (read; edit for enrichment) and on the fields matching reads."""
    found: list[Finding] = []
    for sobject in OBJECTS:
        names = ctx.fields_of(sobject)
        if not names:
            continue
        described = _describe(payload, sobject)
        editing = sobject in EDIT_OBJECTS[ctx.use_case]
        if described is None:  # one line for the object's fields, not one per field
            why = (f"the user cannot read {sobject} (see Read {sobject})" if _cannot_read(payload, sobject)
                   else why_not(payload.get("describe", {}).get(sobject)))
            found.append(Finding("field_read", f"{sobject} fields", FIELDS_GROUP, "warn",
                                 f"Could not check the {len(names)} mapped and matching fields ({', '.join(names)}): "
                                 f"{why}.", object=sobject, checked=False))
            continue
        for name in names:
            qualified = f"{sobject}.{name}"
            need_edit = editing and name in ctx.mapped.get(sobject, ())
            field = next((f for f in described["fields"] if str(f["name"]).lower() == name.lower()), None)
            if field is None:
                found += _hidden(ctx, sobject, name, need_edit, sources.field_exists(qualified))
                continue
            source = _field_source(field, qualified, "read", sources)
            found.append(Finding("field_read", f"Read {qualified}", FIELDS_GROUP, "pass",
                                 _with(f"describe lists it ({_purpose(ctx, sobject, name)})", source), object=sobject,
                                 field=name))
            if need_edit:
                found.append(_edit(field, described, ctx, sources))
    return found


def records_checks(payload: dict[str, Any], ctx: Context) -> list[Finding]:
    """Records visible per object against the org's total, warning when sharing hides some (a sync skips them)."""
    found: list[Finding] = []
    totals = value(payload.get("totals")) or {}
    for sobject in OBJECTS:
        title = f"{sobject} records visible"
        plural = (_describe(payload, sobject) or {}).get("labelPlural") or f"{sobject} records"
        answer = payload.get("visible", {}).get(sobject)
        seen = value(answer)
        if seen is None:
            found.append(Finding("records_visible", title, RECORDS_GROUP, "warn", f"Could not check: {why_not(answer)}.",
                                 object=sobject, checked=False))
            continue
        total = totals.get(sobject)
        upa = value(payload.get("user_permissions")) or {}
        if total is None and (upa.get("PermissionsViewAllData") or upa.get("PermissionsModifyAllData")):
            total = seen  # View All Data: sharing hides nothing from this user
        fix = (f"To sync every record, give {ctx.username} View All on {sobject} in a permission set ({_settings(sobject)}"
               " → View All), or share the records with the user (sharing rules, role hierarchy).")
        if total is None:
            why = why_not(payload.get("totals"))
            found.append(Finding("records_visible", title, RECORDS_GROUP, "warn",
                                 f"{seen:,} {plural} visible; the org's total could not be read ({why}), so records "
                                 "hidden by sharing cannot be counted.", object=sobject, checked=False))
        elif seen >= total:
            found.append(Finding("records_visible", title, RECORDS_GROUP, "pass",
                                 f"All {total:,} {plural} are visible to the user." if total else f"No {plural} yet.",
                                 object=sobject))
        else:
            found.append(Finding("records_visible", title, RECORDS_GROUP, "warn",
                                 f"{seen:,} of {total:,} {plural} visible: sharing hides {total - seen:,}, which a "
                                 "sync skips without a word.", fix, object=sobject))
    return found
