"""Column transforms that make enrichment values fit a Salesforce field: cut, join, picklist, numbers."""
from __future__ import annotations

import difflib
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.fields import FieldSpec
from core.sync.guard_values import numbers, text, to_arrow, trimmed

STRING = pd.StringDtype("pyarrow")
ELLIPSIS = "…"
TRANSFORMS: tuple[str, ...] = ("auto", "none", "text", "truncate", "join", "picklist", "int", "number")

# Clearbit-style industry and sub-industry values → Salesforce's standard Industry picklist. Used only
# when the target is an active value of the org's picklist; options["synonyms"] extends or overrides it.
INDUSTRY_SYNONYMS: dict[str, str] = {
    "internet software & services": "Technology", "application software": "Technology",
    "it services": "Technology", "software": "Technology", "information technology": "Technology",
    "computer hardware & semiconductors & electronic equipment": "Electronics",
    "electrical equipment": "Electronics", "semiconductors": "Electronics",
    "professional services": "Consulting", "management consulting": "Consulting",
    "commercial banking": "Banking", "banks": "Banking", "diversified financial services": "Finance",
    "financial services": "Finance", "capital markets": "Finance",
    "specialty retail": "Retail", "internet & catalog retail": "Retail",
    "packaged foods": "Food & Beverage", "food products": "Food & Beverage", "beverages": "Food & Beverage",
    "health care services": "Healthcare", "health care providers & services": "Healthcare",
    "health care": "Healthcare", "pharmaceuticals": "Healthcare",
    "trucking": "Transportation", "airlines": "Transportation", "logistics": "Transportation",
    "advertising": "Media", "publishing": "Media", "broadcasting": "Media",
    "renewable energy, clean technology & environmental services": "Environmental",
    "oil & gas": "Energy", "telecommunication services": "Telecommunications",
    "education services": "Education", "hotels, restaurants & leisure": "Hospitality",
    "non-profit": "Not For Profit", "nonprofit": "Not For Profit",
}
_UNITS = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9}
_AMOUNT_RE = (r"^\$?\s*(?P<lo>[0-9]+(?:\.[0-9]+)?)\s*(?P<lou>[kKmMbB]?)\+?"
              r"(?:\s*[-–]\s*\$?\s*(?P<hi>[0-9]+(?:\.[0-9]+)?)\s*(?P<hiu>[kKmMbB]?))?$")


@dataclass(frozen=True)
class Note:
    """Something the operator should know about a transform: level "info" or "warning", and how many records."""

    level: str
    field: str
    attribute: str
    message: str
    records: int = 0


def resolve(transform: str | None, spec: FieldSpec | None) -> str:
    """The transform actually run: "auto" (or None) picks one from the field's type."""
    if transform not in (None, "auto"):
        return transform
    if spec is None:
        return "none"
    if spec.type == "picklist":
        return "picklist"
    if spec.type == "multipicklist":
        return "join"
    if spec.is_text:
        return "truncate"
    if spec.type in ("int", "long"):
        return "int"
    if spec.is_number:
        return "number"
    return "none"


def is_list_column(values: pd.Series) -> bool:
    """Whether a column holds lists (tech tags and the like) rather than scalars."""
    if isinstance(values.dtype, pd.ArrowDtype) and pa.types.is_list(values.dtype.pyarrow_dtype):
        return True
    if values.dtype != object:
        return False
    present = values.dropna()
    return bool(len(present)) and bool(present.map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any())


def _list_array(values: pd.Series) -> pa.ListArray:
    """A list column as Arrow list<large_string>; a lone string counts as a one-item list."""
    try:
        arr = to_arrow(values)
        if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
            return pc.cast(arr, pa.list_(pa.large_string()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    rows = [None if v is None or (isinstance(v, float) and np.isnan(v)) else
            [str(x) for x in v] if isinstance(v, (list, tuple, np.ndarray)) else [str(v)]
            for v in values.to_numpy(dtype=object)]
    return pa.array(rows, type=pa.list_(pa.large_string()))


def join_to_fit(values: pd.Series, separator: str, limit: int | None,
                weights: np.ndarray | None = None) -> tuple[pa.Array, int]:
    """Join list cells with separator, keeping only the leading whole items that fit in limit characters.

    Returns (joined text, number of cells that lost items — each counted weights[i] times when given). A cell
    whose first item alone is too long keeps that item cut with "…". Vectorised with Arrow list kernels.
    """
    lists = _list_array(values)
    flat = trimmed(pc.list_flatten(lists))
    parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
    n = len(lists)
    if limit is None or len(flat) == 0:
        return pc.cast(pc.binary_join(lists, pa.scalar(separator, pa.large_string())), pa.large_string()), 0
    item_len = pc.utf8_length(flat).to_numpy(zero_copy_only=False).astype(np.int64) + len(separator)
    running = np.cumsum(item_len)
    counts = np.bincount(parents, minlength=n)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    first = np.minimum(starts, len(running) - 1)
    base = np.where(counts > 0, running[first] - item_len[first], 0)
    within = running - base[parents] - len(separator)
    kept = within <= limit
    kept_counts = np.bincount(parents[kept], minlength=n)
    offsets = np.concatenate(([0], np.cumsum(kept_counts))).astype(np.int32)
    rebuilt = pa.ListArray.from_arrays(pa.array(offsets), flat.filter(pa.array(kept)), mask=pc.is_null(lists))
    joined = pc.cast(pc.binary_join(rebuilt, pa.scalar(separator, pa.large_string())), pa.large_string())
    lost = (kept_counts < counts)
    nothing_fit = (kept_counts == 0) & (counts > 0)
    if nothing_fit.any():
        firsts = flat.take(pa.array(starts[nothing_fit]))
        cut = truncate_text(firsts, limit)
        out = joined.to_numpy(zero_copy_only=False).astype(object)
        out[np.flatnonzero(nothing_fit)] = cut.to_numpy(zero_copy_only=False)
        joined = pa.array(out, type=pa.large_string())
    return joined, int(lost.sum() if weights is None else weights[lost].sum())


def truncate_text(txt: pa.Array, limit: int) -> pa.Array:
    """Cut text longer than limit characters to limit - 1 characters plus "…" (Industry at 40 → 39 + "…")."""
    txt = pc.cast(txt, pa.large_string())
    too_long = pc.greater(pc.utf8_length(txt), limit)
    head = pc.utf8_rtrim_whitespace(pc.utf8_slice_codeunits(txt, 0, max(limit - 1, 0)))
    cut = pc.binary_join_element_wise(head, pa.scalar(ELLIPSIS, pa.large_string()), pa.scalar("", pa.large_string()))
    return pc.if_else(pc.fill_null(too_long, False), cut, txt)


def _amounts(arr: pa.Array, pick: str) -> np.ndarray:
    """Numbers from numeric values or text such as "1,200", "51-250", "1K-5K", "100K+", "$10M-$50M".

    A range gives its low end, high end or midpoint (pick). Anything else is NaN.
    """
    direct = numbers(arr)
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return direct
    txt = pc.replace_substring(pc.replace_substring(trimmed(text(arr)), ",", ""), "_", "")
    parts = pc.extract_regex(pc.fill_null(txt, ""), _AMOUNT_RE)

    def number(name: str, unit: str) -> np.ndarray:
        raw = pc.struct_field(parts, name)
        vals = pc.cast(pc.if_else(pc.equal(raw, ""), pa.scalar(None, pa.large_string()), raw), pa.float64())
        where = pc.index_in(pc.utf8_lower(pc.struct_field(parts, unit)), value_set=pa.array(list(_UNITS)))
        scale = pa.array(list(_UNITS.values()), type=pa.float64()).take(where)
        return pc.multiply(vals, scale).to_numpy(zero_copy_only=False).astype(np.float64)

    lo, hi = number("lo", "lou"), number("hi", "hiu")
    chosen = {"low": lo, "high": np.where(np.isnan(hi), lo, hi), "mid": np.where(np.isnan(hi), lo, (lo + hi) / 2)}[pick]
    return np.where(np.isnan(direct), chosen, direct)


def picklist_map(txt: pa.Array, spec: FieldSpec, synonyms: MappingABC[str, str]) -> tuple[pa.Array, np.ndarray]:
    """Map text onto the field's active picklist values: exact ignoring case, else through the synonym table.

    Returns (mapped text, mask of non-null values that matched nothing — left as they are).
    """
    active = {v.lower(): v for v in spec.picklist_values}
    table = dict(active)
    for key, target in {**INDUSTRY_SYNONYMS, **{k.lower(): v for k, v in synonyms.items()}}.items():
        if target.lower() in active and key.lower() not in active:
            table[key.lower()] = active[target.lower()]
    key = pc.utf8_lower(trimmed(txt))
    where = pc.index_in(key, value_set=pa.array(list(table), type=pa.large_string()))
    mapped = pa.array(list(table.values()), type=pa.large_string()).take(where)
    hit = pc.is_valid(where)
    out = pc.if_else(hit, mapped, txt)
    unmatched = (~np.asarray(hit.to_numpy(zero_copy_only=False), dtype=bool)) & np.asarray(
        pc.is_valid(txt).to_numpy(zero_copy_only=False), dtype=bool)
    return out, unmatched


def suggest(values: pd.Series, choices: tuple[str, ...], top: int = 5) -> str:
    """'"Foo" (12 records; closest: "Food")' for the most frequent unmatched values."""
    counts = values.value_counts().head(top)
    parts = []
    for value, count in counts.items():
        close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.5)
        hint = f"; closest: {close[0]!r}" if close else ""
        parts.append(f"{value!r} ({count} record{'s' if count != 1 else ''}{hint})")
    more = values.nunique() - len(counts)
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")
