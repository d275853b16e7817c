"""What a `--schema-dir` brings to an org: the demo users' access to loaded objects, permissions.json, record types."""
from __future__ import annotations

from typing import TYPE_CHECKING

from localorg.data.record_types import sync_record_types
from localorg.data.schema import SObjectType
from localorg.data.schema_load import PERMISSIONS_FILE, SchemaError
from localorg.data.security import OBJECT_OPS, OP_FIELDS
from localorg.data.seed_security import PROFILES

if TYPE_CHECKING:
    from localorg.data.org import Org


def loaded_objects(org: Org) -> list[SObjectType]:
    """Data objects that came from a describe export (setup and computed objects aside)."""
    return [o for o in org.schema.objects.values() if o.source and not o.setup and not o.virtual]


def _profile_sets(org: Org) -> dict[str, str]:
    out = {}
    for profile in PROFILES:
        try:
            out[profile] = org.permission_set_id(profile)
        except KeyError:
            continue
    return out


def grant_loaded_objects(org: Org) -> None:
    """Give each demo profile, on a loaded object it has no permission row for, what it has on Lead and Account.

    So the integration user reads and edits a loaded object and the auditor reads it, unless
    permissions.json says otherwise (then its level replaces the profile's default).
    """
    sets = _profile_sets(org)
    have = {(r["ParentId"], str(r["SobjectType"]).lower()) for r in org.store.rows("ObjectPermissions")}
    overrides = org.schema.permissions.get("objects", {})
    rows = []
    for obj in loaded_objects(org):
        for profile, (_api, _setup, ops, _fls, _no_edit) in PROFILES.items():
            ps = sets.get(profile)
            if ps is None or (ps, obj.name.lower()) in have:
                continue
            granted = overrides.get(obj.name, {}).get(profile, ops)
            rows.append({"ParentId": ps, "SobjectType": obj.name, **{col: op in granted for op, col in OP_FIELDS.items()}})
    if rows:
        org.insert_system("ObjectPermissions", rows)


def apply_permission_file(org: Org) -> None:
    """Set what permissions.json names explicitly (idempotent: a restart sets the same values)."""
    permissions = org.schema.permissions
    profiles = sorted(_profile_sets(org))
    for grants in [*permissions.get("objects", {}).values(), *permissions.get("fields", {}).values()]:
        for profile in grants:
            if profile not in profiles:
                raise SchemaError(f"{PERMISSIONS_FILE} names a profile the org does not have: {profile}; use one "
                                  f"of {', '.join(profiles)}")
    for sobject, grants in permissions.get("objects", {}).items():
        for profile, ops in grants.items():
            org.set_object_permission(profile, sobject, **{op: op in ops for op in OBJECT_OPS})
    for key, grants in permissions.get("fields", {}).items():
        sobject, _, field = key.partition(".")
        for profile, (read, edit) in grants.items():
            org.set_field_permission(profile, sobject, field, read=read, edit=edit)


def adopt(org: Org) -> None:
    """Bring a seeded org in line with its schema: object and field access, permissions.json, record types."""
    grant_loaded_objects(org)
    org.grant_new_fields()
    apply_permission_file(org)
    sync_record_types(org)


def assign_auto_numbers(org: Org, obj: SObjectType, record: dict) -> None:
    """Give a new record its auto-number fields (displayFormat such as INV-{00000}) from a per-field counter."""
    for f in obj.fields:
        if not f.get("autoNumber") or record.get(f["name"]):
            continue
        fmt = f.get("displayFormat") or "{0}"
        digits = fmt[fmt.find("{") + 1: fmt.find("}")] if "{" in fmt else "0"
        number = org.store.next_number(f"{obj.name}.{f['name']}")
        record[f["name"]] = fmt.replace("{" + digits + "}", str(number).zfill(len(digits)))
