"""The SOQL subset grammar (lark, LALR) and parse(): text -> Query, or SoqlError("MALFORMED_QUERY") for anything else."""
from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from localorg.soql.ast import (
    AggCall,
    BoolOp,
    Comparison,
    FieldPath,
    Literal,
    Not,
    OrderKey,
    Query,
    SelectItem,
    SoqlError,
    located,
)
from localorg.soql.build import build_query

GRAMMAR = r"""
query: _SELECT select_list _FROM NAME where? with_? group_by? having? order_by? limit? offset?

select_list: select_item ("," select_item)*
select_item: field_path alias?                     -> field_item
           | agg_call alias?                       -> agg_item
           | _TOLABEL "(" field_path ")" alias?    -> tolabel_item
           | _FORMAT "(" field_path ")" alias?     -> format_item
           | _FORMAT "(" agg_call ")" alias?       -> format_agg_item
           | _FIELDS "(" FIELDS_SCOPE ")"          -> fields_item
           | "(" query ")"                         -> subquery_item
alias: NAME
agg_call: AGG_FUNC "(" field_path? ")"
field_path: NAME ("." NAME)*

where: _WHERE condition
?condition: term
          | term (_AND term)+                      -> and_
          | term (_OR term)+                       -> or_
?term: "(" condition ")"
     | _NOT term                                   -> not_
     | lhs OP value                                -> compare
     | lhs _LIKE STRING                            -> like
     | lhs _IN value_list                          -> in_
     | lhs _NOT _IN value_list                     -> not_in
     | lhs _IN "(" query ")"                       -> in_query
     | lhs _NOT _IN "(" query ")"                  -> not_in_query
?lhs: field_path | agg_call
value_list: "(" value ("," value)* ")"
value: STRING | NUMBER | NULL | TRUE | FALSE | DATE | DATETIME | DATE_KW | DATE_N

with_: _WITH WITH_KIND
group_by: _GROUP _BY field_path ("," field_path)*                    -> group_plain
        | _GROUP _BY GROUP_FN "(" field_path ("," field_path)* ")"    -> group_fn
having: _HAVING condition
order_by: _ORDER _BY order_key ("," order_key)*
order_key: (field_path | agg_call) DIRECTION? nulls?
nulls: _NULLS NULLS_POS
limit: _LIMIT INT
offset: _OFFSET INT

_SELECT: "SELECT"i
_FROM.3: /FROM(?![A-Za-z0-9_])/i
_WHERE: "WHERE"i
_WITH: "WITH"i
_GROUP: "GROUP"i
_HAVING: "HAVING"i
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
_TOLABEL.3: /toLabel(?=\s*\()/i
_FORMAT.3: /FORMAT(?=\s*\()/i
_FIELDS.3: /FIELDS(?=\s*\()/i
AGG_FUNC.3: /(COUNT_DISTINCT|COUNT|SUM|AVG|MIN|MAX)(?=\s*\()/i
GROUP_FN.3: /(ROLLUP|CUBE)(?=\s*\()/i
FIELDS_SCOPE: /ALL|STANDARD|CUSTOM/i
WITH_KIND: /SECURITY_ENFORCED|USER_MODE|SYSTEM_MODE/i
DIRECTION.3: /(ASC|DESC)(?![A-Za-z0-9_])/i
NULLS_POS: "FIRST"i | "LAST"i
NULL: "NULL"i
TRUE: "TRUE"i
FALSE: "FALSE"i
OP: "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"
DATETIME.4: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/i
DATE.3: /\d{4}-\d{2}-\d{2}/
DATE_N.2: /(LAST_N_DAYS|NEXT_N_DAYS|N_DAYS_AGO|LAST_N_WEEKS|NEXT_N_WEEKS|N_WEEKS_AGO|LAST_N_MONTHS|NEXT_N_MONTHS|N_MONTHS_AGO|LAST_N_QUARTERS|NEXT_N_QUARTERS|N_QUARTERS_AGO|LAST_N_YEARS|NEXT_N_YEARS|N_YEARS_AGO|LAST_N_FISCAL_QUARTERS|NEXT_N_FISCAL_QUARTERS|N_FISCAL_QUARTERS_AGO|LAST_N_FISCAL_YEARS|NEXT_N_FISCAL_YEARS|N_FISCAL_YEARS_AGO):\d+/i
DATE_KW.2: /(YESTERDAY|TODAY|TOMORROW|LAST_WEEK|THIS_WEEK|NEXT_WEEK|LAST_MONTH|THIS_MONTH|NEXT_MONTH|LAST_90_DAYS|NEXT_90_DAYS|LAST_QUARTER|THIS_QUARTER|NEXT_QUARTER|LAST_YEAR|THIS_YEAR|NEXT_YEAR|LAST_FISCAL_QUARTER|THIS_FISCAL_QUARTER|NEXT_FISCAL_QUARTER|LAST_FISCAL_YEAR|THIS_FISCAL_YEAR|NEXT_FISCAL_YEAR)(?![A-Za-z0-9_:])/i
NUMBER: /[+-]?\d+(\.\d+)?/
INT: /\d+/
STRING: /'(?:[^'\\]|\\.)*'/s
NAME: /[A-Za-z][A-Za-z0-9_]*/

%ignore /\s+/
"""

MAX_LENGTH = 100_000   # Salesforce: "SOQL statements can not be longer than 100000 characters"
MAX_DEPTH = 100        # nested NOT / AND / OR levels; ours: deeper trees would recurse past Python's limit
MAX_INT = 2**31 - 1    # LIMIT, OFFSET and LAST_N_DAYS:n are Java ints on Salesforce
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



def _shown(text: str) -> str:
    """A literal as a message shows it: long ones cut to their first 20 characters."""
    return text if len(text) <= 24 else f"{text[:20]}… ({len(text)} characters)"


def _number(text: str) -> int | float:
    """A numeric literal as int (exact up to 2**53) or float; one beyond a double's range is MALFORMED_QUERY."""
    value = float(text)   # any length of digits parses; too large gives inf
    if not math.isfinite(value):
        raise SoqlError("MALFORMED_QUERY", f"Invalid number: {_shown(text)}: outside the range of a double")
    if "." not in text and abs(value) < 2**53:
        return int(value)
    return value


def _bounded_int(text: str) -> int:
    """LIMIT / OFFSET / LAST_N_DAYS:n as an int of at most 2**31 - 1, else MALFORMED_QUERY (no 5,000-digit int())."""
    if len(text) > 10 or int(text) > MAX_INT:
        raise SoqlError("MALFORMED_QUERY", f"Invalid integer: {_shown(text)}: the largest accepted is {MAX_INT}")
    return int(text)


def _too_deep(tree: Tree) -> bool:
    """True when NOT / AND / OR nest more than MAX_DEPTH levels (walked with a list, not recursion)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if node.data in ("and_", "or_", "not_"):
            depth += 1
            if depth > MAX_DEPTH:
                return True
        stack.extend((child, depth) for child in node.children if isinstance(child, Tree))
    return False


@v_args(inline=True)
class _ToQuery(Transformer):
    """Turn the lark tree into the frozen Query dataclasses (subqueries included)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def field_path(self, *names: Token) -> FieldPath:
        return FieldPath(tuple(str(n) for n in names), names[0].line or 1, names[0].column or 1)

    def alias(self, tok: Token) -> str:
        return str(tok)

    def agg_call(self, func: Token, path: FieldPath | None = None) -> AggCall:
        return AggCall(str(func).upper(), path, func.line or 1, func.column or 1)

    def field_item(self, path: FieldPath, alias: str | None = None) -> SelectItem:
        return SelectItem("field", path=path, alias=alias, line=path.line, column=path.column)

    def agg_item(self, call: AggCall, alias: str | None = None) -> SelectItem:
        return SelectItem("agg", call=call, alias=alias, line=call.line, column=call.column)

    def tolabel_item(self, path: FieldPath, alias: str | None = None) -> SelectItem:
        return SelectItem("tolabel", path=path, alias=alias, line=path.line, column=path.column)

    def format_item(self, path: FieldPath, alias: str | None = None) -> SelectItem:
        return SelectItem("format", path=path, alias=alias, line=path.line, column=path.column)

    def format_agg_item(self, call: AggCall, alias: str | None = None) -> SelectItem:
        return SelectItem("format", call=call, alias=alias, line=call.line, column=call.column)

    def fields_item(self, scope: Token) -> SelectItem:
        return SelectItem("fields", scope=str(scope).upper(), line=scope.line or 1, column=scope.column or 1)

    def subquery_item(self, query: Query) -> SelectItem:
        return SelectItem("subquery", subquery=query, line=query.sobject_line, column=query.sobject_column)

    def select_list(self, *items: SelectItem) -> tuple[SelectItem, ...]:
        return items

    def value(self, tok: Token) -> Literal:
        kind, text = tok.type, str(tok)
        if kind == "STRING":
            return Literal("string", decode_string(text[1:-1]), text[1:-1])
        if kind == "NUMBER":
            return Literal("number", _number(text), text)
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
        if kind == "DATE_N":
            name, n = text.upper().split(":")
            return Literal("relative", (name, _bounded_int(n)), text)
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

    def in_query(self, path: FieldPath, query: Query) -> Comparison:
        return Comparison(path, "IN", query)

    def not_in_query(self, path: FieldPath, query: Query) -> Comparison:
        return Comparison(path, "NOT IN", query)

    def and_(self, *items: Any) -> BoolOp:
        return BoolOp("AND", items)

    def or_(self, *items: Any) -> BoolOp:
        return BoolOp("OR", items)

    def not_(self, item: Any) -> Not:
        return Not(item)

    def where(self, condition: Any) -> tuple[str, Any]:
        return ("where", condition)

    def with_(self, tok: Token) -> tuple[str, str]:
        return ("with_clause", str(tok).upper())

    def group_plain(self, *paths: FieldPath) -> tuple[str, Any]:
        return ("group_by", (paths, None))

    def group_fn(self, fn: Token, *paths: FieldPath) -> tuple[str, Any]:
        return ("group_by", (paths, str(fn).upper()))

    def having(self, condition: Any) -> tuple[str, Any]:
        return ("having", condition)

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
        return ("limit", _bounded_int(str(tok)))

    def offset(self, tok: Token) -> tuple[str, int]:
        return ("offset", _bounded_int(str(tok)))

    def query(self, items: tuple[SelectItem, ...], sobject: Token, *clauses: tuple[str, Any]) -> Query:
        return build_query(self.text, items, sobject, dict(clauses))


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

    The subset: SELECT of field paths, COUNT(), aggregate functions with aliases, toLabel(), FORMAT(),
    FIELDS(ALL|STANDARD|CUSTOM) and child relationship subqueries; FROM one object; WHERE with
    comparisons, LIKE, IN, NOT IN (literal lists or semi-/anti-join subqueries), AND/OR/NOT, every
    date literal; WITH SECURITY_ENFORCED|USER_MODE; GROUP BY (ROLLUP/CUBE parsed, refused at run);
    HAVING; ORDER BY with ASC/DESC and NULLS FIRST/LAST (aggregates too); LIMIT; OFFSET.
    Nothing is dropped silently: TYPEOF, object aliases, FOR UPDATE, USING SCOPE and the like are refused.
    Also refused: statements over 100,000 characters, NOT/AND/OR nested over 100 levels, numbers beyond a
    double and LIMIT / OFFSET / LAST_N_DAYS beyond a Java int.
    """
    if len(text) > MAX_LENGTH:
        raise SoqlError("MALFORMED_QUERY", f"SOQL statements can not be longer than {MAX_LENGTH} characters")
    try:
        tree = _parser().parse(text)
        if _too_deep(tree):
            raise SoqlError("MALFORMED_QUERY", f"The WHERE clause nests NOT, AND and OR more than {MAX_DEPTH} levels deep")
        return _ToQuery(text).transform(tree)
    except UnexpectedEOF as exc:
        raise _syntax_error(text, exc) from None
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, SoqlError):
            raise exc.orig_exc from None
        raise
