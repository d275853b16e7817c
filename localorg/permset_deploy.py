"""Deploy a Metadata API permission set file (`NAME.permissionset-meta.xml`) into the org and assign it, as
`sf project deploy start` followed by an assignment would: what a test uses to grant what a report said was missing."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from localorg.data.org import Org

NS = "http://soap.sforce.com/2006/04/metadata"
_NAME = re.compile(r"^[A-Za-z](?!.*__)[A-Za-z0-9_]{0,79}(?<!_)$")
# Metadata user permission name -> the PermissionSet column localorg models.
USER_PERMISSIONS = {"ApiEnabled": "PermissionsApiEnabled", "ViewSetup": "PermissionsViewSetup",
                    "ModifyAllData": "PermissionsModifyAllData", "ViewAllData": "PermissionsViewAllData"}
_OBJECT_FLAGS = {"allowRead": "read", "allowCreate": "create", "allowEdit": "edit", "allowDelete": "delete",
                 "viewAllRecords": "view_all", "modifyAllRecords": "modify_all"}
_TOP = {"label", "description", "hasActivationRequired", "license", "fieldPermissions", "objectPermissions",
        "userPermissions"}


class DeployError(ValueError):
    """The deploy failed; the message reads like the Metadata API's component failure."""


def _tag(element: ET.Element) -> str:
    if not element.tag.startswith("{" + NS + "}"):
        raise DeployError(f"Element {element.tag} is not in the metadata namespace {NS}")
    return element.tag.split("}", 1)[1]


def _children(element: ET.Element, where: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for child in element:
        out[_tag(child)] = (child.text or "").strip()
    return out


def _flag(value: str | None, where: str) -> bool:
    if value not in ("true", "false"):
        raise DeployError(f"{where}: '{value}' is not a valid value for the enum 'boolean'")
    return value == "true"


def parse(name: str, xml_text: str) -> dict:
    """Read a permission set file into {label, user: {column: bool}, objects: {obj: {op: bool}}, fields: {...}}."""
    if not _NAME.match(name or ""):
        raise DeployError(f"The permission set name {name!r} is not a valid API name (letters, digits and single "
                          "underscores, starting with a letter)")
    try:
        root = ET.fromstring(xml_text)
    except ET.ParseError as exc:
        raise DeployError(f"Error parsing file: {exc}") from None
    if _tag(root) != "PermissionSet":
        raise DeployError(f"Expected a PermissionSet, found {_tag(root)}")
    spec: dict = {"label": None, "user": {}, "objects": {}, "fields": {}}
    for element in root:
        kind = _tag(element)
        if kind not in _TOP:
            raise DeployError(f"Element {{{NS}}}{kind} invalid at this location in type PermissionSet")
        where = f"PermissionSet {name}: In field: {kind}"
        values = _children(element, where)
        if kind == "label":
            spec["label"] = (element.text or "").strip()
        elif kind == "userPermissions":
            column = USER_PERMISSIONS.get(values.get("name", ""))
            if column is None:
                raise DeployError(f"{where} - Unknown user permission: {values.get('name')}")
            spec["user"][column] = _flag(values.get("enabled"), where)
        elif kind == "objectPermissions":
            obj = values.get("object", "")
            flags = {op: _flag(values.get(tag, "false"), where) for tag, op in _OBJECT_FLAGS.items()}
            if (flags["edit"] or flags["create"] or flags["delete"]) and not flags["read"]:
                raise DeployError(f"{where} - Permission Edit on {obj} depends on permission(s): Read")
            spec["objects"][obj] = flags
        elif kind == "fieldPermissions":
            field = values.get("field", "")
            readable, editable = _flag(values.get("readable"), where), _flag(values.get("editable"), where)
            if editable and not readable:
                raise DeployError(f"{where} - Field {field}: editable requires readable")
            spec["fields"][field] = (readable, editable)
    if not spec["label"]:
        raise DeployError(f"PermissionSet {name}: Required field is missing: label")
    return spec


def _check(org: Org, name: str, spec: dict) -> None:
    """Refuse objects and fields the org does not have, or fields that take no field-level security."""
    for obj_name in spec["objects"]:
        obj = org.schema.get(obj_name)
        if obj is None or obj.setup or obj.virtual:
            raise DeployError(f"PermissionSet {name}: In field: object - no CustomObject named {obj_name} found")
    for qualified in spec["fields"]:
        obj_name, _, field_name = qualified.partition(".")
        obj = org.schema.get(obj_name)
        field = obj.field(field_name) if obj is not None else None
        if field is None:
            raise DeployError(f"PermissionSet {name}: In field: field - no CustomField named {qualified} found")
        if not field.get("permissionable"):
            raise DeployError(f"PermissionSet {name}: You cannot deploy to a required field: {qualified}")


def deploy(org: Org, name: str, xml_text: str, *, assign_to: str | None = None) -> str:
    """Create (or update) the permission set `name` from its file and optionally assign it; returns its Id.

    Raises DeployError, with nothing changed, when the file or a component in it is refused.
    """
    spec = parse(name, xml_text)
    _check(org, name, spec)
    user = org.user_by_username(assign_to) if assign_to else None
    if assign_to and user is None:
        raise DeployError(f"No user named {assign_to!r}")
    with org.transaction():
        existing = [p for p in org.store.rows("PermissionSet") if p["Name"] == name]
        values = {"Label": spec["label"], **dict.fromkeys(USER_PERMISSIONS.values(), False), **spec["user"]}
        if existing:
            ps_id = existing[0]["Id"]
            org.store.update("PermissionSet", ps_id, values)
        else:
            ps_id = org.insert_system("PermissionSet", [{"Name": name, "IsOwnedByProfile": False, **values}])[0]
        for obj_name, flags in spec["objects"].items():
            org.set_object_permission(name, obj_name, **flags)
        for qualified, (readable, editable) in spec["fields"].items():
            obj_name, _, field_name = qualified.partition(".")
            org.set_field_permission(name, obj_name, field_name, read=readable, edit=editable)
        if user is not None:
            assigned = org.store.rows("PermissionSetAssignment", where="AssigneeId = ? AND PermissionSetId = ?",
                                      params=(user.id, ps_id))
            if not assigned:
                org.insert_system("PermissionSetAssignment", [{"AssigneeId": user.id, "PermissionSetId": ps_id,
                                                               "IsActive": True}])
    org.security_changed()
    return ps_id
