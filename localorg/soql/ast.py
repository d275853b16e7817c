"""SOQL data types shared by the parser and the evaluator: the query tree, the result, the catalog seam, the error."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol


class SoqlError(Exception):
    """A query Salesforce would refuse; error_code is MALFORMED_QUERY, INVALID_FIELD or INVALID_TYPE."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message


def located(text: str, line: int, column: int, message: str) -> str:
    """Shape a message the way Salesforce does: the query line, a caret, 'ERROR at Row:..:Column:..', the text."""
    lines = text.splitlines() or [""]
    shown = lines[line - 1] if 0 < line <= len(lines) else lines[-1]
    return f"\n{shown}\n{' ' * max(column - 1, 0)}^\nERROR at Row:{line}:Column:{column}\n{message}"


@dataclass(frozen=True)
class FieldPath:
    """A dotted field reference as written (`Owner.Name`), with where it starts in the query text."""

    parts: tuple[str, ...]
    line: int = 1
    column: int = 1

    @property
    def text(self) -> str:
        """The path as written, dots included."""
        return ".".join(self.parts)


@dataclass(frozen=True)
class Literal:
    """A value in a filter: kind is string|number|null|boolean|date|datetime|relative.

    value holds the decoded Python value: str for string (escapes resolved), int/float, None, bool,
    "YYYY-MM-DD" for date, "YYYY-MM-DDThh:mm:ss.fff" (UTC) for datetime, (name, n) for relative
    date literals such as ("LAST_N_DAYS", 7). raw keeps the string body as written, for LIKE.
    """

    kind: str
    value: Any
    raw: str = ""


@dataclass(frozen=True)
class Comparison:
    """`field op value`; op is one of = != < <= > >= LIKE IN NOT IN (value is a tuple for IN / NOT IN)."""

    field: FieldPath
    op: str
    value: Literal | tuple[Literal, ...]


@dataclass(frozen=True)
class BoolOp:
    """AND / OR over two or more conditions (SOQL refuses mixing them without parentheses)."""

    op: str
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    """NOT over one condition."""

    item: Condition


Condition = Comparison | BoolOp | Not


@dataclass(frozen=True)
class OrderKey:
    """One ORDER BY key; nulls_first None means Salesforce's default (first for ASC, last for DESC)."""

    field: FieldPath
    descending: bool = False
    nulls_first: bool | None = None


@dataclass(frozen=True)
class Query:
    """A parsed SOQL SELECT. count is True for `SELECT COUNT()` (then fields is empty)."""

    text: str
    sobject: str
    fields: tuple[FieldPath, ...] = ()
    count: bool = False
    where: Condition | None = None
    order_by: tuple[OrderKey, ...] = ()
    limit: int | None = None
    offset: int | None = None
    sobject_line: int = 1
    sobject_column: int = 1


@dataclass
class QueryResult:
    """What /query answers: totalSize and the records in Salesforce's JSON shape."""

    total_size: int
    records: list[dict] = field(default_factory=list)


class Catalog(Protocol):
    """What execute() needs from the org, already filtered for one user (objects, FLS, sharing)."""

    def object_name(self, name: str) -> str | None:
        """Canonical name of a queryable object the user can read, or None."""

    def fields(self, sobject: str) -> list[dict]:
        """Describe field dicts the user can read."""

    def rows(self, sobject: str, include_deleted: bool = False) -> Iterable[dict]:
        """Records the user can see, keyed by canonical field names."""

    def row(self, sobject: str, record_id: str) -> dict | None:
        """One visible record by Id, or None."""
