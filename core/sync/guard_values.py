"""Cell values as Arrow arrays: one canonical text and number for any pandas column, for the guard."""
from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Every character Python calls white space, plus the zero-width ones that paste in from web forms:
# a value made only of these is blank. One explicit set, so the vectorised and scalar paths agree.
BLANK_CHARS = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
_NUMBER_RE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_MAX_EXACT = 2.0**53
ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError)

AnyArray = pa.Array | pa.ChunkedArray


def to_arrow(values: pd.Series) -> AnyArray:
    """The column as Arrow (nulls for None, NaN and pd.NA), whatever its pandas dtype; no copy when avoidable."""
    if values.dtype == object and len(values):
        kinds = {type(v) for v in values.to_numpy() if v is not None}
        if len(kinds) > 1 and kinds & {bool, np.bool_}:
            return _mixed_text(values)  # Arrow would turn False into 0.0 next to floats
    # The array behind the Series, not the Series: pyarrow probes a Series for attributes, and each miss
    # makes pandas build the hash table of its index (a million Ids copied to Python strings).
    data = values.array if isinstance(values.dtype, pd.api.extensions.ExtensionDtype) else values.to_numpy()
    try:
        arr = pa.array(data, from_pandas=True)
    except ARROW_ERRORS:
        return _mixed_text(values)
    if isinstance(arr, pa.ChunkedArray) and arr.num_chunks == 1:
        return arr.chunk(0)
    return arr


def _mixed_text(values: pd.Series) -> pa.Array:
    """Render an object column holding several Python types: each type group through Arrow, so a value
    renders the same here as in a column of its own type (the scalar path relies on that)."""
    objs = values.to_numpy(dtype=object)
    out = np.full(len(objs), None, dtype=object)
    kinds = np.array([type(v).__name__ for v in objs], dtype=object)
    for kind in pd.unique(kinds):
        idx = np.flatnonzero(kinds == kind)
        try:
            part = text(pa.array(objs[idx], from_pandas=True))
            out[idx] = part.to_numpy(zero_copy_only=False)
        except ARROW_ERRORS:
            out[idx] = [None if _is_missing(v) else str(v) for v in objs[idx]]
    return pa.array(out, type=pa.large_string())


def _is_missing(value: object) -> bool:
    """True for None, NaN, NaT and pd.NA (never raises on lists)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def is_stringy(arr: AnyArray) -> bool:
    """Whether the array holds text (string, large_string, string_view)."""
    t = arr.type
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def is_numeric(arr: AnyArray) -> bool:
    """Whether the array holds numbers (integers, floats, decimals) — not booleans."""
    t = arr.type
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)


def text(arr: AnyArray) -> AnyArray:
    """Canonical display text of an Arrow array (large_string, nulls kept).

    Integral floats print as integers (250.0 → "250") so a number read from Salesforce and the same
    number from an enrichment source look, and compare, alike; NaN is null; booleans are true/false;
    lists are joined with "; ".
    """
    t = arr.type
    if pa.types.is_dictionary(t):
        return text(arr.dictionary_decode() if isinstance(arr, pa.Array) else pc.cast(arr, t.value_type))
    if pa.types.is_large_string(t):
        return arr
    if is_stringy(arr):
        return pc.cast(arr, pa.large_string())
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.large_string())
    if pa.types.is_boolean(t):
        return pc.if_else(arr, pa.scalar("true", pa.large_string()), pa.scalar("false", pa.large_string()))
    if pa.types.is_integer(t) or pa.types.is_decimal(t):
        return pc.cast(arr, pa.large_string())
    if pa.types.is_floating(t):
        return _float_text(arr)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        joined = pc.binary_join(pc.cast(arr, pa.list_(pa.large_string())), pa.scalar("; ", pa.large_string()))
        return pc.cast(joined, pa.large_string())
    try:
        return pc.cast(arr, pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else str(v) for v in arr.to_pylist()], type=pa.large_string())


def _float_text(arr: AnyArray) -> pa.Array:
    """Floats as text: whole numbers without ".0", NaN as null, the rest in Arrow's shortest form."""
    vals = np.asarray(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    missing = np.isnan(vals)
    with np.errstate(invalid="ignore"):
        integral = ~missing & (np.floor(vals) == vals) & (np.abs(vals) < _MAX_EXACT)
    ints = pa.array(np.where(integral, vals, 0).astype(np.int64), mask=~integral)
    as_int = pc.cast(ints, pa.large_string())
    if (integral | missing).all():
        return as_int
    other = pc.cast(pa.array(vals, mask=missing | integral), pa.large_string())
    return pc.coalesce(as_int, other)


def trimmed(txt: AnyArray) -> AnyArray:
    """Text without leading and trailing white space (BLANK_CHARS)."""
    return pc.utf8_trim(txt, BLANK_CHARS)


def numbers(arr: AnyArray) -> np.ndarray:
    """float64 view of a column: numbers as they are, numeric-looking text parsed, anything else NaN.

    Booleans are not numbers here: True must not slip into a number field as 1.
    """
    if is_numeric(arr):
        return np.array(pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    if is_stringy(arr) or pa.types.is_dictionary(arr.type):
        txt = trimmed(text(arr))
        ok = pc.fill_null(pc.match_substring_regex(txt, _NUMBER_RE), False)
        num = pc.cast(pc.if_else(ok, txt, pa.scalar(None, pa.large_string())), pa.float64())
        return np.array(num.to_numpy(zero_copy_only=False), dtype=np.float64)
    return np.full(len(arr), np.nan)


def to_bool(arr: AnyArray) -> np.ndarray:
    """A boolean Arrow result as a fresh numpy bool array, nulls as False."""
    return np.array(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)
