"""Describe metadata: the built-in standard objects, `--schema-dir` exports, and describe payload builders."""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from localorg.data.schema_std import PICKLISTS, TABLE

STRING_TYPES = frozenset({"string", "textarea", "email", "url", "phone", "picklist", "multipicklist",
                          "combobox", "encryptedstring", "id", "reference"})
NUMBER_TYPES = frozenset({"double", "currency", "percent"})
UNSTORED_TYPES = frozenset({"address", "location", "base64", "anyType", "complexvalue"})
SOAP_TYPES = {"id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean", "int": "xsd:int",
              "double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double",
              "date": "xsd:date", "datetime": "xsd:dateTime", "time": "xsd:time",
              "address": "urn:address", "location": "urn:location", "base64": "xsd:base64Binary"}
SYSTEM_FIELDS = ("Id", "IsDeleted", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById",
                 "SystemModstamp")
SETUP_OBJECTS = frozenset({"Profile", "PermissionSet", "PermissionSetAssignment", "ObjectPermissions",
                           "FieldPermissions"})

_LABELS = {"NumberOfEmployees": "Employees", "PostalCode": "Zip/Postal Code", "IsDeleted": "Deleted",
           "HasOptedOutOfEmail": "Email Opt Out", "StageName": "Stage", "Sic": "SIC Code",
           "IsActive": "Active", "SystemModstamp": "System Modstamp", "Name": "Name"}


@dataclass
class SObjectType:
    """One sObject's metadata: object-level describe flags plus its field describe dicts in order."""

    name: str
    label: str
    label_plural: str
    key_prefix: str | None
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    queryable: bool = True
    custom: bool = False
    setup: bool = False
    virtual: bool = False
    extra: dict = field(default_factory=dict)
    fields: list[dict] = field(default_factory=list)
    _by_lower: dict[str, dict] = field(default_factory=dict, repr=False)

    def index(self) -> None:
        """Rebuild the case-insensitive field lookup after `fields` changed."""
        self._by_lower = {f["name"].lower(): f for f in self.fields}

    def field(self, name: str) -> dict | None:
        """Return the describe dict of a field by case-insensitive API name, or None."""
        return self._by_lower.get(name.lower())

    def stored_fields(self) -> list[dict]:
        """Return the fields that have a column in the store (compound fields have none)."""
        return [f for f in self.fields if f["type"] not in UNSTORED_TYPES]


def _label_for(obj: str, name: str) -> str:
    if name == "Id":
        return f"{obj} ID"
    if name == "Name" and obj in ("Lead", "Contact", "User"):
        return "Full Name"
    if name == "Name" and obj == "Account":
        return "Account Name"
    for key, label in _LABELS.items():
        if name == key:
            return label
        if name.endswith(key) and key == "PostalCode":
            return name[: -len(key)] + " " + label
    base = name[2:] if name.startswith("Is") and name[2:3].isupper() else name
    if base.endswith("Id") and len(base) > 2:
        base = base[:-2] + "ID"
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", base)
    return words.replace(" I D", " ID")


def field_dict(obj: str, name: str, ftype: str, *, length: int = 0, precision: int = 0, scale: int = 0,
               digits: int = 0, nillable: bool = True, createable: bool = True, updateable: bool = True,
               calculated: bool = False, name_field: bool = False, unique: bool = False,
               external_id: bool = False, id_lookup: bool = False, reference_to: list[str] | None = None,
               relationship_name: str | None = None, picklist: list[str] | None = None,
               default_value: str | None = None, restricted: bool = False, defaulted: bool = False,
               custom: bool = False, label: str | None = None) -> dict:
    """Build one field's describe dict, with every key a Salesforce describe carries for it."""
    byte_length = length * 3 if ftype in STRING_TYPES and ftype not in ("id", "reference") else length
    values = [{"active": True, "defaultValue": v == default_value, "label": v, "validFor": None, "value": v}
              for v in (picklist or [])]
    return {
        "aggregatable": ftype not in ("textarea",), "autoNumber": False, "byteLength": byte_length,
        "calculated": calculated, "calculatedFormula": None, "cascadeDelete": False,
        "caseSensitive": False, "compoundFieldName": None, "controllerName": None,
        "createable": createable, "custom": custom, "defaultValue": None, "defaultValueFormula": None,
        "defaultedOnCreate": defaulted, "dependentPicklist": False, "deprecatedAndHidden": False,
        "digits": digits, "displayLocationInDecimal": False, "encrypted": False,
        "externalId": external_id, "extraTypeInfo": None, "filterable": ftype != "textarea" or length <= 255,
        "filteredLookupInfo": None, "formulaTreatNullNumberAsZero": False,
        "groupable": ftype not in ("textarea", "double", "currency", "percent", "datetime"),
        "highScaleNumber": False, "htmlFormatted": False, "idLookup": id_lookup, "inlineHelpText": None,
        "label": label or _label_for(obj, name), "length": length, "mask": None, "maskType": None,
        "name": name, "nameField": name_field, "namePointing": bool(reference_to and len(reference_to) > 1),
        "nillable": nillable, "permissionable": (nillable or ftype == "boolean") and createable and not calculated,
        "picklistValues": values, "polymorphicForeignKey": bool(reference_to and len(reference_to) > 1),
        "precision": precision, "queryByDistance": False, "referenceTargetField": None,
        "referenceTo": reference_to or [], "relationshipName": relationship_name,
        "relationshipOrder": None, "restrictedDelete": False, "restrictedPicklist": restricted,
        "scale": scale, "searchPrefilterable": False, "soapType": SOAP_TYPES.get(ftype, "xsd:string"),
        "sortable": ftype != "textarea" or length <= 255, "type": ftype, "unique": unique,
        "updateable": updateable, "writeRequiresMasterRead": False,
    }


def _parse_field(obj: str, line: str) -> dict:
    """Parse one field line of the compact table (see localorg.data.schema_std)."""
    default = None
    if " def=" in line:
        line, default = line.split(" def=", 1)
    tokens = line.split()
    name, ftype = tokens[0], tokens[1]
    size = tokens[2] if len(tokens) > 2 and tokens[2][0] in "-0123456789" else "-"
    flags = tokens[3:] if size != "-" or (len(tokens) > 2 and tokens[2] == "-") else tokens[2:]
    kw: dict = {}
    if size != "-":
        if "." in size:
            p, s = size.split(".")
            kw["precision"], kw["scale"] = int(p), int(s)
        elif ftype == "int":
            kw["digits"] = int(size)
        else:
            kw["length"] = int(size)
    picklist, refs, rel = None, None, None
    for flag in flags:
        if flag.startswith("pl="):
            picklist = PICKLISTS[flag[3:]]
        elif flag.startswith("->"):
            targets, rel = flag[2:].split(":")
            refs = targets.split(",")
    sys_, ro = "sys" in flags, "ro" in flags
    nillable = not ("req" in flags or sys_ and name in SYSTEM_FIELDS) and ftype != "boolean"
    return field_dict(
        obj, name, ftype, **kw, nillable=nillable, createable=not (sys_ or ro),
        updateable=not (sys_ or ro or "create" in flags), calculated=name == "Name" and ro,
        name_field="name" in flags, unique="uniq" in flags, external_id="ext" in flags,
        id_lookup="idl" in flags, reference_to=refs, relationship_name=rel, picklist=picklist,
        default_value=default, restricted="restricted" in flags,
        defaulted="defaulted" in flags or ftype == "boolean" or sys_ and name in SYSTEM_FIELDS,
    )


def builtin_objects() -> list[SObjectType]:
    """Parse the built-in table into SObjectType objects (fresh copies on every call)."""
    objects: list[SObjectType] = []
    for line in TABLE.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("@"):
            name, prefix, label, plural, flags = line[1:].split("|")
            fl = flags.split()
            objects.append(SObjectType(
                name=name, label=label, label_plural=plural, key_prefix=prefix,
                createable="c" in fl, updateable="u" in fl, deletable="d" in fl,
                setup="setup" in fl, virtual="virtual" in fl))
        else:
            objects[-1].fields.append(_parse_field(objects[-1].name, line))
    for obj in objects:
        for f in obj.fields:
            if obj.name in ("Lead", "Contact", "User") and f["name"] in ("FirstName", "LastName", "Salutation"):
                f["compoundFieldName"] = "Name"
        obj.index()
    return objects


def _from_describe(data: dict) -> SObjectType:
    """Build an SObjectType from a describe payload (plain or wrapped as `sf sobject describe --json`)."""
    if "result" in data and isinstance(data["result"], dict):
        data = data["result"]
    if "name" not in data or "fields" not in data:
        raise ValueError("not an sObject describe (needs 'name' and 'fields')")
    name = data["name"]
    obj = SObjectType(
        name=name, label=data.get("label", name), label_plural=data.get("labelPlural", name),
        key_prefix=data.get("keyPrefix"), createable=bool(data.get("createable", True)),
        updateable=bool(data.get("updateable", True)), deletable=bool(data.get("deletable", True)),
        queryable=bool(data.get("queryable", True)), custom=bool(data.get("custom", name.endswith("__c"))),
        setup=name in SETUP_OBJECTS)
    for raw in data["fields"]:
        base = field_dict(name, raw["name"], raw.get("type", "string"))
        base.update(copy.deepcopy(raw))
        if "permissionable" not in raw:
            base["permissionable"] = ((base["nillable"] or base["type"] == "boolean") and base["createable"]
                                      and not base["calculated"])
        obj.fields.append(base)
    obj.index()
    return obj


class Schema:
    """All sObject types of an org, looked up case-insensitively by API name."""

    def __init__(self, schema_dir: Path | None = None) -> None:
        self.objects: dict[str, SObjectType] = {}
        for obj in builtin_objects():
            self.add(obj)
        if schema_dir is not None:
            for path in sorted(Path(schema_dir).glob("*.json")):
                self.add(_from_describe(json.loads(path.read_text(encoding="utf-8"))))

    def add(self, obj: SObjectType) -> None:
        """Add an object, replacing a built-in of the same name."""
        self.objects[obj.name.lower()] = obj

    def get(self, name: str) -> SObjectType | None:
        """Return the object type by case-insensitive name, or None."""
        return self.objects.get(name.lower())

    def by_prefix(self, prefix: str) -> SObjectType | None:
        """Return the object type whose Ids start with `prefix`, or None."""
        for obj in self.objects.values():
            if obj.key_prefix == prefix:
                return obj
        return None

    def set_picklist_restricted(self, sobject: str, field_name: str, restricted: bool) -> None:
        """Mark a picklist restricted or not (a no-op when the object or field is absent)."""
        obj = self.get(sobject)
        f = obj.field(field_name) if obj else None
        if f is not None and f["type"] in ("picklist", "multipicklist"):
            f["restrictedPicklist"] = restricted

    def child_relationships(self, target: str) -> list[dict]:
        """Return describe childRelationships of `target`: every reference field that points at it."""
        out = []
        for obj in self.objects.values():
            for f in obj.fields:
                if target in f.get("referenceTo", []) and not obj.virtual:
                    main = f["name"] == f"{target}Id"
                    out.append({"cascadeDelete": False, "childSObject": obj.name, "deprecatedAndHidden": False,
                                "field": f["name"], "junctionIdListNames": [], "junctionReferenceTo": [],
                                "relationshipName": obj.label_plural.replace(" ", "") if main else None,
                                "restrictedDelete": False})
        return out


def urls(name: str, version: str) -> dict:
    """Return the describe `urls` block of an object for an API version."""
    base = f"/services/data/v{version}/sobjects/{name}"
    return {"compactLayouts": f"{base}/describe/compactLayouts", "rowTemplate": f"{base}/{{ID}}",
            "approvalLayouts": f"{base}/describe/approvalLayouts", "describe": f"{base}/describe",
            "quickActions": f"{base}/quickActions", "layouts": f"{base}/describe/layouts",
            "sobject": base}


def global_entry(obj: SObjectType, *, queryable: bool, createable: bool, updateable: bool,
                 deletable: bool, version: str) -> dict:
    """Return one describe-global `sobjects[]` entry with the running user's access flags."""
    return {
        "activateable": False, "associateEntityType": None, "associateParentEntity": None,
        "createable": createable, "custom": obj.custom, "customSetting": False, "deepCloneable": False,
        "deletable": deletable, "deprecatedAndHidden": False, "feedEnabled": False, "hasSubtypes": False,
        "isInterface": False, "isSubtype": False, "keyPrefix": obj.key_prefix, "label": obj.label,
        "labelPlural": obj.label_plural, "layoutable": not obj.setup, "mergeable": obj.name in
        ("Lead", "Contact", "Account"), "mruEnabled": not obj.setup, "name": obj.name,
        "queryable": queryable, "replicateable": not obj.virtual, "retrieveable": queryable,
        "searchable": not obj.setup and not obj.virtual, "triggerable": not obj.setup and not obj.virtual,
        "undeletable": deletable, "updateable": updateable, "urls": urls(obj.name, version),
    }
