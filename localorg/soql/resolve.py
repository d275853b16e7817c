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
    """A field path bound to the catalog: the hops to walk, the leaf describe, and a row -> value getter.

    leaf reads the value from the last row reached (None: the stored column of that name); compound
    fields (address, geolocation) have one that assembles the object from their component fields.
    """

    hops: tuple[Hop, ...]
    describe: dict
    getter: Callable[[dict], Any]
    leaf: Callable[[dict], Any] | None = None

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
        leaf = None
        if described.get("type") in COMPOUND_TYPES:
            owner = next(c for c in candidates if described["name"].lower() in self._fields(c)[0])
            leaf = compound_leaf(described, list(self._fields(owner)[0].values()))
        return Resolved(tuple(hops), described, self._getter(tuple(hops), described["name"], leaf), leaf)

    def _first(self, candidates: tuple[str, ...], table: int, name: str) -> dict | None:
        """A field (table 0) or relationship (table 1) from the first candidate type that has it (polymorphic lookups)."""
        for sobject in candidates:
            found = self._fields(sobject)[table].get(name.lower())
            if found is not None:
                return found
        return None

    def _getter(self, hops: tuple[Hop, ...], name: str, leaf: Callable[[dict], Any] | None = None) -> Callable[[dict], Any]:
        """A closure reading the value from a row, walking parent lookups through the cache."""
        if not hops:
            return leaf or (lambda row: row.get(name))
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
            return leaf(row) if leaf else row.get(name)

        return walk


COMPOUND_TYPES = ("address", "location")
ADDRESS_KEYS = ("city", "country", "countryCode", "geocodeAccuracy", "latitude", "longitude", "postalCode",
                "state", "stateCode", "street")


def _component_key(compound: str, component: str) -> str:
    """The JSON key of a component: BillingPostalCode of BillingAddress -> postalCode, Loc__Latitude__s -> latitude."""
    if component.endswith("__s") and "__" in component[:-3]:
        suffix = component[:-3].rsplit("__", 1)[1]
    else:
        prefix = compound[: -len("Address")] if compound.endswith("Address") else compound
        suffix = component[len(prefix):] if component.startswith(prefix) else component
    return suffix[:1].lower() + suffix[1:]


def compound_leaf(described: dict, fields: list[dict]) -> Callable[[dict], Any]:
    """row -> the compound value Salesforce answers: every key present, or None when all components are null."""
    name = described["name"]
    keys = ADDRESS_KEYS if described.get("type") == "address" else ("latitude", "longitude")
    parts = {_component_key(name, f["name"]): f["name"] for f in fields if f.get("compoundFieldName") == name}
    plan = [(key, parts.get(key)) for key in keys]

    def value(row: dict) -> dict | None:
        out = {key: (row.get(column) if column else None) for key, column in plan}
        return out if any(v is not None for v in out.values()) else None

    return value


@dataclass(frozen=True)
class Computed:
    """A SELECT column whose value is computed from the row: toLabel(), FORMAT(), an aliased item, a subquery."""

    key: str
    fn: Callable[[dict], Any]
    query: Any = None  # a child subquery's own Query (object resolved), for column metadata


class Shaper:
    """Builds Salesforce-shaped records for the SELECT list: attributes first, fields in SELECT order."""

    def __init__(self, resolver: Resolver, selected: list[Resolved | Computed], version: str) -> None:
        self.resolver = resolver
        self.prefix = f"/services/data/v{version}/sobjects/"
        self.plan: list[tuple] = []
        seen: set[tuple[str, ...]] = set()
        for item in selected:
            if isinstance(item, Computed):
                key: tuple[str, ...] = (item.key.lower(),)
                name = item.key
            else:
                key = tuple(h.relationship.lower() for h in item.hops) + (item.name.lower(),)
                name = item.name
            if key in seen:
                raise SoqlError("MALFORMED_QUERY", f"duplicate field selected: {name}")
            seen.add(key)
            if isinstance(item, Computed):
                self.plan.append(("x", item.key, item.fn))
            else:
                self._insert(self.plan, item.hops, item.name, item.leaf)
        simple = all(e[0] == "f" and e[2] is None for e in self.plan)
        self.flat = [entry[1] for entry in self.plan] if simple else None

    def _insert(self, plan: list[tuple], hops: tuple[Hop, ...], name: str, leaf: Callable | None = None) -> None:
        """Add a field to the plan tree, reusing the nested entry of a relationship already selected."""
        if not hops:
            plan.append(("f", name, leaf))
            return
        for entry in plan:
            if entry[0] == "r" and entry[1] == hops[0]:
                self._insert(entry[2], hops[1:], name, leaf)
                return
        child: list[tuple] = []
        plan.append(("r", hops[0], child))
        self._insert(child, hops[1:], name, leaf)

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
                record[entry[1]] = entry[2](row) if entry[2] else row.get(entry[1])
                continue
            if entry[0] == "x":
                record[entry[1]] = entry[2](row)
                continue
            hop: Hop = entry[1]
            parent_id = row.get(hop.id_field)
            found = self.resolver.parent(hop, parent_id) if parent_id is not None else None
            record[hop.relationship] = self._shape_one(entry[2], found[1], found[0]) if found else None
        return record
