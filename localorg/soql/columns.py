"""`query?q=...&columns=true`: the column metadata of a query (what tools draw result grids from), rows unread."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from localorg.soql.aggregate import Aggregation
from localorg.soql.ast import AggCall, Catalog, FieldPath, Query, SelectItem, SoqlError
from localorg.soql.resolve import Resolved, Resolver
from localorg.soql.select import expand_fields

APEX_TYPES = {"id": "Id", "reference": "Id", "boolean": "Boolean", "int": "Integer", "long": "Long",
              "double": "Double", "percent": "Double", "currency": "Decimal", "date": "Date",
              "datetime": "Datetime", "time": "Time", "address": "Address", "location": "Location"}
NUMBERS = frozenset({"int", "long", "double", "percent", "currency"})
TEXTS = frozenset({"string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone", "url",
                   "encryptedstring"})


def _entry(column: str, display: str, *, kind: str | None, describe: dict | None = None, aggregate: bool = False,
           joins: list[dict] | None = None) -> dict:
    """One columnMetadata entry, keys in Salesforce's order."""
    describe = describe or {}
    return {"aggregate": aggregate, "apexType": APEX_TYPES.get(kind or "", "String" if kind else None),
            "booleanType": kind == "boolean", "columnName": column, "custom": bool(describe.get("custom")),
            "displayName": display, "foreignKeyName": None,
            "insertable": bool(describe.get("createable")) and not aggregate,
            "joinColumns": joins or [], "numberType": kind in NUMBERS, "textType": kind in TEXTS,
            "updatable": bool(describe.get("updateable")) and not aggregate}


def _field(resolved: Resolved, column: str | None = None, display: str | None = None) -> dict:
    """A field entry, nested under its relationships (Owner -> Name) as joinColumns."""
    leaf = _entry(column or resolved.name, display or resolved.name, kind=resolved.type, describe=resolved.describe)
    for hop in reversed(resolved.hops):
        leaf = _entry(hop.relationship, hop.relationship, kind=None, joins=[leaf])
    return leaf


def _merge(entries: list[dict], entry: dict) -> None:
    """Add an entry, folding a relationship already listed (Owner.Name, Owner.Email) into one."""
    for have in entries:
        if entry["joinColumns"] and have["columnName"] == entry["columnName"] and have["joinColumns"]:
            for joined in entry["joinColumns"]:
                _merge(have["joinColumns"], joined)
            return
    entries.append(entry)


def _record_columns(query: Query, resolver: Resolver) -> list[dict]:
    """Entries of a record query: fields, FIELDS() expansions, functions and child subqueries."""
    from localorg.soql.children import child_column

    entries: list[dict] = []
    taken: set[str] = set()
    for item in query.items:
        if item.kind == "fields":
            for resolved in expand_fields(item, query, resolver, taken):
                _merge(entries, _field(resolved))
        elif item.kind == "subquery":
            computed = child_column(item, resolver, version="66.0", now=datetime.now())
            child = Resolver(computed.query, resolver.catalog)
            entries.append(_entry(computed.key, computed.key, kind=None, aggregate=True,
                                  joins=_record_columns(child.query, child)))
        else:
            resolved = resolver.resolve(item.path)  # type: ignore[arg-type]
            shown = item.path.text if item.kind == "field" else f"{_fn(item)}({item.path.text})"  # type: ignore[union-attr]
            _merge(entries, _field(resolved, item.alias, item.alias or shown))
    return entries


def _fn(item: SelectItem) -> str:
    return "toLabel" if item.kind == "tolabel" else "FORMAT"


def _aggregate_columns(query: Query, resolver: Resolver, now: datetime) -> list[dict]:
    """Entries of an aggregate query: grouped fields, then aggregates named exprN or by alias."""
    aggregation = Aggregation(query, resolver, now)  # binds and validates every item
    entries, unnamed = [], 0
    for item in query.items:
        if item.call is not None:
            call: AggCall = item.call
            key = item.alias or f"expr{unnamed}"
            unnamed += 0 if item.alias else 1
            resolved = aggregation.calls[aggregation.bind_call(call)][1]
            kind = _agg_type(call, resolved)
            entries.append(_entry(key, item.alias or call.text, kind=kind, aggregate=True))
        else:
            resolved = resolver.resolve(item.path)  # type: ignore[arg-type]
            entries.append(_field(resolved, item.alias or resolved.name, item.alias or item.path.text))  # type: ignore[union-attr]
    return entries


def _agg_type(call: AggCall, resolved: Resolved | None) -> str:
    if call.func in ("COUNT", "COUNT_DISTINCT") or resolved is None:
        return "int"
    if call.func == "AVG":
        return "double"
    return resolved.type


def column_metadata(query: Query, catalog: Catalog, *, now: datetime) -> dict[str, Any]:
    """{columnMetadata, entityName, groupBy, idSelected, keyPrefix} for a parsed query; the same errors as running it."""
    resolver = Resolver(query, catalog)
    if query.count and not query.group_by:
        entries: list[dict] = []
    elif query.aggregate or query.group_by:
        entries = _aggregate_columns(query, resolver, now)
    else:
        entries = _record_columns(query, resolver)
    id_selected = any(i.kind == "field" and i.path is not None and _is_id(i.path, resolver) for i in query.items)
    id_selected = id_selected or any(i.kind == "fields" for i in query.items)
    prefix = getattr(catalog, "key_prefix", lambda _s: None)(resolver.sobject)
    return {"columnMetadata": entries, "entityName": resolver.sobject, "groupBy": bool(query.group_by),
            "idSelected": id_selected, "keyPrefix": prefix}


def _is_id(path: FieldPath, resolver: Resolver) -> bool:
    try:
        resolved = resolver.resolve(path)
    except SoqlError:
        return False
    return not resolved.hops and resolved.type == "id"
