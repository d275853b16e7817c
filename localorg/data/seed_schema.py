"""The demo seed for a loaded schema: records for loaded objects, believable values for custom fields, with gaps."""
from __future__ import annotations

import random
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from localorg.data.loaded import assign_auto_numbers
from localorg.data.record_types import default_record_type
from localorg.data.schema import UNSTORED_TYPES, SObjectType
from localorg.data.seed import _NOUNS, _PLACES, _STEMS, _TITLES, FREE_MAIL
from localorg.data.validate import format_datetime

if TYPE_CHECKING:
    from localorg.data.org import Org

RECORDS_PER_OBJECT = 120
BLANK = 0.35  # share of optional values left empty, so an enrichment preview has gaps to fill
BUILTIN_DATA = frozenset({"Lead", "Account", "Contact", "Opportunity"})
_SENTENCES = ("Renewal discussed in the last quarterly review.", "Imported from the legacy CRM.",
              "Key contact prefers email.", "Expanding into two new regions next year.", "Flagged for a data check.")


def _words(rng: random.Random) -> str:
    return f"{rng.choice(_STEMS)} {rng.choice(_NOUNS)}"


def _text(rng: random.Random, field: dict, n: int) -> str:
    """A string that reads like the field's name says (a name, a city, a code, ...), within its length."""
    name = field["name"].lower()
    if "city" in name:
        value = rng.choice(_PLACES)[0]
    elif "country" in name:
        value = rng.choice(_PLACES)[3]
    elif "title" in name:
        value = rng.choice(_TITLES)
    elif any(k in name for k in ("code", "number", "ref", "key", "sku")):
        value = f"{rng.choice(_STEMS)[:3].upper()}-{rng.randint(1000, 99999)}"
    elif field["type"] == "textarea":
        value = rng.choice(_SENTENCES)
    else:
        value = _words(rng)
    if field.get("unique") or field.get("externalId"):
        value = f"{value} {n:05d}" if not value[-1].isdigit() else f"{value}-{n:05d}"
    return value[: field.get("length") or 255]


def _number(rng: random.Random, field: dict) -> Any:
    if field["type"] == "int":
        return rng.randint(0, 10 ** min(field.get("digits") or 6, 6) - 1)
    if field["type"] == "percent":
        return float(rng.choice((5, 10, 25, 50, 75, 90, 100)))
    scale = field.get("scale") or 0
    top = 10 ** min(max((field.get("precision") or 18) - scale, 1), 7)
    if field["name"].endswith("Latitude__s") or field["name"].endswith("Latitude"):
        return round(rng.uniform(-60, 70), min(scale, 6))
    if field["name"].endswith("Longitude__s") or field["name"].endswith("Longitude"):
        return round(rng.uniform(-150, 150), min(scale, 6))
    return round(rng.uniform(0, top / 10), scale)


def value_for(rng: random.Random, org: Org, field: dict, n: int, targets: dict[str, list[str]]) -> Any:
    """A believable value of the field's type (None for a type the seed leaves alone)."""
    kind = field["type"]
    if kind in ("string", "textarea", "combobox", "encryptedstring"):
        return _text(rng, field, n)
    if kind == "email":
        return f"{rng.choice(_STEMS).lower()}.{n}@{rng.choice(FREE_MAIL)}"
    if kind == "phone":
        return f"+1 {rng.randint(200, 989)} {rng.randint(200, 999)} {rng.randint(1000, 9999)}"
    if kind == "url":
        return f"https://www.{rng.choice(_STEMS).lower()}-{rng.choice(_NOUNS).lower()}.com"
    if kind in ("picklist", "multipicklist"):
        values = [p["value"] for p in field.get("picklistValues") or [] if p.get("active", True)]
        if not values:
            return None
        return ";".join(rng.sample(values, min(len(values), rng.randint(1, 2)))) if kind == "multipicklist" else rng.choice(values)
    if kind == "boolean":
        return rng.random() < 0.3
    if kind in ("int", "double", "currency", "percent"):
        return _number(rng, field)
    if kind in ("date", "datetime"):
        moment = org.clock().replace(microsecond=0) + timedelta(days=rng.randint(-540, 180), seconds=rng.randint(0, 86399))
        return moment.date().isoformat() if kind == "date" else format_datetime(moment)
    if kind == "reference":
        ids = next((targets[t] for t in field.get("referenceTo") or [] if targets.get(t)), None)
        return rng.choice(ids) if ids else None
    return None


def _seedable(field: dict) -> bool:
    """Fields the seed writes: stored, not the org's own (Id, system, formula) and not a record-type link."""
    return (field["type"] not in UNSTORED_TYPES and field["type"] != "id" and not field.get("calculated")
            and (field.get("createable") or field.get("nameField")) and field["name"] not in ("RecordTypeId", "OwnerId"))


def _targets(org: Org, obj: SObjectType) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in obj.fields:
        for target in f.get("referenceTo") or []:
            kind = org.schema.get(target)
            if target not in out and kind is not None and not kind.virtual and not kind.setup:
                out[target] = [r["Id"] for r in org.store.rows(kind.name)][:500]
    return out


def seed_loaded(org: Org) -> None:
    """Fill what a loaded schema adds, once: records for new objects, values for custom fields of existing ones."""
    done = set(org.store.meta_get("seeded_schema", []))  # type: ignore[arg-type]
    todo = [o for o in org.schema.objects.values() if o.source and not o.setup and not o.virtual]
    if not todo:
        return
    rng = random.Random(20260611)
    owners = [u.id for u in org.users() if u.role == "sales"] or [org.users()[0].id]
    for obj in todo:
        targets = _targets(org, obj)
        if obj.name not in BUILTIN_DATA and obj.name not in done and obj.createable and obj.key_prefix:
            if not org.store.live_count(obj.name):
                org.insert_system(obj.name, [_record(rng, org, obj, n, targets, owners) for n in range(1, RECORDS_PER_OBJECT + 1)])
            done.add(obj.name)
        custom = [f for f in obj.stored_fields() if f.get("custom") and _seedable(f) and f"{obj.name}.{f['name']}" not in done]
        if custom and obj.name in BUILTIN_DATA:
            with org.store.transaction():
                for n, row in enumerate(org.store.rows(obj.name), start=1):
                    values = {f["name"]: value_for(rng, org, f, n, targets) for f in custom if rng.random() >= BLANK}
                    if values:
                        org.store.update(obj.name, row["Id"], values)
        done.update(f"{obj.name}.{f['name']}" for f in custom)
    org.store.meta_set("seeded_schema", sorted(done))


def _record(rng: random.Random, org: Org, obj: SObjectType, n: int, targets: dict[str, list[str]],
            owners: list[str]) -> dict:
    """One record of a loaded object: required fields always, the optional ones with gaps."""
    record: dict[str, Any] = {}
    for f in obj.stored_fields():
        if not _seedable(f):
            continue
        required = not f.get("nillable", True) and f["type"] != "boolean"
        if f.get("autoNumber") or f.get("nameField") and not f.get("createable"):
            continue  # numbered below, as the org numbers records created through the API
        if required or rng.random() >= BLANK:
            record[f["name"]] = value_for(rng, org, f, n, targets)
    if obj.field("OwnerId"):
        record["OwnerId"] = rng.choice(owners)
    if obj.field("RecordTypeId"):
        record["RecordTypeId"] = default_record_type(obj)
    assign_auto_numbers(org, obj, record)
    return record
