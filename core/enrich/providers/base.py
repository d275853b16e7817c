"""The enrichment-source protocol and the one place attribute frames get their dtypes."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.extensions import ExtensionArray

STRING = pd.StringDtype("pyarrow")

# Clearbit-style attribute paths the console knows (a provider may return others; they are kept).
COMPANY_PATHS: tuple[str, ...] = (
    "name", "legalName", "domain", "category.sector", "category.industryGroup", "category.industry",
    "category.subIndustry", "category.sicCode", "category.naicsCode", "metrics.employees",
    "metrics.employeesRange", "metrics.estimatedAnnualRevenue", "metrics.annualRevenue", "metrics.raised",
    "geo.streetAddress", "geo.city", "geo.state", "geo.stateCode", "geo.postalCode", "geo.country",
    "geo.countryCode", "phone", "description", "foundedYear", "type", "tech", "tags",
)
PERSON_PATHS: tuple[str, ...] = (
    "person.name.fullName", "person.name.givenName", "person.name.familyName", "person.employment.title",
    "person.employment.role", "person.employment.seniority", "person.employment.domain",
)
KNOWN_PATHS: frozenset[str] = frozenset(COMPANY_PATHS + PERSON_PATHS)

# metrics.* are numbers except these two bands, which are text ("51-250", "$10M-$50M").
TEXT_METRICS: frozenset[str] = frozenset({"metrics.employeesRange", "metrics.estimatedAnnualRevenue"})
NUMERIC_EXTRA: frozenset[str] = frozenset({"foundedYear", "geo.lat", "geo.lng", "utcOffset", "person.utcOffset"})
LIST_PATHS: frozenset[str] = frozenset({"tech", "tags", "techCategories", "domainAliases"})


def is_numeric_path(path: str) -> bool:
    """Whether an attribute path holds a number (metrics.* except the text bands, foundedYear, geo.lat/lng)."""
    return (path.startswith("metrics.") and path not in TEXT_METRICS) or path in NUMERIC_EXTRA


@runtime_checkable
class Provider(Protocol):
    """An enrichment source: given match keys, the attributes it knows for them.

    lookup() returns a frame indexed by the unique keys found (domains for company data, emails for
    person data); columns are attribute paths; keys it does not know are simply absent.
    """

    name: str

    def lookup(self, keys: Sequence[str]) -> pd.DataFrame:
        """Attributes for the keys this source knows."""
        ...


class ProviderError(Exception):
    """An enrichment source could not answer; carries a message and the fix a page shows."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix


def key_array(keys: Iterable[str | None] | pa.Array) -> pa.Array:
    """Keys as one Arrow large_string array (pandas text columns and Arrow arrays without a copy per key)."""
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    if isinstance(keys, pa.Array):
        return keys.cast(pa.large_string())
    if isinstance(keys, (pd.Index, pd.Series)):
        keys = keys.array
    values = pa.array(pd.array(keys if isinstance(keys, ExtensionArray) else list(keys), dtype=STRING))
    return (values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values).cast(pa.large_string())


def unique_key_array(keys: Iterable[str | None] | pa.Array) -> pa.Array:
    """The distinct, non-blank keys, stripped, in first-seen order (lookups are per key, never per record)."""
    values = pc.utf8_trim_whitespace(key_array(keys))
    return pc.unique(values.filter(pc.fill_null(pc.not_equal(values, ""), False)))


def unique_keys(keys: Iterable[str | None]) -> list[str]:
    """The distinct, non-blank keys in first-seen order (lookups are per key, never per record)."""
    return unique_key_array(keys).to_pylist()


def numeric_column(values: pd.Series) -> pd.Series:
    """Numbers as Int64 when every value is whole, otherwise Float64 (nullable both ways)."""
    numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
    present = numbers.dropna()
    if len(present) == 0 or bool((present == np.floor(present)).all()) and bool((present.abs() < 2**62).all()):
        return numbers.astype("Int64")
    return numbers


def typed_column(path: str, values: pd.Series) -> pd.Series:
    """Give one attribute column its contract dtype: numbers numeric, lists object, booleans boolean, text string."""
    if is_numeric_path(path):
        return numeric_column(values)
    present = values.dropna()
    if path in LIST_PATHS or any(isinstance(v, (list, tuple, np.ndarray)) for v in present):
        return values.map(lambda v: list(v) if isinstance(v, (list, tuple, np.ndarray)) else None).astype(object)
    if len(present) and all(isinstance(v, (bool, np.bool_)) for v in present):
        return values.astype("boolean")
    if len(present) and all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
                            for v in present):
        return numeric_column(values)
    return values.astype(object).where(values.notna(), None).map(lambda v: v if v is None else str(v)).astype(STRING)


def frame_from_attributes(rows: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """Build a provider answer from {key: {path: value}}: index "key" (string), columns typed by typed_column."""
    index = pd.Index(list(rows), dtype=STRING, name="key")
    frame = pd.DataFrame.from_records([dict(r) for r in rows.values()], index=index) if rows else pd.DataFrame(index=index)
    return type_frame(frame)


def type_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply typed_column to every column of an attribute frame (columns sorted for a stable shape)."""
    typed = {path: typed_column(path, frame[path]) for path in sorted(frame.columns)}
    out = pd.DataFrame(typed, index=frame.index)
    out.index = out.index.astype(STRING)
    out.index.name = "key"
    return out


def flatten(payload: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested JSON objects -> dotted attribute paths ({"geo": {"city": "X"}} -> {"geo.city": "X"}); lists kept."""
    out: dict[str, Any] = {}
    for name, value in payload.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping):
            out.update(flatten(value, path + "."))
        else:
            out[path] = value
    return out


def attributes_from_json(payload: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """Flatten one answer: company at the root, person under "person."; "combined" holds both."""
    if kind == "person":
        return flatten(payload, "person.")
    if kind == "combined":
        out = flatten(payload.get("company") or {})
        out.update(flatten(payload.get("person") or {}, "person."))
        return out
    return flatten(payload)
