"""The SELECT list of a record query as columns: fields, FIELDS(), toLabel(), FORMAT() and child subqueries."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from localorg.soql.ast import FieldPath, Query, SelectItem, SoqlError
from localorg.soql.functions import formatter, to_label
from localorg.soql.resolve import Computed, Resolved, Resolver

FIELDS_LIMIT = 200


def wrap(resolved: Resolved, fn: Callable[[Any], Any], alias: str | None) -> Resolved | Computed:
    """A column whose value is fn(the field's value): aliased to a top-level key, or nested as the path is."""
    if alias:
        return Computed(alias, lambda row: fn(resolved.getter(row)))
    name, leaf = resolved.name, resolved.leaf
    inner = leaf or (lambda row: row.get(name))
    return Resolved(resolved.hops, resolved.describe, lambda row: fn(resolved.getter(row)), lambda row: fn(inner(row)))


def function_column(item: SelectItem, resolver: Resolver) -> Resolved | Computed:
    """toLabel(path) or FORMAT(path) as a column; toLabel on a field without picklist labels is INVALID_FIELD."""
    resolved = resolver.resolve(item.path)  # type: ignore[arg-type]
    if item.kind == "tolabel":
        fn = to_label(resolved.describe)
        if fn is None:
            message = f"toLabel() can only be used on picklist fields: {resolved.name}"
            raise SoqlError("INVALID_FIELD", resolver.where(item.line, item.column, message))
        return wrap(resolved, fn, item.alias)
    return wrap(resolved, formatter(resolved.type, resolved.describe.get("scale")), item.alias)


def expand_fields(item: SelectItem, query: Query, resolver: Resolver, taken: set[str]) -> list[Resolved]:
    """FIELDS(ALL|STANDARD|CUSTOM): the readable fields in describe order; ALL and CUSTOM need LIMIT <= 200."""
    if item.scope != "STANDARD" and (query.limit is None or query.limit > FIELDS_LIMIT):
        message = f"The SOQL FIELDS function must have a LIMIT of at most {FIELDS_LIMIT}"
        raise SoqlError("MALFORMED_QUERY", resolver.where(item.line, item.column, message))
    out = []
    for described in resolver.catalog.fields(resolver.sobject):
        custom = bool(described.get("custom")) or described["name"].endswith("__c")
        if item.scope == "STANDARD" and custom or item.scope == "CUSTOM" and not custom:
            continue
        if described["name"].lower() in taken:
            continue
        taken.add(described["name"].lower())
        out.append(resolver.resolve(FieldPath((described["name"],), item.line, item.column)))
    return out


def select_columns(query: Query, resolver: Resolver, *, version: str, now: datetime,
                   fiscal_start: int = 1) -> list[Resolved | Computed]:
    """Bind every SELECT item of a record (non-aggregate) query to a column the Shaper can fill."""
    from localorg.soql.children import child_column

    taken = {i.path.parts[-1].lower() for i in query.items if i.kind == "field" and i.path and len(i.path.parts) == 1}
    columns: list[Resolved | Computed] = []
    for item in query.items:
        if item.kind == "field":
            columns.append(resolver.resolve(item.path))  # type: ignore[arg-type]
        elif item.kind == "fields":
            columns.extend(expand_fields(item, query, resolver, taken))
        elif item.kind in ("tolabel", "format"):
            columns.append(function_column(item, resolver))
        elif item.kind == "subquery":
            columns.append(child_column(item, resolver, version=version, now=now, fiscal_start=fiscal_start))
    return columns
