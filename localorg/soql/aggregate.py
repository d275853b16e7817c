"""Aggregate queries: GROUP BY, COUNT/COUNT_DISTINCT/SUM/AVG/MIN/MAX, HAVING, aliases and AggregateResult records."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from localorg.soql.ast import AggCall, BoolOp, Comparison, Condition, FieldPath, Literal, Not, Query, SoqlError
from localorg.soql.filter import _ACCEPTS, _day_range, _literal_key, normalizer, type_class
from localorg.soql.functions import formatter, to_label
from localorg.soql.resolve import Resolved, Resolver
from localorg.wildcard import Wildcard

NUMERIC = frozenset({"int", "long", "double", "currency", "percent"})
MAX_GROUPS = 2000  # an aggregate query answers one batch: no queryMore past it
Env = dict[str, Any]


def _sig(path: FieldPath | AggCall, resolver: Resolver) -> str:
    """A canonical key for a grouped field or an aggregate call, shared by SELECT, HAVING and ORDER BY."""
    if isinstance(path, AggCall):
        inner = _sig(path.field, resolver) if path.field else ""
        return f"{path.func}({inner})"
    resolved = resolver.resolve(path)
    return ".".join([h.relationship.lower() for h in resolved.hops] + [resolved.name.lower()])


def _reader(sig: str, fn: Callable[[Any], Any] | None = None) -> Callable[[Env], Any]:
    """env -> the value under sig, through fn when given."""
    if fn is None:
        return lambda env: env[sig]
    return lambda env: fn(env[sig])


class Aggregation:
    """One aggregate query bound to a catalog: groups rows and answers AggregateResult records."""

    def __init__(self, query: Query, resolver: Resolver, now: datetime, fiscal_start: int = 1) -> None:
        self.query, self.resolver, self.now, self.fiscal_start = query, resolver, now, fiscal_start
        if query.group_kind:
            raise self._malformed(query.group_by[0], f"GROUP BY {query.group_kind}() is not supported by localorg: "
                                  "group by the fields themselves and add the subtotals in your code")
        self.groups: list[tuple[str, Resolved]] = []
        for path in query.group_by:
            resolved = resolver.resolve(path)
            if resolved.describe.get("groupable") is False:
                message = f"field '{resolved.name}' can not be grouped in a query call"
                raise SoqlError("INVALID_FIELD", resolver.where(path.line, path.column, message))
            self.groups.append((_sig(path, resolver), resolved))
        self.grouped = {sig for sig, _ in self.groups}
        self.calls: dict[str, tuple[AggCall, Resolved | None]] = {}
        self.columns: list[tuple[str, Callable[[Env], Any]]] = []
        self._bind_columns()
        self.having = self._condition(query.having) if query.having is not None else None
        self.order = [(self._operand(k.field), k) for k in query.order_by]

    def _malformed(self, at: Any, message: str) -> SoqlError:
        return SoqlError("MALFORMED_QUERY", self.resolver.where(at.line, at.column, message))

    # -- binding ---------------------------------------------------------------------------------
    def bind_call(self, call: AggCall) -> str:
        """Bind an aggregate call once (its key); refuse a field its function cannot aggregate."""
        sig = _sig(call, self.resolver)
        if sig not in self.calls:
            resolved = self.resolver.resolve(call.field) if call.field else None
            if resolved is not None:
                kind = resolved.type
                numeric_only = call.func in ("SUM", "AVG")
                if (resolved.describe.get("aggregatable") is False or numeric_only and kind not in NUMERIC
                        or kind == "boolean" and call.func in ("MIN", "MAX", "SUM", "AVG")):
                    message = f"field {resolved.name} does not support aggregate operator {call.func}"
                    raise SoqlError("INVALID_FIELD", self.resolver.where(call.line, call.column, message))
            self.calls[sig] = (call, resolved)
        return sig

    def _operand(self, target: FieldPath | AggCall) -> str:
        """A HAVING / ORDER BY operand: an aggregate call, or a field that is grouped."""
        if isinstance(target, AggCall):
            return self.bind_call(target)
        sig = _sig(target, self.resolver)
        if sig not in self.grouped:
            raise self._malformed(target, f"Field must be grouped or aggregated: {target.text}")
        return sig

    def _bind_columns(self) -> None:
        """Name each SELECT item: its alias, a grouped field's own name, or expr0, expr1, ... for aggregates."""
        unnamed, keys = 0, set()
        for item in self.query.items:
            if item.kind in ("fields", "subquery"):
                raise self._malformed(item, "FIELDS() and subqueries can't be used in an aggregate query")
            if item.call is not None:
                sig = self.bind_call(item.call)
                key = item.alias or f"expr{unnamed}"
                unnamed += 0 if item.alias else 1
                value = _reader(sig, self._formatter(sig) if item.kind == "format" else None)
            else:
                sig = self._operand(item.path)  # type: ignore[arg-type]
                resolved = next(r for s, r in self.groups if s == sig)
                key = item.alias or resolved.name
                fn = None
                if item.kind == "tolabel":
                    fn = to_label(resolved.describe)
                elif item.kind == "format":
                    fn = formatter(resolved.type, resolved.describe.get("scale"))
                value = _reader(sig, fn)
            if key.lower() in keys:
                raise self._malformed(item, f"duplicate alias: {key}")
            keys.add(key.lower())
            self.columns.append((key, value))

    def _formatter(self, sig: str) -> Callable[[Any], Any]:
        """FORMAT() over an aggregate: counts as integers, the others as their field's type."""
        call, resolved = self.calls[sig]
        if call.func in ("COUNT", "COUNT_DISTINCT") or resolved is None:
            return formatter("int")
        return formatter("double" if call.func == "AVG" and resolved.type == "int" else resolved.type,
                         resolved.describe.get("scale"))

    def _result_kind(self, sig: str) -> tuple[str, dict]:
        """(type class, describe) of a grouped field or an aggregate's result, for HAVING literals and sorting."""
        if sig in self.calls:
            call, resolved = self.calls[sig]
            if call.func in ("COUNT", "COUNT_DISTINCT", "SUM", "AVG") or resolved is None:
                return "number", {"name": call.text}
            return type_class(resolved.type), resolved.describe
        resolved = next(r for s, r in self.groups if s == sig)
        return type_class(resolved.type), resolved.describe

    # -- HAVING ----------------------------------------------------------------------------------
    def _condition(self, condition: Condition) -> Callable[[Env], bool]:
        if isinstance(condition, Not):
            inner = self._condition(condition.item)
            return lambda env: not inner(env)
        if isinstance(condition, BoolOp):
            parts = [self._condition(item) for item in condition.items]
            if condition.op == "AND":
                return lambda env: all(p(env) for p in parts)
            return lambda env: any(p(env) for p in parts)
        return self._compare(condition)

    def _compare(self, comparison: Comparison) -> Callable[[Env], bool]:
        if isinstance(comparison.value, Query):
            raise self._malformed(comparison.field, "Semi join sub-selects are not allowed in HAVING")
        sig = self._operand(comparison.field)
        kind, describe = self._result_kind(sig)
        norm, op = normalizer(kind), comparison.op
        literals = comparison.value if isinstance(comparison.value, tuple) else (comparison.value,)
        for literal in literals:
            accepted, word, quoted = _ACCEPTS[kind]
            if literal.kind not in accepted and literal.kind != "null" and not (op == "LIKE" and kind == "string"):
                hint = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
                raise self._malformed(comparison.field, f"value of filter criterion for field '{describe['name']}' "
                                      f"must be of type {word} and {hint}")
        if op == "LIKE":
            matches = Wildcard.like(literals[0].raw).match   # linear, as the WHERE clause's LIKE
            return lambda env: (v := env[sig]) is not None and bool(matches(str(v)))
        if op in ("IN", "NOT IN"):
            keys = {None if lit.kind == "null" else self._key(lit, kind) for lit in literals}
            if op == "IN":
                return lambda env: norm(env[sig]) in keys
            return lambda env: norm(env[sig]) not in keys
        literal: Literal = literals[0]
        if literal.kind == "null":
            return (lambda env: env[sig] is None) if op == "=" else (lambda env: env[sig] is not None)
        if literal.kind == "relative":
            start, end = _day_range(literal, kind, self.now, self.fiscal_start)
            tests = {"=": lambda x: start <= x < end, "!=": lambda x: not start <= x < end, "<": lambda x: x < start,
                     "<=": lambda x: x < end, ">": lambda x: x >= end, ">=": lambda x: x >= start}
        else:
            key = self._key(literal, kind)
            tests = {"=": lambda x: x == key, "!=": lambda x: x != key, "<": lambda x: x < key,
                     "<=": lambda x: x <= key, ">": lambda x: x > key, ">=": lambda x: x >= key}
        test = tests[op]
        return lambda env: (x := norm(env[sig])) is not None and test(x)

    @staticmethod
    def _key(literal: Literal, kind: str) -> Any:
        return _literal_key(literal, kind)

    # -- running ---------------------------------------------------------------------------------
    def _aggregate(self, call: AggCall, resolved: Resolved | None, rows: list[dict]) -> Any:
        if resolved is None:
            return len(rows)
        values = [v for v in map(resolved.getter, rows) if v is not None]
        if call.func == "COUNT":
            return len(values)
        norm = normalizer(type_class(resolved.type))
        if call.func == "COUNT_DISTINCT":
            return len({norm(v) for v in values})
        if not values:
            return None
        if call.func == "SUM":
            total = sum(values)
            return int(total) if resolved.type in ("int", "long") else float(total)
        if call.func == "AVG":
            return float(sum(values)) / len(values)
        pick = min if call.func == "MIN" else max
        return pick(values, key=norm)

    def run(self, rows: list[dict]) -> list[Env]:
        """Group the filtered rows and answer one environment per group (HAVING, ORDER BY, LIMIT applied)."""
        buckets: dict[tuple, list[dict]] = {}
        norms = [(normalizer(type_class(r.type)), r.getter) for _sig_, r in self.groups]
        for row in rows:
            buckets.setdefault(tuple(n(g(row)) for n, g in norms), []).append(row)
        if not self.groups and not buckets:
            buckets[()] = []
        envs = []
        for members in buckets.values():
            env: Env = {sig: r.getter(members[0]) for sig, r in self.groups}
            for sig, (call, resolved) in self.calls.items():
                env[sig] = self._aggregate(call, resolved, members)
            if self.having is None or self.having(env):
                envs.append(env)
        keys = self.order or [(sig, None) for sig, _r in self.groups]
        for sig, key in reversed(keys):
            norm = normalizer(self._result_kind(sig)[0])
            descending = bool(key and key.descending)
            nulls_first = (not descending) if key is None or key.nulls_first is None else key.nulls_first
            null_rank = (0, 0) if nulls_first != descending else (2, 0)
            envs.sort(key=lambda env, s=sig, n=norm, r=null_rank: r if (x := n(env[s])) is None else (1, x),
                      reverse=descending)
        start = self.query.offset or 0
        stop = None if self.query.limit is None else start + self.query.limit
        return envs[start:stop]

    def records(self, envs: list[Env]) -> list[dict]:
        """AggregateResult records: attributes with the type only, then each column in SELECT order."""
        out = []
        for env in envs:
            record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
            for key, value in self.columns:
                record[key] = value(env)
            out.append(record)
        return out


def check_limit(query: Query, resolver: Resolver) -> None:
    """An aggregate function without GROUP BY answers one row: LIMIT is refused there, as in Salesforce."""
    if query.limit is not None and not query.group_by and not query.count:
        message = "LIMIT can't be used with an aggregate function unless the query has a GROUP BY clause"
        raise SoqlError("MALFORMED_QUERY", resolver.where(query.sobject_line, query.sobject_column, message))
