"""The permission set that grants exactly what a report found missing, as a Metadata API file for an admin to deploy.

`<Name>.permissionset-meta.xml` (force-app/main/default/permissionsets/), valid for `sf project deploy start`:
elements in the order Salesforce itself retrieves them. The console never deploys or assigns it.
"""
from __future__ import annotations

import re
from xml.sax.saxutils import escape

from core.permissions.model import USE_CASES, Grant
from core.permissions.report import Report

NAMESPACE = "http://soap.sforce.com/2006/04/metadata"
SUFFIX = ".permissionset-meta.xml"


def api_name(connection: str, use_case: str) -> str:
    """A valid permission set API name for a connection and use case, e.g. Enrichment_Console_demo_enrichment.

    Letters, digits and single underscores, starting with a letter, not ending with one, at most 80 characters.
    """
    raw = re.sub(r"[^A-Za-z0-9]+", "_", f"Enrichment_Console_{connection}_{use_case}")
    name = re.sub(r"_+", "_", raw).strip("_")[:80].rstrip("_")
    return name if name[:1].isalpha() else f"P_{name}"[:80].rstrip("_")


def merged(report: Report) -> tuple[dict[str, tuple[bool, bool]], dict[str, tuple[bool, bool]], list[str]]:
    """Every failure's grants merged: objects {name: (read, edit)}, fields {Object.Field: (read, edit)}, user permissions."""
    objects: dict[str, tuple[bool, bool]] = {}
    fields: dict[str, tuple[bool, bool]] = {}
    users: list[str] = []
    grants: list[Grant] = [g for f in report.failures() for g in f.grants]
    for grant in grants:
        if grant.kind == "user":
            users.append(grant.name)
            continue
        table = objects if grant.kind == "object" else fields
        read, edit = table.get(grant.name, (False, False))
        table[grant.name] = (read or grant.read or grant.edit, edit or grant.edit)
    return dict(sorted(objects.items())), dict(sorted(fields.items())), sorted(set(users))


def _flag(value: bool) -> str:
    return "true" if value else "false"


def permission_set(report: Report, *, name: str | None = None) -> tuple[str, str] | None:
    """(file name, XML) of a permission set granting exactly what the report's failures need; None when nothing is.

    Failures no permission can fix (a field missing from the org, a formula field in the mapping, a
    refused sign-in) add nothing: their fixes say what to change instead.
    """
    objects, fields, users = merged(report)
    if not (objects or fields or users):
        return None
    name = name or api_name(report.connection, report.use_case)
    label = f"Enrichment Console: {USE_CASES[report.use_case]}"[:80]
    description = (f"What {report.username} lacked for {report.use_case} on the connection {report.connection}, "
                   f"found by the Enrichment Console on {report.checked_at}. Review, deploy and assign it to the "
                   "user.")[:255]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<PermissionSet xmlns="{NAMESPACE}">',
             f"    <description>{escape(description)}</description>"]
    for field, (read, edit) in fields.items():
        lines += ["    <fieldPermissions>", f"        <editable>{_flag(edit)}</editable>",
                  f"        <field>{escape(field)}</field>", f"        <readable>{_flag(read)}</readable>",
                  "    </fieldPermissions>"]
    lines += ["    <hasActivationRequired>false</hasActivationRequired>", f"    <label>{escape(label)}</label>"]
    for sobject, (read, edit) in objects.items():
        lines += ["    <objectPermissions>", "        <allowCreate>false</allowCreate>",
                  "        <allowDelete>false</allowDelete>", f"        <allowEdit>{_flag(edit)}</allowEdit>",
                  f"        <allowRead>{_flag(read)}</allowRead>", "        <modifyAllRecords>false</modifyAllRecords>",
                  f"        <object>{escape(sobject)}</object>", "        <viewAllRecords>false</viewAllRecords>",
                  "    </objectPermissions>"]
    for permission in users:
        lines += ["    <userPermissions>", "        <enabled>true</enabled>", f"        <name>{escape(permission)}</name>",
                  "    </userPermissions>"]
    lines.append("</PermissionSet>")
    return name + SUFFIX, "\n".join(lines) + "\n"
