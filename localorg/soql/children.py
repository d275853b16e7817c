"""Subqueries: child relationship queries in SELECT, and semi-joins / anti-joins (`IN (SELECT Id FROM ...)`)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from localorg.soql.ast import BoolOp, Comparison, Condition, FieldPath, Not, Query, SelectItem, SoqlError
from localorg.soql.filter import FilterCompiler, Predicate, sort_rows
from localorg.soql.resolve import Computed, Resolver, Shaper

MAX_SEMI_JOINS = 2
MAX_CHILD_SUBQUERIES = 20
_NO_CHILD = (
    "Didn't understand relationship '{name}' in FROM part of query call. If you are attempting to use a custom "
    "relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL "
    "or the describe call for the appropriate names."
)


def _malformed(resolver: Resolver, line: int, column: int, message: str) -> SoqlError:
    return SoqlError("MALFORMED_QUERY", resolver.where(line, column, message))


def is_semi_join(condition: Any) -> bool:
    """True for `field IN (SELECT ...)` / `NOT IN (SELECT ...)`."""
    return isinstance(condition, Comparison) and isinstance(condition.value, Query)


def _semi_joins(condition: Condition | None) -> list[Comparison]:
    if isinstance(condition, Not):
        return _semi_joins(condition.item)
    if isinstance(condition, BoolOp):
        return [c for item in condition.items for c in _semi_joins(item)]
    return [condition] if is_semi_join(condition) else []  # type: ignore[list-item]


def check_semi_joins(condition: Condition | None, resolver: Resolver) -> None:
    """Semi-/anti-joins only in the top-level AND chain, at most two, none nested (Salesforce's rules)."""
    joins = _semi_joins(condition)
    if not joins:
        return
    top = condition.items if isinstance(condition, BoolOp) and condition.op == "AND" else (condition,)
    for join in joins:
        if not any(join is item for item in top):
            under_or = isinstance(condition, BoolOp) and condition.op == "OR" or _under_or(condition, join)
            message = ("Semi join sub-selects are not allowed with the 'OR' operator" if under_or else
                       "Semi join sub-selects are only allowed at the top level WHERE expressions and not in nested WHERE expressions.")
            raise _malformed(resolver, join.field.line, join.field.column, message)
        if _semi_joins(join.value.where):  # type: ignore[union-attr]
            raise _malformed(resolver, join.field.line, join.field.column, "Nesting of semi join sub-selects is not supported")
    if len(joins) > MAX_SEMI_JOINS:
        raise _malformed(resolver, joins[-1].field.line, joins[-1].field.column,
                         f"Maximum {MAX_SEMI_JOINS} semi join sub-selects are allowed")


def _under_or(condition: Any, target: Comparison) -> bool:
    if isinstance(condition, Not):
        return _under_or(condition.item, target)
    if isinstance(condition, BoolOp):
        if condition.op == "OR" and target in _semi_joins(condition):
            return True
        return any(_under_or(item, target) for item in condition.items)
    return False


def _id_types(resolved: Any, sobject: str) -> set[str]:
    """Objects whose Ids a field holds: its own object for an Id, the referenced ones for a lookup."""
    if resolved.type == "id":
        return {sobject.lower()}
    return {t.lower() for t in resolved.describe.get("referenceTo") or []}


class JoinFilterCompiler(FilterCompiler):
    """FilterCompiler that also answers semi-joins and anti-joins by running their subquery once."""

    def __init__(self, resolver: Resolver, now: datetime, fiscal_start: int = 1) -> None:
        super().__init__(resolver, now, fiscal_start)

    def compile(self, condition: Condition | None) -> Predicate | None:
        """Check where the joins stand once, then compile as usual."""
        if condition is not None and not getattr(self, "_checked", False):
            self._checked = True
            check_semi_joins(condition, self.resolver)
        return super().compile(condition)

    def _comparison(self, comparison: Comparison) -> Predicate:
        if is_semi_join(comparison):
            return self._semi_join(comparison)
        return super()._comparison(comparison)

    def _semi_join(self, comparison: Comparison) -> Predicate:
        outer = self.resolver
        left = outer.resolve(comparison.field)
        sub: Query = comparison.value  # type: ignore[assignment]
        if left.type not in ("id", "reference"):
            raise _malformed(outer, comparison.field.line, comparison.field.column,
                             f"Semi join sub-selects are only allowed on id fields, cannot use: '{left.name}'")
        if (sub.count or not sub.plain or len(sub.fields) != 1 or sub.order_by or sub.limit is not None
                or sub.offset is not None):
            raise _malformed(outer, sub.sobject_line, sub.sobject_column,
                             "A semi join sub-select selects one Id or lookup field, without ORDER BY, LIMIT or OFFSET")
        inner = Resolver(sub, outer.catalog)
        selected = inner.resolve(sub.fields[0])
        if selected.type not in ("id", "reference"):
            raise _malformed(outer, sub.fields[0].line, sub.fields[0].column,
                             f"Semi join sub-selects can only query id fields, cannot use: '{selected.name}'")
        if not _id_types(left, left_owner(left, outer)) & _id_types(selected, inner.sobject):
            raise _malformed(outer, comparison.field.line, comparison.field.column,
                             f"The selected field '{selected.name}' in the subquery and the left operand field "
                             f"'{left.name}' in the where expression in the outer query must point to the same object type")
        predicate = FilterCompiler(inner, self.now, self.fiscal_start).compile(sub.where)
        get = selected.getter
        values = {str(v)[:15] for row in inner.catalog.rows(inner.sobject)
                  if (predicate is None or predicate(row)) and (v := get(row)) is not None}
        outer_get = left.getter

        def member(row: dict) -> bool:
            value = outer_get(row)
            return value is not None and str(value)[:15] in values

        return member if comparison.op == "IN" else (lambda row: not member(row))


def left_owner(resolved: Any, resolver: Resolver) -> str:
    """The object that holds a resolved field: the queried one, or the last parent type walked."""
    return resolved.hops[-1].types[0] if resolved.hops else resolver.sobject


def child_column(item: SelectItem, parent: Resolver, *, version: str, now: datetime, fiscal_start: int = 1) -> Computed:
    """A child relationship subquery as a column: {totalSize, done, records} per parent row, or None."""
    from localorg.soql.select import select_columns

    sub: Query = item.subquery  # type: ignore[assignment]
    children = getattr(parent.catalog, "child_relationships", lambda _s: [])(parent.sobject)
    relation = next((c for c in children if (c.get("relationshipName") or "").lower() == sub.sobject.lower()), None)
    if relation is None:
        raise SoqlError("INVALID_TYPE", parent.where(sub.sobject_line, sub.sobject_column, _NO_CHILD.format(name=sub.sobject)))
    if sub.count or sub.aggregate:
        raise _malformed(parent, sub.sobject_line, sub.sobject_column, "Aggregate functions are not allowed in a child relationship subquery")
    if any(i.kind == "subquery" for i in sub.items) or _semi_joins(sub.where):
        raise _malformed(parent, sub.sobject_line, sub.sobject_column, "Nesting of subqueries is not supported here")
    if sub.offset is not None:
        raise _malformed(parent, sub.sobject_line, sub.sobject_column, "OFFSET is not allowed in a child relationship subquery")
    query = replace(sub, sobject=relation["childSObject"])
    resolver = Resolver(query, parent.catalog)
    shaper = Shaper(resolver, select_columns(query, resolver, version=version, now=now, fiscal_start=fiscal_start), version)
    predicate = FilterCompiler(resolver, now, fiscal_start).compile(query.where)
    link = resolver.resolve(FieldPath((relation["field"],), sub.sobject_line, sub.sobject_column))
    groups: dict[str, list[dict]] | None = None

    def build() -> dict[str, list[dict]]:
        rows = [r for r in parent.catalog.rows(resolver.sobject) if predicate is None or predicate(r)]
        sort_rows(rows, query.order_by, resolver)
        out: dict[str, list[dict]] = {}
        for row in rows:
            key = link.getter(row)
            if key is not None:
                out.setdefault(str(key)[:15], []).append(row)
        return out

    def value(row: dict) -> dict | None:
        nonlocal groups
        if groups is None:
            groups = build()
        found = groups.get(str(row.get("Id"))[:15])
        if not found:
            return None
        found = found[: query.limit] if query.limit is not None else found
        return {"totalSize": len(found), "done": True, "records": shaper.shape(found)} if found else None

    return Computed(relation["relationshipName"], value, query)


def check_children(query: Query, resolver: Resolver) -> None:
    """At most 20 child relationship subqueries in one SELECT list."""
    subqueries = [i for i in query.items if i.kind == "subquery"]
    if len(subqueries) > MAX_CHILD_SUBQUERIES:
        last = subqueries[-1]
        raise _malformed(resolver, last.line, last.column,
                         f"Too many child relationship subqueries: at most {MAX_CHILD_SUBQUERIES} are allowed")
