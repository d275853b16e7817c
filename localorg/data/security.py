"""Effective permissions of a user: profile + permission sets (system, object CRUD, FLS) and sharing."""
from __future__ import annotations

from dataclasses import dataclass, field

from localorg.data.schema import Schema, SObjectType
from localorg.data.store import Store

OBJECT_OPS = ("read", "create", "edit", "delete", "view_all", "modify_all")
OP_FIELDS = {"read": "PermissionsRead", "create": "PermissionsCreate", "edit": "PermissionsEdit",
              "delete": "PermissionsDelete", "view_all": "PermissionsViewAllRecords",
              "modify_all": "PermissionsModifyAllRecords"}
# Objects every API user may read whatever the permission sets say (as in Salesforce).
ALWAYS_READABLE = frozenset({"organization", "userpermissionaccess"})
# Organization-wide defaults: "Private", "Read" (public read only) or "ReadWrite".
DEFAULT_SHARING = "ReadWrite"


@dataclass
class Access:
    """What one user may do: system permissions, object CRUD, field read/edit, owner-based grants."""

    user_id: str
    api_enabled: bool = False
    view_setup: bool = False
    modify_all_data: bool = False
    view_all_data: bool = False
    objects: dict[str, dict[str, bool]] = field(default_factory=dict)
    fields: dict[str, tuple[bool, bool]] = field(default_factory=dict)
    shares: dict[str, dict[str, str]] = field(default_factory=dict)
    sharing: dict[str, str] = field(default_factory=dict)

    def can(self, obj: SObjectType, op: str) -> bool:
        """Whether the user has object permission `op` (read/create/edit/delete/view_all/modify_all)."""
        lower = obj.name.lower()
        if obj.setup:
            return op == "read" and self.view_setup
        if lower in ALWAYS_READABLE:
            return op == "read"
        if self.modify_all_data:
            return True
        if self.view_all_data and op in ("read", "view_all"):
            return True
        return self.objects.get(lower, {}).get(op, False)

    def field_readable(self, obj: SObjectType, f: dict) -> bool:
        """Whether field-level security lets the user read the field."""
        if not f.get("permissionable") or obj.setup or obj.virtual or obj.name.lower() in ALWAYS_READABLE:
            return True
        if self.modify_all_data:  # simplification: Modify All Data users see every field (admins do in practice)
            return True
        return self.fields.get(f"{obj.name}.{f['name']}".lower(), (False, False))[0]

    def field_editable(self, obj: SObjectType, f: dict) -> bool:
        """Whether field-level security lets the user edit the field (describe flags aside)."""
        if not f.get("permissionable") or self.modify_all_data:
            return True
        return self.fields.get(f"{obj.name}.{f['name']}".lower(), (False, False))[1]

    def sharing_model(self, obj: SObjectType) -> str:
        """Return the object's organization-wide default for this org."""
        return self.sharing.get(obj.name, DEFAULT_SHARING)

    def sees_all(self, obj: SObjectType) -> bool:
        """Whether sharing lets the user see every record of the object."""
        return self.sharing_model(obj) != "Private" or self.can(obj, "view_all") or self.can(obj, "modify_all")

    def visible_owners(self, obj: SObjectType) -> set[str] | None:
        """Owners whose records the user sees, or None for all records."""
        if self.sees_all(obj) or obj.field("OwnerId") is None:
            return None
        return {self.user_id, *self.shares.get(obj.name, {})}

    def can_see(self, obj: SObjectType, record: dict) -> bool:
        """Whether sharing lets the user see one record."""
        owners = self.visible_owners(obj)
        return owners is None or record.get("OwnerId") in owners

    def can_edit_record(self, obj: SObjectType, record: dict) -> bool:
        """Whether sharing lets the user edit one record (object permission aside)."""
        if self.sharing_model(obj) == "ReadWrite" or self.can(obj, "modify_all"):
            return True
        owner = record.get("OwnerId")
        return owner == self.user_id or self.shares.get(obj.name, {}).get(owner) == "Edit"


def compute_access(store: Store, schema: Schema, user_id: str) -> Access:
    """Combine the user's permission-set assignments (profile-owned included) into one Access."""
    access = Access(user_id=user_id)
    assigned = {r["PermissionSetId"] for r in store.rows("PermissionSetAssignment", where="AssigneeId = ?",
                                                            params=(user_id,))}
    if not assigned:
        return access
    marks = ",".join("?" for _ in assigned)
    params = tuple(sorted(assigned))
    for ps in store.rows("PermissionSet", where=f"Id IN ({marks})", params=params):
        access.api_enabled |= bool(ps.get("PermissionsApiEnabled"))
        access.view_setup |= bool(ps.get("PermissionsViewSetup"))
        access.modify_all_data |= bool(ps.get("PermissionsModifyAllData"))
        access.view_all_data |= bool(ps.get("PermissionsViewAllData"))
    if access.modify_all_data or access.view_all_data:
        access.view_setup = True
    for op_row in store.rows("ObjectPermissions", where=f"ParentId IN ({marks})", params=params):
        perms = access.objects.setdefault(str(op_row["SobjectType"]).lower(), dict.fromkeys(OBJECT_OPS, False))
        for op, col in OP_FIELDS.items():
            perms[op] |= bool(op_row.get(col))
    for fp in store.rows("FieldPermissions", where=f"ParentId IN ({marks})", params=params):
        key = str(fp["Field"]).lower()
        read, edit = access.fields.get(key, (False, False))
        access.fields[key] = (read or bool(fp["PermissionsRead"]) or bool(fp["PermissionsEdit"]),
                              edit or bool(fp["PermissionsEdit"]))
    access.shares = store.shares_for(user_id)
    access.sharing = dict(store.meta_get("sharing", {}))  # type: ignore[arg-type]
    return access


def missing_field_permissions(store: Store, schema: Schema) -> list[dict]:
    """FieldPermissions rows to add so fields new to the schema follow each permission set's object access.

    A field loaded from `--schema-dir` after seeding has no FLS rows; it becomes readable wherever the
    object is readable and editable wherever the object is editable. Explicit rows are never changed.
    """
    have = {(r["ParentId"], str(r["Field"]).lower()) for r in store.rows("FieldPermissions")}
    out = []
    for op_row in store.rows("ObjectPermissions"):
        obj = schema.get(str(op_row["SobjectType"]))
        if obj is None or obj.setup or obj.virtual:
            continue
        for f in obj.fields:
            key = f"{obj.name}.{f['name']}"
            if f.get("permissionable") and (op_row["ParentId"], key.lower()) not in have:
                out.append({"ParentId": op_row["ParentId"], "SobjectType": obj.name, "Field": key,
                            "PermissionsRead": bool(op_row["PermissionsRead"]),
                            "PermissionsEdit": bool(op_row["PermissionsEdit"])})
    return out
