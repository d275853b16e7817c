"""Compile a SOQL WHERE tree into one Python predicate, and ORDER BY into stable sorts, using describe types."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from localorg.soql.ast import BoolOp, Comparison, Condition, Literal, Not, OrderKey, SoqlError
from localorg.soql.grammar import datetime_key
from localorg.soql.resolve import Resolved, Resolver

Predicate = Callable[[dict], bool]

STRINGS = {"string", "textarea", "picklist", "multipicklist", "email", "url", "phone", "combobox",
           "encryptedstring", "time", "anytype"}
IDS = {"id", "reference"}
NUMBERS = {"int", "double", "currency", "percent", "long"}
_ACCEPTS = {  # field type class -> (literal kinds accepted, type word for the message, quoted?)
    "string": ({"string"}, "string", True),
    "id": ({"string"}, "id", True),
    "number": ({"number"}, "double", False),
    "boolean": ({"boolean"}, "boolean", False),
    "date": ({"date", "relative"}, "date", False),
    "datetime": ({"datetime", "relative"}, "dateTime", False),
}
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


def type_class(field_type: str) -> str:
    """Group describe types by how SOQL compares them."""
    if field_type in IDS:
        return "id"
    if field_type in NUMBERS:
        return "number"
    if field_type in ("boolean", "date", "datetime"):
        return field_type
    return "string"


def _norm_datetime(value: Any) -> str | None:
    """A stored datetime as a UTC key; the canonical '...000+0000' form takes the fast path."""
    if value is None:
        return None
    if len(value) == 28 and value.endswith("+0000"):
        return value[:23]
    return datetime_key(value)


def normalizer(kind: str) -> Callable[[Any], Any]:
    """value -> comparable key (None stays None): strings fold case, Ids compare on their 15-char form."""
    if kind == "string":
        return lambda v: None if v is None else str(v).casefold()
    if kind == "id":
        return lambda v: None if v is None else str(v)[:15]
    if kind == "datetime":
        return _norm_datetime
    return lambda v: v


def _literal_key(literal: Literal, kind: str) -> Any:
    """A literal's comparable key for a field of the given type class."""
    if kind == "string":
        return literal.value.casefold()
    if kind == "id":
        return literal.value[:15]
    return literal.value


def _day_range(literal: Literal, kind: str, now: datetime) -> tuple[str, str]:
    """[start, end) of a relative date literal as keys for a date or datetime field (UTC days)."""
    today = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC).date()
    name, n = literal.value
    if n > 100_000:  # far beyond any org's history; timedelta would overflow
        raise SoqlError("MALFORMED_QUERY", f"Invalid date literal: {literal.raw}")
    start, end = {
        "TODAY": (today, today + timedelta(days=1)),
        "YESTERDAY": (today - timedelta(days=1), today),
        "TOMORROW": (today + timedelta(days=1), today + timedelta(days=2)),
        "LAST_N_DAYS": (today - timedelta(days=n), today + timedelta(days=1)),  # includes today, as observed on orgs
    }[name]

    def key(day: date) -> str:
        return day.isoformat() + ("T00:00:00.000" if kind == "datetime" else "")

    return key(start), key(end)


def like_regex(raw: str) -> re.Pattern[str]:
    """LIKE pattern -> regex: % any run, _ one char, backslash escapes literal; case-insensitive, whole value."""
    out, i = [], 0
    while i < len(raw):
        char = raw[i]
        if char == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            out.append(re.escape(_ESCAPES.get(nxt, nxt)))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


class FilterCompiler:
    """Turns conditions into closures once per query, so each row costs a few dict reads and compares."""

    def __init__(self, resolver: Resolver, now: datetime) -> None:
        self.resolver = resolver
        self.now = now

    def compile(self, condition: Condition | None) -> Predicate | None:
        """The predicate for a WHERE tree (None when there is no WHERE)."""
        if condition is None:
            return None
        if isinstance(condition, Not):
            inner = self.compile(condition.item)
            return lambda row: not inner(row)
        if isinstance(condition, BoolOp):
            items = [self.compile(item) for item in condition.items]
            return _chain(condition.op, items)
        return self._comparison(condition)

    def _error(self, comparison: Comparison, message: str, code: str = "MALFORMED_QUERY") -> SoqlError:
        return SoqlError(code, self.resolver.where(comparison.field.line, comparison.field.column, message))

    @staticmethod
    def _boolean_null(literal: Literal, kind: str) -> Literal:
        """On a boolean field null means false (Salesforce: `= null` is `= false`, `!= null` is `= true`)."""
        return Literal("boolean", False, literal.raw) if kind == "boolean" and literal.kind == "null" else literal

    def _check(self, comparison: Comparison, field: Resolved, literal: Literal, kind: str) -> None:
        """Refuse a literal of the wrong type, as Salesforce does ("must be of type dateTime ...")."""
        accepted, word, quoted = _ACCEPTS[kind]
        if literal.kind == "null" or literal.kind in accepted:
            return
        hint = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        raise self._error(comparison, f"value of filter criterion for field '{field.name}' must be of type {word} and {hint}")

    def _comparison(self, comparison: Comparison) -> Predicate:
        """One `field op value` as a closure over the field getter and the literal's key."""
        field = self.resolver.resolve(comparison.field)
        if field.describe.get("filterable") is False:
            raise self._error(comparison, f"field '{field.name}' can not be filtered in query call", "INVALID_FIELD")
        kind, get, op = type_class(field.type), field.getter, comparison.op
        norm = normalizer(kind)
        if op in ("IN", "NOT IN"):
            return self._membership(comparison, field, kind, norm)
        literal = comparison.value
        assert isinstance(literal, Literal)
        if op == "LIKE":
            if kind != "string":
                raise self._error(comparison, f"invalid operator on field '{field.name}': LIKE needs a text field")
            regex = like_regex(literal.raw)
            return lambda row: (v := get(row)) is not None and regex.fullmatch(str(v)) is not None
        self._check(comparison, field, literal, kind)
        literal = self._boolean_null(literal, kind)
        if literal.kind == "null":
            if op == "=":
                return lambda row: get(row) is None
            if op == "!=":
                return lambda row: get(row) is not None
            return lambda row: False
        if literal.kind == "relative":
            return self._in_range(op, get, norm, _day_range(literal, kind, self.now))
        key = _literal_key(literal, kind)
        if op == "=":
            return lambda row: norm(get(row)) == key
        if op == "!=":
            return lambda row: norm(get(row)) != key  # SOQL: != also matches null values
        compare = {"<": lambda x: x < key, "<=": lambda x: x <= key, ">": lambda x: x > key, ">=": lambda x: x >= key}[op]
        return lambda row: (x := norm(get(row))) is not None and compare(x)

    @staticmethod
    def _in_range(op: str, get: Callable, norm: Callable, bounds: tuple[str, str]) -> Predicate:
        """Relative date literals are day ranges: = inside, < before start, > at or after end, etc."""
        start, end = bounds
        inside = {"=": lambda x: start <= x < end, "<": lambda x: x < start, "<=": lambda x: x < end,
                  ">": lambda x: x >= end, ">=": lambda x: x >= start}
        if op == "!=":
            return lambda row: (x := norm(get(row))) is None or not start <= x < end
        test = inside[op]
        return lambda row: (x := norm(get(row))) is not None and test(x)

    def _membership(self, comparison: Comparison, field: Resolved, kind: str, norm: Callable) -> Predicate:
        """IN / NOT IN over a literal list (null and relative date literals allowed in the list)."""
        keys: set[Any] = set()
        ranges: list[tuple[str, str]] = []
        has_null = False
        for literal in comparison.value:  # type: ignore[union-attr]
            self._check(comparison, field, literal, kind)
            literal = self._boolean_null(literal, kind)
            if literal.kind == "null":
                has_null = True
            elif literal.kind == "relative":
                ranges.append(_day_range(literal, kind, self.now))
            else:
                keys.add(_literal_key(literal, kind))
        get = field.getter

        def member(row: dict) -> bool:
            x = norm(get(row))
            if x is None:
                return has_null
            return x in keys or any(s <= x < e for s, e in ranges)

        if comparison.op == "IN":
            return member
        return lambda row: not member(row)


def _chain(op: str, items: list[Predicate]) -> Predicate:
    """AND / OR as nested two-way closures: cheaper per row than all()/any() over a generator."""
    first, rest = items[0], items[1:]
    if not rest:
        return first
    second = _chain(op, rest)
    if op == "AND":
        return lambda row: first(row) and second(row)
    return lambda row: first(row) or second(row)


def sort_rows(rows: list[dict], keys: tuple[OrderKey, ...], resolver: Resolver) -> None:
    """Sort in place by ORDER BY keys: stable passes from the last key; NULLS FIRST for ASC, LAST for DESC by default."""
    bound = []
    for key in keys:
        field = resolver.resolve(key.field)
        if field.describe.get("sortable") is False:
            message = f"field '{field.name}' can not be sorted in a query call"
            raise SoqlError("INVALID_FIELD", resolver.where(key.field.line, key.field.column, message))
        bound.append((key, field))
    for key, field in reversed(bound):  # measured: faster than one pass with a tuple key
        rows.sort(key=_sort_part(key, field), reverse=key.descending)


def _sort_part(key: OrderKey, field: Resolved) -> Callable[[dict], tuple]:
    """row -> (rank, value): nulls rank below or above every value as NULLS FIRST/LAST and the direction ask."""
    nulls_first = (not key.descending) if key.nulls_first is None else key.nulls_first
    null_key = (0, 0) if nulls_first != key.descending else (2, 0)
    norm, get = normalizer(type_class(field.type)), field.getter

    def sort_key(row: dict) -> tuple:
        x = norm(get(row))
        return null_key if x is None else (1, x)

    return sort_key
