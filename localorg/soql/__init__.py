"""SOQL for localorg: parse() the supported subset (refusing the rest) and execute() it against a user's Catalog."""
from __future__ import annotations

from datetime import datetime

from localorg.soql.aggregate import MAX_GROUPS, Aggregation, check_limit
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
from localorg.soql.children import JoinFilterCompiler, check_children
from localorg.soql.filter import sort_rows
from localorg.soql.grammar import parse
from localorg.soql.resolve import Resolver, Shaper
from localorg.soql.select import select_columns

MAX_OFFSET = 2000  # Salesforce refuses a larger OFFSET (clients page with nextRecordsUrl instead)

__all__ = [
    "BoolOp", "Catalog", "Comparison", "FieldPath", "Literal", "Not", "OrderKey", "Query", "QueryResult",
    "SoqlError", "MAX_GROUPS", "execute", "parse",
]


def execute(query: Query, catalog: Catalog, *, version: str, now: datetime, include_deleted: bool = False,
            fiscal_start: int = 1) -> QueryResult:
    """Run a parsed query for one user: resolve names, filter, sort, page, and shape records like Salesforce.

    Every name is bound before any row is read, so INVALID_TYPE / INVALID_FIELD come out even on an
    empty object. The WHERE tree is compiled once into a closure (semi-joins run their subquery once);
    rows are not copied. `now` anchors the date literals (UTC days; FISCAL ones in a fiscal year that
    starts in month `fiscal_start`). COUNT() answers total_size with no records; GROUP BY or an
    aggregate function answers AggregateResult records. Besides the three SOQL codes, an OFFSET above
    2,000 gives NUMBER_OUTSIDE_VALID_RANGE as in Salesforce.
    """
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")
    resolver = Resolver(query, catalog)
    if query.with_clause == "SYSTEM_MODE":
        message = "WITH SYSTEM_MODE is only available in Apex; the API always runs a query as the calling user"
        raise SoqlError("MALFORMED_QUERY", resolver.where(query.sobject_line, query.sobject_column, message))
    check_children(query, resolver)
    aggregation = shaper = None
    if query.aggregate or query.group_by:
        check_limit(query, resolver)
        aggregation = Aggregation(query, resolver, now, fiscal_start)
    elif query.plain and not query.count:
        shaper = Shaper(resolver, [resolver.resolve(path) for path in query.fields], version)
    elif not query.count:
        columns = select_columns(query, resolver, version=version, now=now, fiscal_start=fiscal_start)
        shaper = Shaper(resolver, columns, version)
    predicate = JoinFilterCompiler(resolver, now, fiscal_start).compile(query.where)
    source = catalog.rows(resolver.sobject, include_deleted)
    rows = [row for row in source if predicate(row)] if predicate else list(source)
    if aggregation is not None:
        groups = aggregation.run(rows)
        records = [] if query.count else aggregation.records(groups)
        return QueryResult(total_size=len(groups), records=records, aggregate=not query.count)
    sort_rows(rows, query.order_by, resolver)
    start = query.offset or 0
    stop = None if query.limit is None else start + query.limit
    rows = rows[start:stop]
    if shaper is None:
        return QueryResult(total_size=len(rows), records=[])
    return QueryResult(total_size=len(rows), records=shaper.shape(rows))
