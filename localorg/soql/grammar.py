"""The SOQL subset grammar (lark, LALR) and parse(): text -> Query, or SoqlError("MALFORMED_QUERY") for anything else."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from localorg.soql.ast import BoolOp, Comparison, FieldPath, Literal, Not, OrderKey, Query, SoqlError, located

GRAMMAR = r"""
query: _SELECT select_list _FROM NAME where? order_by? limit? offset?

select_list: _COUNT "(" ")"                       -> count_select
           | field_path ("," field_path)*          -> field_select
field_path: NAME ("." NAME)*

where: _WHERE condition
?condition: term
          | term (_AND term)+                      -> and_
          | term (_OR term)+                       -> or_
?term: "(" condition ")"
     | _NOT term                                   -> not_
     | field_path OP value                         -> compare
     | field_path _LIKE STRING                     -> like
     | field_path _IN value_list                   -> in_
     | field_path _NOT _IN value_list              -> not_in
value_list: "(" value ("," value)* ")"
value: STRING | NUMBER | NULL | TRUE | FALSE | DATE | DATETIME | DATE_KW | N_DAYS

order_by: _ORDER _BY order_key ("," order_key)*
order_key: field_path DIRECTION? nulls?
nulls: _NULLS NULLS_POS
limit: _LIMIT INT
offset: _OFFSET INT

_SELECT: "SELECT"i
_FROM: "FROM"i
_WHERE: "WHERE"i
_AND: "AND"i
_OR: "OR"i
_NOT: "NOT"i
_LIKE: "LIKE"i
_IN: "IN"i
_ORDER: "ORDER"i
_BY: "BY"i
_NULLS: "NULLS"i
_LIMIT: "LIMIT"i
_OFFSET: "OFFSET"i
_COUNT: "COUNT"i
DIRECTION: "ASC"i | "DESC"i
NULLS_POS: "FIRST"i | "LAST"i
NULL: "NULL"i
TRUE: "TRUE"i
FALSE: "FALSE"i
OP: "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
DATETIME.4: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/i
DATE.3: /\d{4}-\d{2}-\d{2}/
N_DAYS.2: /LAST_N_DAYS:\d+/i
DATE_KW.2: /(TODAY|YESTERDAY|TOMORROW)(?![A-Za-z0-9_])/i
NUMBER: /[+-]?\d+(\.\d+)?/
INT: /\d+/
STRING: /'(?:[^'\\]|\\.)*'/s
NAME: /[A-Za-z][A-Za-z0-9_]*/

%ignore /\s+/
"""

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\", "%": "%", "_": "_"}
_ESCAPE_RE = re.compile(r"\\(.)", re.S)
_DATETIME_RE = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(?:(Z)|([+-])(\d{2}):?(\d{2}))", re.I
)


@lru_cache(maxsize=1)
def _parser() -> Lark:
    """Build the LALR parser once (a contextual lexer, so keywords never shadow field names needlessly)."""
    return Lark(GRAMMAR, start="query", parser="lalr", lexer="contextual")


def decode_string(raw: str) -> str:
    """Resolve SOQL backslash escapes in a string body; an unknown escape is MALFORMED_QUERY as in Salesforce."""

    def one(match: re.Match[str]) -> str:
        char = match.group(1)
        if char not in _ESCAPES:
            raise SoqlError("MALFORMED_QUERY", f"Invalid string literal '{raw}'. Illegal character sequence '\\{char}' in string literal.")
        return _ESCAPES[char]

    return _ESCAPE_RE.sub(one, raw)


def datetime_key(text: str) -> str:
    """A datetime literal (Z, ±hh:mm, ±hhmm, optional millis) as a UTC sort key 'YYYY-MM-DDThh:mm:ss.fff'."""
    match = _DATETIME_RE.fullmatch(text)
    if not match:
        raise SoqlError("MALFORMED_QUERY", f"line 1:0 no viable alternative at character '{text}'")
    y, mo, d, h, mi, s, ms, zulu, sign, oh, om = match.groups()
    try:
        moment = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), int((ms or "0").ljust(3, "0")) * 1000)
        if not zulu:
            moment -= timedelta(minutes=(int(oh) * 60 + int(om)) * (1 if sign == "+" else -1))
    except (ValueError, OverflowError) as exc:
        raise SoqlError("MALFORMED_QUERY", f"Invalid date/time: {text}") from exc
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
            f"{moment.second:02d}.{moment.microsecond // 1000:03d}")



@v_args(inline=True)
class _ToQuery(Transformer):
    """Turn the lark tree into the frozen Query dataclasses."""

    def field_path(self, *names: Token) -> FieldPath:
        return FieldPath(tuple(str(n) for n in names), names[0].line or 1, names[0].column or 1)

    def count_select(self) -> tuple[str, tuple[FieldPath, ...]]:
        return ("count", ())

    def field_select(self, *paths: FieldPath) -> tuple[str, tuple[FieldPath, ...]]:
        return ("fields", paths)

    def value(self, tok: Token) -> Literal:
        kind, text = tok.type, str(tok)
        if kind == "STRING":
            return Literal("string", decode_string(text[1:-1]), text[1:-1])
        if kind == "NUMBER":
            return Literal("number", float(text) if "." in text else int(text), text)
        if kind == "NULL":
            return Literal("null", None, text)
        if kind in ("TRUE", "FALSE"):
            return Literal("boolean", kind == "TRUE", text)
        if kind == "DATE":
            try:
                return Literal("date", date.fromisoformat(text).isoformat(), text)
            except ValueError as exc:
                raise SoqlError("MALFORMED_QUERY", f"Invalid date: {text}") from exc
        if kind == "DATETIME":
            return Literal("datetime", datetime_key(text), text)
        if kind == "N_DAYS":
            name, n = text.upper().split(":")
            return Literal("relative", (name, int(n)), text)
        return Literal("relative", (text.upper(), 0), text)

    def value_list(self, *values: Literal) -> tuple[Literal, ...]:
        return values

    def compare(self, path: FieldPath, op: Token, value: Literal) -> Comparison:
        return Comparison(path, "!=" if str(op) == "<>" else str(op), value)

    def like(self, path: FieldPath, tok: Token) -> Comparison:
        body = str(tok)[1:-1]
        decode_string(body)  # validates escapes
        return Comparison(path, "LIKE", Literal("string", body, body))

    def in_(self, path: FieldPath, values: tuple[Literal, ...]) -> Comparison:
        return Comparison(path, "IN", values)

    def not_in(self, path: FieldPath, values: tuple[Literal, ...]) -> Comparison:
        return Comparison(path, "NOT IN", values)

    def and_(self, *items: Any) -> BoolOp:
        return BoolOp("AND", items)

    def or_(self, *items: Any) -> BoolOp:
        return BoolOp("OR", items)

    def not_(self, item: Any) -> Not:
        return Not(item)

    def where(self, condition: Any) -> tuple[str, Any]:
        return ("where", condition)

    def nulls(self, tok: Token) -> bool:
        return str(tok).upper() == "FIRST"

    def order_key(self, path: FieldPath, *rest: Any) -> OrderKey:
        descending, nulls_first = False, None
        for item in rest:
            if isinstance(item, Token):
                descending = str(item).upper() == "DESC"
            else:
                nulls_first = item
        return OrderKey(path, descending, nulls_first)

    def order_by(self, *keys: OrderKey) -> tuple[str, tuple[OrderKey, ...]]:
        return ("order_by", keys)

    def limit(self, tok: Token) -> tuple[str, int]:
        return ("limit", int(tok))

    def offset(self, tok: Token) -> tuple[str, int]:
        return ("offset", int(tok))


def _build(text: str, tree: Any) -> Query:
    """Assemble the Query from the transformed top-level children."""
    select, sobject, *clauses = tree.children
    parts = dict(clauses)
    return Query(
        text=text,
        sobject=str(sobject),
        fields=select[1],
        count=select[0] == "count",
        where=parts.get("where"),
        order_by=parts.get("order_by", ()),
        limit=parts.get("limit"),
        offset=parts.get("offset"),
        sobject_line=sobject.line or 1,
        sobject_column=sobject.column or 1,
    )


def _syntax_error(text: str, exc: UnexpectedInput) -> SoqlError:
    """Translate a lark error into Salesforce's 'unexpected token' MALFORMED_QUERY."""
    if isinstance(exc, UnexpectedToken):
        token = "<EOF>" if exc.token.type == "$END" else str(exc.token)
    elif isinstance(exc, UnexpectedCharacters):
        token = (text[exc.pos_in_stream :].split() or ["<EOF>"])[0]
    else:
        token = "<EOF>"
    line, column = getattr(exc, "line", -1), getattr(exc, "column", -1)
    if token == "<EOF>" or line is None or line < 1:
        lines = text.splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    return SoqlError("MALFORMED_QUERY", located(text, line, column, f"unexpected token: '{token}'"))


def parse(text: str) -> Query:
    """Parse SOQL text into a Query; anything outside the supported subset raises SoqlError MALFORMED_QUERY.

    The subset: SELECT of field paths or COUNT(), FROM one object, WHERE with comparisons, LIKE, IN,
    NOT IN, AND/OR/NOT and parentheses, ORDER BY with ASC/DESC and NULLS FIRST/LAST, LIMIT, OFFSET.
    Nothing is dropped silently: GROUP BY, subqueries, aliases, FOR UPDATE and the like are refused.
    """
    try:
        tree = _parser().parse(text)
        return _build(text, _ToQuery().transform(tree))
    except UnexpectedEOF as exc:
        raise _syntax_error(text, exc) from None
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, SoqlError):
            raise exc.orig_exc from None
        raise
