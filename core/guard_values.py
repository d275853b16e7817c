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


def to_arrow(values: pd.Series) -> pa.Array:
    """The column as one Arrow array (nulls for None, NaN and pd.NA), whatever its pandas dtype."""
    try:
        arr = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError):
        return _mixed_text(values)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
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
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError):
            out[idx] = [None if _is_missing(v) else str(v) for v in objs[idx]]
    return pa.array(out, type=pa.large_string())


def _is_missing(value: object) -> bool:
    """True for None, NaN, NaT and pd.NA (never raises on lists)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def text(arr: pa.Array) -> pa.Array:
    """Canonical display text of an Arrow array (large_string, nulls kept).

    Integral floats print as integers (250.0 → "250") so a number read from Salesforce and the same
    number from an enrichment source look, and compare, alike; NaN is null; booleans are true/false;
    lists are joined with "; ".
    """
    t = arr.type
    if pa.types.is_dictionary(t):
        return text(arr.dictionary_decode())
    if pa.types.is_large_string(t):
        return arr
    if pa.types.is_string(t) or pa.types.is_string_view(t):
        return pc.cast(arr, pa.large_string())
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.large_string())
    if pa.types.is_boolean(t):
        return pc.if_else(arr, pa.scalar("true", pa.large_string()), pa.scalar("false", pa.large_string()))
    if pa.types.is_integer(t) or pa.types.is_decimal(t):
        return pc.cast(arr, pa.large_string())
    if pa.types.is_floating(t):
        arr = pc.cast(arr, pa.float64())
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, pa.float64()), arr)
        integral = pc.and_(pc.equal(pc.floor(arr), arr), pc.less(pc.abs(arr), _MAX_EXACT))
        ints = pc.cast(pc.if_else(integral, arr, pa.scalar(None, pa.float64())), pa.int64())
        return pc.if_else(integral, pc.cast(ints, pa.large_string()), pc.cast(arr, pa.large_string()))
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pc.cast(pc.binary_join(pc.cast(arr, pa.list_(pa.large_string())), "; "), pa.large_string())
    try:
        return pc.cast(arr, pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else str(v) for v in arr.to_pylist()], type=pa.large_string())


def trimmed(txt: pa.Array) -> pa.Array:
    """Text without leading and trailing white space (BLANK_CHARS)."""
    return pc.utf8_trim(txt, BLANK_CHARS)


def numbers(arr: pa.Array) -> np.ndarray:
    """float64 view of a column: numbers as they are, numeric-looking text parsed, anything else NaN.

    Booleans are not numbers here: True must not slip into a number field as 1.
    """
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_dictionary(t):
        txt = trimmed(text(arr))
        ok = pc.fill_null(pc.match_substring_regex(txt, _NUMBER_RE), False)
        num = pc.cast(pc.if_else(ok, txt, pa.scalar(None, pa.large_string())), pa.float64())
        return num.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    return np.full(len(arr), np.nan)


def to_bool(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow result as a fresh numpy bool array, nulls as False."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool).copy()
