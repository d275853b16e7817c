"""Resolve SOQL field paths against a Catalog (case-insensitive, parent relationships) and shape result records."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localorg.soql.ast import Catalog, FieldPath, Query, SoqlError, located

_NO_COLUMN = (
    "No such column '{field}' on entity '{entity}'. If you are attempting to use a custom field, be sure to "
    "append the '__c' after the custom field name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)
_NO_RELATION = (
    "Didn't understand relationship '{name}' in field path. If you are attempting to use a custom relationship, "
    "be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe "
    "call for the appropriate names."
)
_NO_TYPE = (
    "sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to append "
    "the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
)


@dataclass(frozen=True)
class Hop:
    """One parent relationship step: the lookup field holding the parent Id and the types it may point to."""

    relationship: str   # canonical relationshipName, e.g. "Owner"
    id_field: str       # canonical lookup field, e.g. "OwnerId"
    types: tuple[str, ...]


@dataclass(frozen=True)
class Resolved:
    """A field path bound to the catalog: the hops to walk, the leaf describe, and a row -> value getter."""

    hops: tuple[Hop, ...]
    describe: dict
    getter: Callable[[dict], Any]

    @property
    def name(self) -> str:
        """Canonical leaf field name."""
        return self.describe["name"]

    @property
    def type(self) -> str:
        """Describe type of the leaf field (string, datetime, reference, ...)."""
        return str(self.describe.get("type", "string")).lower()


class Resolver:
    """Binds names in one query to one catalog, caching describes and parent rows for the execution."""

    def __init__(self, query: Query, catalog: Catalog) -> None:
        self.query = query
        self.catalog = catalog
        canonical = catalog.object_name(query.sobject)
        if canonical is None:
            raise SoqlError("INVALID_TYPE", self.where(query.sobject_line, query.sobject_column, _NO_TYPE.format(name=query.sobject)))
        self.sobject: str = canonical
        self._describes: dict[str, tuple[dict[str, dict], dict[str, dict]]] = {}
        self._parents: dict[str, tuple[str, dict] | None] = {}

    def where(self, line: int, column: int, message: str) -> str:
        """Locate a message in the query text, Salesforce style."""
        return located(self.query.text, line, column, message)

    def _fields(self, sobject: str) -> tuple[dict[str, dict], dict[str, dict]]:
        """Readable fields of an object by lower-case name and by lower-case relationship name."""
        if sobject not in self._describes:
            by_name: dict[str, dict] = {}
            by_relation: dict[str, dict] = {}
            for described in self.catalog.fields(sobject):
                by_name[described["name"].lower()] = described
                if described.get("relationshipName") and described.get("referenceTo"):
                    by_relation[described["relationshipName"].lower()] = described
            self._describes[sobject] = (by_name, by_relation)
        return self._describes[sobject]

    def parent(self, hop: Hop, parent_id: str) -> tuple[str, dict] | None:
        """The visible parent row (and its type) for a lookup value, cached per Id."""
        if parent_id not in self._parents:
            found = None
            for sobject in hop.types:
                row = self.catalog.row(sobject, parent_id)
                if row is not None:
                    found = (sobject, row)
                    break
            self._parents[parent_id] = found
        return self._parents[parent_id]

    def resolve(self, path: FieldPath) -> Resolved:
        """Bind a path; unknown or unreadable fields are INVALID_FIELD, exactly as Salesforce words them."""
        parts = list(path.parts)
        if len(parts) > 1 and parts[0].lower() == self.sobject.lower() and parts[0].lower() not in self._fields(self.sobject)[1]:
            parts = parts[1:]  # `Lead.Email` FROM Lead: the object name may prefix a path
        candidates: tuple[str, ...] = (self.sobject,)
        hops: list[Hop] = []
        for name in parts[:-1]:
            lookup = self._first(candidates, 1, name)
            types = tuple(t for t in (lookup or {}).get("referenceTo", ()) if self.catalog.object_name(t))
            if lookup is None or not types:
                raise SoqlError("INVALID_FIELD", self.where(path.line, path.column, _NO_RELATION.format(name=name)))
            hops.append(Hop(lookup["relationshipName"], lookup["name"], types))
            candidates = types
        described = self._first(candidates, 0, parts[-1])
        if described is None:
            message = _NO_COLUMN.format(field=path.text if not hops else parts[-1], entity=candidates[0])
            raise SoqlError("INVALID_FIELD", self.where(path.line, path.column, message))
        return Resolved(tuple(hops), described, self._getter(tuple(hops), described["name"]))

    def _first(self, candidates: tuple[str, ...], table: int, name: str) -> dict | None:
        """A field (table 0) or relationship (table 1) from the first candidate type that has it (polymorphic lookups)."""
        for sobject in candidates:
            found = self._fields(sobject)[table].get(name.lower())
            if found is not None:
                return found
        return None

    def _getter(self, hops: tuple[Hop, ...], name: str) -> Callable[[dict], Any]:
        """A closure reading the value from a row, walking parent lookups through the cache."""
        if not hops:
            return lambda row: row.get(name)
        parent = self.parent

        def walk(row: dict) -> Any:
            for hop in hops:
                parent_id = row.get(hop.id_field)
                if parent_id is None:
                    return None
                found = parent(hop, parent_id)
                if found is None:
                    return None
                row = found[1]
            return row.get(name)

        return walk


class Shaper:
    """Builds Salesforce-shaped records for the SELECT list: attributes first, fields in SELECT order."""

    def __init__(self, resolver: Resolver, selected: list[Resolved], version: str) -> None:
        self.resolver = resolver
        self.prefix = f"/services/data/v{version}/sobjects/"
        self.plan: list[tuple] = []
        seen: set[tuple[str, ...]] = set()
        for item in selected:
            key = tuple(h.relationship.lower() for h in item.hops) + (item.name.lower(),)
            if key in seen:
                raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {item.name}")
            seen.add(key)
            self._insert(self.plan, item.hops, item.name)
        self.flat = [entry[1] for entry in self.plan] if all(e[0] == "f" for e in self.plan) else None

    def _insert(self, plan: list[tuple], hops: tuple[Hop, ...], name: str) -> None:
        """Add a field to the plan tree, reusing the nested entry of a relationship already selected."""
        if not hops:
            plan.append(("f", name))
            return
        for entry in plan:
            if entry[0] == "r" and entry[1] == hops[0]:
                self._insert(entry[2], hops[1:], name)
                return
        child: list[tuple] = []
        plan.append(("r", hops[0], child))
        self._insert(child, hops[1:], name)

    def shape(self, rows: list[dict]) -> list[dict]:
        """Records for the API: {"attributes": {type, url}, field: value, Rel: {...} or None}."""
        sobject, prefix = self.resolver.sobject, self.prefix + self.resolver.sobject + "/"
        if self.flat is not None:
            names = self.flat
            out = []
            for row in rows:
                record = {"attributes": {"type": sobject, "url": prefix + str(row.get("Id"))}}
                for name in names:
                    record[name] = row.get(name)
                out.append(record)
            return out
        return [self._shape_one(self.plan, row, sobject) for row in rows]

    def _shape_one(self, plan: list[tuple], row: dict, sobject: str) -> dict:
        """One record, recursing into selected parents."""
        record: dict[str, Any] = {"attributes": {"type": sobject, "url": f"{self.prefix}{sobject}/{row.get('Id')}"}}
        for entry in plan:
            if entry[0] == "f":
                record[entry[1]] = row.get(entry[1])
                continue
            hop: Hop = entry[1]
            parent_id = row.get(hop.id_field)
            found = self.resolver.parent(hop, parent_id) if parent_id is not None else None
            record[hop.relationship] = self._shape_one(entry[2], found[1], found[0]) if found else None
        return record
