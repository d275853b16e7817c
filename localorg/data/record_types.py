"""Record types: describe recordTypeInfos (always Master), RecordType rows for those a loaded schema declares."""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from localorg.data.schema import SObjectType

if TYPE_CHECKING:
    from localorg.data.org import Org

MASTER_ID = "012000000000000AAA"
NO_RECORD_TYPES = frozenset({"User", "Organization", "RecordType"})


def supports_record_types(obj: SObjectType) -> bool:
    """Data objects have record types (at least Master); setup, virtual and a few system objects do not."""
    return not (obj.setup or obj.virtual or obj.name in NO_RECORD_TYPES)


def _info(obj: SObjectType, version: str, record_id: str, name: str, developer: str, *, master: bool,
          default: bool, active: bool = True) -> dict:
    return {"active": active, "available": active, "defaultRecordTypeMapping": default, "developerName": developer,
            "master": master, "name": name, "recordTypeId": record_id,
            "urls": {"layout": f"/services/data/v{version}/sobjects/{obj.name}/describe/layouts/{record_id}"}}


def record_type_infos(org: Org, obj: SObjectType, version: str) -> list[dict]:
    """recordTypeInfos of a describe: a loaded payload's as it says, else the org's active ones and Master last."""
    if "recordTypeInfos" in obj.extra:
        return copy.deepcopy(obj.extra["recordTypeInfos"])
    if not supports_record_types(obj):
        return []
    rows = [r for r in org.store.rows("RecordType") if r.get("SobjectType") == obj.name and r.get("IsActive")]
    infos = [_info(obj, version, r["Id"], r["Name"], r["DeveloperName"], master=False, default=i == 0)
             for i, r in enumerate(rows)]
    return infos + [_info(obj, version, MASTER_ID, "Master", "Master", master=True, default=not rows)]


def sync_record_types(org: Org) -> None:
    """Insert a RecordType row (with the payload's Id) for every non-master record type a loaded describe lists."""
    have = {r["Id"] for r in org.store.rows("RecordType", include_deleted=True)}
    rows = []
    for obj in org.schema.objects.values():
        for info in obj.extra.get("recordTypeInfos") or []:
            rid = info.get("recordTypeId")
            if info.get("master") or not rid or rid in have:
                continue
            developer = info.get("developerName") or info.get("name") or "RecordType"
            rows.append({"Id": rid, "Name": info.get("name") or developer, "DeveloperName": developer,
                         "SobjectType": obj.name, "IsActive": bool(info.get("active", True)),
                         "IsPersonType": "person" in developer.lower(), "Description": None})
            have.add(rid)
    if rows:
        org.insert_system("RecordType", rows)


def default_record_type(obj: SObjectType) -> str | None:
    """The default (non-master) record type a new record of a loaded object gets, or None."""
    for info in obj.extra.get("recordTypeInfos") or []:
        if info.get("defaultRecordTypeMapping") and not info.get("master") and info.get("active", True):
            return info.get("recordTypeId")
    return None
