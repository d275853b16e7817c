"""Assemble a parsed Query and refuse, as MALFORMED_QUERY, what SOQL rules out beyond the grammar's tokens."""
from __future__ import annotations

from typing import Any

from lark import Token

from localorg.soql.ast import AggCall, BoolOp, Not, Query, SelectItem, SoqlError, located


def _malformed(text: str, line: int, column: int, message: str) -> SoqlError:
    return SoqlError("MALFORMED_QUERY", located(text, line, column, message))


def _agg_calls(condition: Any) -> list[AggCall]:
    """Aggregate calls on the left of the comparisons in a condition tree."""
    if isinstance(condition, Not):
        return _agg_calls(condition.item)
    if isinstance(condition, BoolOp):
        return [call for item in condition.items for call in _agg_calls(item)]
    return [condition.field] if isinstance(getattr(condition, "field", None), AggCall) else []


def build_query(text: str, items: tuple[SelectItem, ...], sobject: Token, parts: dict[str, Any]) -> Query:
    """Assemble a Query and refuse, as MALFORMED_QUERY, what SOQL's grammar rules out beyond the tokens."""
    group_by, group_kind = parts.get("group_by", ((), None))
    count = len(items) == 1 and items[0].kind == "agg" and items[0].call.field is None  # type: ignore[union-attr]
    for item in items:
        call = item.call
        if call is not None and call.field is None and (not count or item.alias or call.func != "COUNT"):
            problem = "COUNT() must be the only element in the SELECT list" if call.func == "COUNT" else "unexpected token: ')'"
            raise _malformed(text, call.line, call.column, problem)
    aggregate = bool(group_by) or (not count and any(i.call is not None for i in items))
    for item in items:
        if item.alias and not aggregate and item.kind not in ("tolabel", "format"):
            raise _malformed(text, item.line, item.column, "Only aggregate expressions use field aliasing")
    for call in _agg_calls(parts.get("where")):
        raise _malformed(text, call.line, call.column, f"Aggregate functions are not allowed in the WHERE clause: {call.text}")
    if parts.get("having") is not None and not group_by:
        raise _malformed(text, sobject.line or 1, sobject.column or 1, "HAVING can only be used with GROUP BY")
    for key in parts.get("order_by", ()):
        if isinstance(key.field, AggCall) and not aggregate:
            raise _malformed(text, key.field.line, key.field.column,
                             f"Ordering by an aggregate needs an aggregate query: {key.field.text}")
    return Query(
        text=text,
        sobject=str(sobject),
        fields=tuple(i.path for i in items if i.kind == "field" and i.path is not None) if not count else (),
        count=count,
        where=parts.get("where"),
        order_by=parts.get("order_by", ()),
        limit=parts.get("limit"),
        offset=parts.get("offset"),
        sobject_line=sobject.line or 1,
        sobject_column=sobject.column or 1,
        items=() if count else items,
        group_by=tuple(group_by),
        group_kind=group_kind,
        having=parts.get("having"),
        with_clause=parts.get("with_clause"),
    )
