"""Security administration on the Org (permission sets, field and object permissions, sharing) for tests and setup."""
from __future__ import annotations

from typing import TYPE_CHECKING

from localorg.data.security import OP_FIELDS

if TYPE_CHECKING:
    from localorg.data.schema import Schema
    from localorg.data.store import Store


class SecurityAdmin:
    """Mixed into Org: change who may read and edit what, as an administrator would in Setup."""

    schema: Schema
    store: Store

    def security_changed(self) -> None:  # pragma: no cover - provided by Org
        """Forget cached effective permissions."""
        raise NotImplementedError

    def now_text(self) -> str:  # pragma: no cover - provided by Org
        """The org clock's time in Salesforce's format."""
        raise NotImplementedError

    def insert_system(self, sobject: str, records: list[dict], *, by: str | None = None) -> list[str]:  # pragma: no cover
        """Insert records bypassing validation (provided by Org)."""
        raise NotImplementedError

    def permission_set_id(self, name: str) -> str:
        """Return the Id of a permission set by Name, or of the profile-owned one by profile Name."""
        for ps in self.store.rows("PermissionSet"):
            if ps["Name"] == name:
                return ps["Id"]
        for prof in self.store.rows("Profile"):
            if prof["Name"] == name:
                owned = self.store.rows("PermissionSet", where="ProfileId = ? AND IsOwnedByProfile = 1",
                                        params=(prof["Id"],))
                return owned[0]["Id"]
        raise KeyError(name)

    def set_field_permission(self, permission_set: str, sobject: str, field: str, *, read: bool,
                             edit: bool) -> None:
        """Set field-level security for a field in a permission set (or a profile, by its Name)."""
        ps = self.permission_set_id(permission_set)
        key = f"{self.schema.get(sobject).name}.{self.schema.get(sobject).field(field)['name']}"  # type: ignore[union-attr,index]
        rows = self.store.rows("FieldPermissions", where="ParentId = ? AND lower(Field) = ?", params=(ps, key.lower()))
        values = {"PermissionsRead": read or edit, "PermissionsEdit": edit, "SystemModstamp": self.now_text()}
        if rows:
            self.store.update("FieldPermissions", rows[0]["Id"], values)
        else:
            self.insert_system("FieldPermissions", [{"ParentId": ps, "SobjectType": key.split(".")[0],
                                                     "Field": key, **values}])
        self.security_changed()

    def set_object_permission(self, permission_set: str, sobject: str, **perms: bool) -> None:
        """Set object permissions (read/create/edit/delete/view_all/modify_all keywords) in a permission set."""
        ps = self.permission_set_id(permission_set)
        name = self.schema.get(sobject).name  # type: ignore[union-attr]
        values = {OP_FIELDS[k]: v for k, v in perms.items()}
        rows = self.store.rows("ObjectPermissions", where="ParentId = ? AND SobjectType = ?", params=(ps, name))
        if rows:
            self.store.update("ObjectPermissions", rows[0]["Id"], values)
        else:
            base = dict.fromkeys(OP_FIELDS.values(), False)
            self.insert_system("ObjectPermissions", [{"ParentId": ps, "SobjectType": name, **base, **values}])
        self.security_changed()

    def set_sharing(self, sobject: str, model: str) -> None:
        """Set an object's organization-wide default: 'Private', 'Read' or 'ReadWrite'."""
        sharing = dict(self.store.meta_get("sharing", {}))  # type: ignore[arg-type]
        sharing[self.schema.get(sobject).name] = model  # type: ignore[union-attr]
        self.store.meta_set("sharing", sharing)
        self.security_changed()

    def share(self, sobject: str, owner_id: str, grantee_id: str, access: str = "Edit") -> None:
        """Share every record `owner_id` owns of an object with `grantee_id` ('Read' or 'Edit')."""
        self.store.add_shares([(self.schema.get(sobject).name, owner_id, grantee_id, access)])  # type: ignore[union-attr]
        self.security_changed()

    def set_picklist_restricted(self, sobject: str, field: str, restricted: bool) -> None:
        """Make a picklist restricted (or not), as an admin ticking 'Restrict picklist' in Setup."""
        self.schema.set_picklist_restricted(sobject, field, restricted)

    def set_assignment_rule(self, sobject: str, owner_id: str | None) -> None:
        """Route records written with auto-assignment on (Sforce-Auto-Assign: TRUE) to `owner_id`; None: no rule."""
        rules = dict(self.store.meta_get("assignment", {}))  # type: ignore[arg-type]
        rules[self.schema.get(sobject).name] = owner_id  # type: ignore[union-attr]
        self.store.meta_set("assignment", rules)

    def assignment_owner(self, sobject: str) -> str | None:
        """Return the owner the active assignment rule of an object gives, or None."""
        return dict(self.store.meta_get("assignment", {})).get(sobject)  # type: ignore[arg-type]
