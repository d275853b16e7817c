"""Which profile or permission set gives the user each access today, read from the assignment and permission rows."""
from __future__ import annotations

from typing import Any

from core.permissions.model import value

_OPS = {"read": "PermissionsRead", "edit": "PermissionsEdit", "view_all": "PermissionsViewAllRecords"}


def _label(row: dict[str, Any]) -> str:
    """"profile 'Integration User'" or "permission set 'Setup Viewer'" for one assignment row."""
    ps = row.get("PermissionSet") or {}
    if ps.get("IsOwnedByProfile"):
        profile = (ps.get("Profile") or {}).get("Name") or ps.get("Label") or ps.get("Name")
        return f"profile '{profile}'"
    return f"permission set '{ps.get('Label') or ps.get('Name')}'"


def joined(labels: list[str]) -> str:
    """Labels as one phrase: "a", "a and b", "a, b and c"."""
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


class Sources:
    """The user's profile and permission sets and what each grants, when the org let us read them (View Setup)."""

    def __init__(self, payload: dict[str, Any]) -> None:
        assignments = value(payload.get("assignments"))
        self.assignments: list[dict[str, Any]] | None = assignments
        self._labels = {r["PermissionSetId"]: _label(r) for r in assignments or []}
        self._objects: list[dict[str, Any]] | None = value(payload.get("object_permissions"))
        self._fields: list[dict[str, Any]] | None = value(payload.get("field_permissions"))
        seen = value(payload.get("fields_in_org"))
        self._in_org: set[str] | None = {f.lower() for f in seen["fields"]} if seen else None
        self._in_org_complete = bool(seen and seen.get("complete"))

    @property
    def readable(self) -> bool:
        """Whether the user's assignments could be read (needs View Setup and Configuration)."""
        return self.assignments is not None

    def system(self, column: str) -> list[str]:
        """Who grants a system permission (a PermissionSet column such as PermissionsApiEnabled)."""
        return [self._labels[r["PermissionSetId"]] for r in self.assignments or []
                if (r.get("PermissionSet") or {}).get(column)]

    def object(self, sobject: str, op: str) -> list[str] | None:
        """Who grants `op` (read, edit, view_all) on an object; None when the rows could not be read."""
        if self._objects is None:
            return None
        column = _OPS[op]
        return sorted({self._labels.get(r["ParentId"], "a permission set") for r in self._objects
                       if str(r.get("SobjectType")).lower() == sobject.lower() and r.get(column)})

    def field(self, qualified: str, op: str) -> list[str] | None:
        """Who grants `op` (read, edit) on Object.Field; None when the rows could not be read."""
        if self._fields is None:
            return None
        column = _OPS[op]
        return sorted({self._labels.get(r["ParentId"], "a permission set") for r in self._fields
                       if str(r.get("Field")).lower() == qualified.lower()
                       and (r.get(column) or (op == "read" and r.get("PermissionsEdit")))})

    def field_exists(self, qualified: str) -> bool | None:
        """Whether some profile or permission set in the org grants Read on the field (so it exists);
        False when none does and the answer was whole; None when it could not be told."""
        if self._in_org is None:
            return None
        if qualified.lower() in self._in_org:
            return True
        return False if self._in_org_complete else None


def granted(labels: list[str] | None, *, what: str = "") -> str:
    """A sentence part saying who grants an access today ("" when unknown)."""
    if labels is None:
        return ""
    if not labels:
        return f"no profile or permission set of the user grants {what or 'it'}"
    return f"granted by {joined(labels)}"
