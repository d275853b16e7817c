"""`--schema-dir`: describe exports (one object per file, a duplicate refused naming both) and permissions.json."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING

from localorg.data.schema import SETUP_OBJECTS, SObjectType, field_dict

if TYPE_CHECKING:
    from localorg.data.schema import Schema

PERMISSIONS_FILE = "permissions.json"
OBJECT_LEVELS = {"none": (), "read": ("read",), "edit": ("read", "create", "edit"),
                 "all": ("read", "create", "edit", "delete"), "modify_all": ("read", "create", "edit", "delete",
                                                                             "view_all", "modify_all")}
FIELD_LEVELS = {"none": (False, False), "read": (True, False), "edit": (True, True)}


class SchemaError(ValueError):
    """A --schema-dir that cannot be loaded as it is: the message names the file(s) and the fix."""


def from_describe(data: dict, source: str | None = None) -> SObjectType:
    """Build an SObjectType from a describe payload (plain or wrapped as `sf sobject describe --json`).

    Every object-level key but the fields is kept to be served as given (flags, childRelationships,
    recordTypeInfos); each field is served as given too, and completed with describe defaults for
    the org's own use.
    """
    if "result" in data and isinstance(data["result"], dict):
        data = data["result"]
    if "name" not in data or not isinstance(data.get("fields"), list):
        raise ValueError("not an sObject describe (needs 'name' and 'fields')")
    name = data["name"]
    obj = SObjectType(
        name=name, label=data.get("label", name), label_plural=data.get("labelPlural", name),
        key_prefix=data.get("keyPrefix"), createable=bool(data.get("createable", True)),
        updateable=bool(data.get("updateable", True)), deletable=bool(data.get("deletable", True)),
        queryable=bool(data.get("queryable", True)), custom=bool(data.get("custom", name.endswith("__c"))),
        setup=name in SETUP_OBJECTS, extra={k: copy.deepcopy(v) for k, v in data.items() if k != "fields"},
        source=source)
    for raw in data["fields"]:
        if not isinstance(raw, dict) or "name" not in raw:
            raise ValueError("a field without a name")
        base = field_dict(name, raw["name"], raw.get("type", "string"))
        base.update(copy.deepcopy(raw))
        if "permissionable" not in raw:
            base["permissionable"] = ((base["nillable"] or base["type"] == "boolean") and base["createable"]
                                      and not base["calculated"])
        obj.fields.append(base)
        obj.served[raw["name"]] = copy.deepcopy(raw)
    obj.index()
    return obj


def load_dir(directory: Path) -> list[SObjectType]:
    """Every describe export in a folder (sorted by file name); two files for one object are a SchemaError."""
    seen: dict[str, str] = {}
    out = []
    for path in sorted(Path(directory).glob("*.json")):
        if path.name == PERMISSIONS_FILE:
            continue
        try:
            obj = from_describe(json.loads(path.read_text(encoding="utf-8")), path.name)
        except (ValueError, TypeError) as exc:
            raise SchemaError(f"{path.name} is not a describe export localorg can load ({exc}); export it with "
                              "`sf sobject describe --sobject NAME --json`") from None
        first = seen.get(obj.name.lower())
        if first is not None:
            raise SchemaError(f"{obj.name} is described by two files, {first} and {path.name}: keep one file per "
                              "object (remove or merge the other)")
        seen[obj.name.lower()] = path.name
        out.append(obj)
    return out


def read_permissions(directory: Path, schema: Schema) -> dict:
    """permissions.json: {"objects": {Obj: {Profile: none|read|edit|all}}, "fields": {Obj.Field: {Profile: none|read|edit}}}.

    Objects and fields it does not name follow the defaults (each demo profile gets on a loaded object
    what it has on the standard data objects). Unknown objects, fields or levels are a SchemaError.
    """
    path = Path(directory) / PERMISSIONS_FILE
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SchemaError(f"{PERMISSIONS_FILE} is not JSON ({exc})") from None
    out: dict = {"objects": {}, "fields": {}}
    for sobject, grants in (data.get("objects") or {}).items():
        obj = schema.get(sobject)
        if obj is None:
            raise SchemaError(f"{PERMISSIONS_FILE} names an object no describe defines: {sobject}")
        out["objects"][obj.name] = {p: _level(OBJECT_LEVELS, lvl, sobject) for p, lvl in grants.items()}
    for key, grants in (data.get("fields") or {}).items():
        sobject, _, name = key.partition(".")
        obj = schema.get(sobject)
        described = obj.field(name) if obj else None
        if described is None:
            raise SchemaError(f"{PERMISSIONS_FILE} names a field no describe defines: {key}")
        out["fields"][f"{obj.name}.{described['name']}"] = {p: _level(FIELD_LEVELS, lvl, key) for p, lvl in grants.items()}  # type: ignore[union-attr]
    return out


def _level(levels: dict, level: str, where: str) -> tuple:
    if level not in levels:
        raise SchemaError(f"{PERMISSIONS_FILE}: {where} has level {level!r}; use one of {', '.join(levels)}")
    return levels[level]
