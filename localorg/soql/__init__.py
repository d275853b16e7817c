"""SOQL for localorg: parse() the supported subset (refusing the rest) and execute() it against a user's Catalog."""
from __future__ import annotations

from datetime import datetime

from localorg.soql.ast import (
    BoolOp,
    Catalog,
    Comparison,
    FieldPath,
    Literal,
    Not,
    OrderKey,
    Query,
    QueryResult,
    SoqlError,
)
from localorg.soql.filter import FilterCompiler, sort_rows
from localorg.soql.grammar import parse
from localorg.soql.resolve import Resolver, Shaper

MAX_OFFSET = 2000  # Salesforce refuses a larger OFFSET (clients page with nextRecordsUrl instead)

__all__ = [
    "BoolOp", "Catalog", "Comparison", "FieldPath", "Literal", "Not", "OrderKey", "Query", "QueryResult",
    "SoqlError", "execute", "parse",
]


def execute(query: Query, catalog: Catalog, *, version: str, now: datetime, include_deleted: bool = False) -> QueryResult:
    """Run a parsed query for one user: resolve names, filter, sort, page, and shape records like Salesforce.

    Every name is bound before any row is read, so INVALID_TYPE / INVALID_FIELD come out even on an
    empty object. The WHERE tree is compiled once into a closure; rows are not copied. `now` anchors
    TODAY / YESTERDAY / LAST_N_DAYS:n (UTC days). COUNT() answers total_size with no records.
    Besides the three SOQL codes, an OFFSET above 2,000 gives NUMBER_OUTSIDE_VALID_RANGE as in Salesforce.
    """
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")
    resolver = Resolver(query, catalog)
    selected = [resolver.resolve(path) for path in query.fields]
    shaper = None if query.count else Shaper(resolver, selected, version)
    predicate = FilterCompiler(resolver, now).compile(query.where)
    source = catalog.rows(resolver.sobject, include_deleted)
    rows = [row for row in source if predicate(row)] if predicate else list(source)
    sort_rows(rows, query.order_by, resolver)
    start = query.offset or 0
    stop = None if query.limit is None else start + query.limit
    rows = rows[start:stop]
    if shaper is None:
        return QueryResult(total_size=len(rows), records=[])
    return QueryResult(total_size=len(rows), records=shaper.shape(rows))
