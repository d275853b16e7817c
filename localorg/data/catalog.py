"""UserCatalog: the SOQL Catalog protocol over one user's view (readable objects, fields, visible rows)."""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from localorg.data import ids
from localorg.data.schema import UNSTORED_TYPES, SObjectType

if TYPE_CHECKING:
    from localorg.data.userview import UserView


class UserCatalog:
    """What soql.execute reads: object names, readable field dicts, rows with sharing applied.

    Rows carry canonical keys; they may also hold fields the user cannot read, which SOQL never
    selects because `fields()` leaves them out. Parent lookups are cached for the catalog's life.
    """

    def __init__(self, view: UserView) -> None:
        self.view = view
        self._parents: dict[str, dict | None] = {}

    def object_name(self, name: str) -> str | None:
        """Return the canonical name of an object the user can query, or None (-> INVALID_TYPE)."""
        obj = self.view.readable_object(name)
        return obj.name if obj is not None else None

    def fields(self, sobject: str) -> list[dict]:
        """Return the describe dicts of the fields the user can read (compound fields left out)."""
        obj = self.view.readable_object(sobject)
        if obj is None:
            return []
        return [f for f in self.view.readable_fields(obj) if f["type"] not in UNSTORED_TYPES]

    def rows(self, sobject: str, include_deleted: bool = False) -> Iterable[dict]:
        """Return the records the user can see (sharing applied); soft-deleted ones only on request."""
        obj = self.view.readable_object(sobject)
        if obj is None:
            return []
        if obj.virtual:
            return [self._user_permission_access()] if obj.name == "UserPermissionAccess" else []
        rows = self.view.org.store.rows(obj.name, include_deleted=include_deleted)
        owners = self.view.access.visible_owners(obj)
        if owners is None:
            return rows
        return [r for r in rows if r.get("OwnerId") in owners]

    def row(self, sobject: str, record_id: str) -> dict | None:
        """Return one visible record by Id (the object is taken from the Id's prefix when it differs)."""
        rid = ids.normalize(record_id)
        if rid is None:
            return None
        if rid in self._parents:
            return self._parents[rid]
        obj = self._object_for(sobject, rid)
        rec = None
        if obj is not None and not obj.virtual:
            rec = self.view.org.store.get(obj.name, rid, include_deleted=False)
            if rec is not None and not self.view.access.can_see(obj, rec):
                rec = None
        self._parents[rid] = rec
        return rec

    def _object_for(self, sobject: str, rid: str) -> SObjectType | None:
        obj = self.view.readable_object(sobject)
        if obj is not None and obj.key_prefix == rid[:3]:
            return obj
        by_prefix = self.view.org.schema.by_prefix(rid[:3])
        return self.view.readable_object(by_prefix.name) if by_prefix is not None else None

    def _user_permission_access(self) -> dict:
        """The single UserPermissionAccess row: the running user's effective system permissions."""
        uid = self.view.user.id
        id15 = "0Ux" + uid[3:15]
        access = self.view.access
        return {"Id": id15 + ids.checksum(id15), "PermissionsApiEnabled": access.api_enabled,
                "PermissionsViewSetup": access.view_setup, "PermissionsModifyAllData": access.modify_all_data,
                "PermissionsViewAllData": access.view_all_data, "LastCacheUpdate": self.view.org.now_text()}
