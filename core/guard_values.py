"""Cell values as Arrow arrays: one canonical text and number for any pandas column, for the guard."""
from __future__ import annotations

import sys
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Every character Python calls white space, plus the zero-width ones that paste in from web forms:
# a value made only of these is blank. One explicit set, so the vectorised and scalar paths agree.
BLANK_CHARS = "".join(ch for ch in map(chr, range(sys.maxunicode + 1)) if ch.isspace()) + "\u200b\u200c\u200d\u2060\ufeff"
_NUMBER_RE = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_MAX_EXACT = 2.0**53
_SAMPLE = 1 << 16  # values looked at to guess whether a column is worth dictionary-encoding
_MOSTLY_DISTINCT = 0.5  # ... it is not when more than this share of the sample differs
_ARROW_ERRORS = (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError)

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
    except _ARROW_ERRORS:
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
        except _ARROW_ERRORS:
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


def _chunks(arr: AnyArray) -> list[pa.Array]:
    """The chunks of a chunked array, or the array itself."""
    return arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]


def _mostly_distinct(arr: AnyArray) -> bool:
    """Whether most values differ, judged from at most _SAMPLE values spread evenly over the column."""
    n = len(arr)
    if n == 0:
        return False
    if n <= _SAMPLE:
        sample = arr
    else:  # 16 runs spread over the column: slices cost nothing, where scattered picks would
        run = _SAMPLE // 16
        starts = np.linspace(0, n - run, 16).astype(np.int64)
        sample = pa.chunked_array([c for s in starts for c in _chunks(arr.slice(int(s), run))], type=arr.type)
    return pc.count_distinct(sample, mode="all").as_py() > _MOSTLY_DISTINCT * len(sample)


def distinct(arr: AnyArray) -> tuple[np.ndarray, AnyArray]:
    """(code per value, as np.intp to index with; the distinct values): arr equals values.take(codes), nulls included.

    Arrow's dictionary encoding: the chunks of a chunked array index one dictionary, which the last
    chunk's holds in full. A column whose values mostly differ (a phone, a street) comes back as is
    (codes 0..n-1): its dictionary would be about as big as the column and cost a hash of every value
    for nothing. So does an array of a type Arrow cannot hash.
    """
    if pa.types.is_dictionary(arr.type):
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.unify_dictionaries()
    else:
        try:
            if _mostly_distinct(arr):
                return np.arange(len(arr), dtype=np.intp), arr
            arr = pc.dictionary_encode(arr, null_encoding="encode")
        except _ARROW_ERRORS:
            return np.arange(len(arr), dtype=np.intp), arr
    chunks = _chunks(arr)
    if not chunks:
        return np.zeros(0, dtype=np.intp), pa.array([], type=arr.type.value_type)
    values = chunks[-1].dictionary
    parts = [c.indices for c in chunks]
    if any(p.null_count for p in parts):  # a dictionary array given as input may hold null indices
        values = pa.concat_arrays([values, pa.nulls(1, values.type)])
        parts = [pc.fill_null(p, len(values) - 1) for p in parts]
    codes = np.concatenate([p.to_numpy(zero_copy_only=False) for p in parts], dtype=np.intp)
    return codes, values


# First UTF-8 bytes of every BLANK_CHARS character: a value can only be white space (or start with it)
# when its first byte is one of these, so only those few values need trimming.
_BLANK_LEAD = np.zeros(256, dtype=bool)
_BLANK_LEAD[[ch.encode("utf-8")[0] for ch in BLANK_CHARS]] = True


def _offsets_and_data(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, data bytes) of a string or large_string array, as zero-copy numpy views."""
    validity, offsets, data = arr.buffers()[:3]
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    off = np.frombuffer(offsets, dtype=width)[arr.offset: arr.offset + len(arr) + 1].astype(np.int64)
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None and data.size else np.zeros(1, dtype=np.uint8)
    return off, raw


def byte_stats(arr: AnyArray) -> tuple[np.ndarray, np.ndarray]:
    """(UTF-8 byte length, first byte or 0) of every value of a text array, read from its buffers."""
    chunks = _chunks(arr)
    lengths, firsts = [], []
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            chunk = pc.cast(chunk, pa.large_string())
        off, raw = _offsets_and_data(chunk)
        length = np.diff(off)
        first = np.where(length > 0, raw[np.minimum(off[:-1], len(raw) - 1)], 0).astype(np.uint8)
        lengths.append(length)
        firsts.append(first)
    if not lengths:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    return np.concatenate(lengths), np.concatenate(firsts)


class Cells:
    """One column of cells with the forms the guard asks about, each computed once and only if asked.

    Text columns are judged from their Arrow buffers first (byte lengths, first bytes), so only the few
    values that could be white space or a placeholder are trimmed and compared.
    """

    def __init__(self, arr: AnyArray, distinct: bool = False) -> None:
        """Wrap an Arrow array (see to_arrow). distinct: judge each cell on its own without looking for
        repeats — true of a dictionary's values, and right (only slower) for any column."""
        self.arr = arr
        self.distinct = distinct

    @classmethod
    def of(cls, values: pd.Series | AnyArray | Cells) -> Cells:
        """Cells from a pandas column, an Arrow array, or Cells (returned as is)."""
        if isinstance(values, Cells):
            return values
        return cls(values if isinstance(values, (pa.Array, pa.ChunkedArray)) else to_arrow(values))

    def __len__(self) -> int:
        return len(self.arr)

    def take(self, idx: np.ndarray) -> Cells:
        """The cells at positions idx."""
        return Cells(self.arr.take(pa.array(idx, type=pa.int64())))

    @cached_property
    def encoded(self) -> tuple[np.ndarray, Cells]:
        """(code per cell, Cells of the distinct values): judge each distinct value once, then look it up.

        A column of a million cells usually holds a few thousand distinct values. Null (and NaN) get codes
        of their own; a type Arrow cannot hash (lists) is left as it is, one code per cell.
        """
        if self.distinct:
            return np.arange(len(self), dtype=np.intp), self
        codes, values = distinct(self.arr)
        return codes, (self if values is self.arr else Cells(values, distinct=True))

    @cached_property
    def text(self) -> AnyArray:
        """Canonical display text (see text()); other than text, rendered once per distinct value."""
        if self.distinct or is_stringy(self.arr):
            return text(self.arr)
        codes, values = self.encoded
        if values is self:
            return text(self.arr)
        return values.text.take(pa.array(codes))

    @cached_property
    def numbers(self) -> np.ndarray:
        """float64 values, NaN where not a number (see numbers())."""
        return numbers(self.arr)

    @cached_property
    def missing(self) -> np.ndarray:
        """Null, NaN or pd.NA."""
        if pa.types.is_floating(self.arr.type):
            return np.isnan(self.numbers)
        return ~to_bool(pc.is_valid(self.arr))

    @cached_property
    def core(self) -> AnyArray:
        """Text without surrounding white space."""
        return trimmed(self.text)

    @cached_property
    def _bytes(self) -> tuple[np.ndarray, np.ndarray]:
        """(byte length, first byte) of the display text."""
        return byte_stats(self.text)

    def longer_than(self, limit: int) -> np.ndarray:
        """Values with more than limit characters (only values with more than limit bytes are counted)."""
        nbytes, _ = self._bytes
        over = nbytes > limit
        idx = np.flatnonzero(over)
        if len(idx):
            sub = self.text.take(pa.array(idx))
            over[idx] = np.asarray(pc.fill_null(pc.greater(pc.utf8_length(sub), limit), False)
                                   .to_numpy(zero_copy_only=False), dtype=bool)
        return over

    @cached_property
    def empty(self) -> np.ndarray:
        """Missing, empty or white space only."""
        if is_numeric(self.arr) or pa.types.is_boolean(self.arr.type):
            return self.missing.copy()  # a number or a boolean is never white space
        nbytes, first = self._bytes
        empty = self.missing | (nbytes == 0)
        maybe = np.flatnonzero(~empty & _BLANK_LEAD[first])
        if len(maybe):
            core = trimmed(self.text.take(pa.array(maybe)))
            empty[maybe] = np.asarray(pc.equal(pc.utf8_length(core), 0).to_numpy(zero_copy_only=False), dtype=bool)
        return empty

    def placeholder(self, placeholders: tuple[str, ...]) -> np.ndarray:
        """Cells equal to one of the placeholders, ignoring case and surrounding white space."""
        wanted = tuple(dict.fromkeys(p.strip().lower() for p in placeholders if p and p.strip()))
        hit = np.zeros(len(self), dtype=bool)
        if not wanted or is_numeric(self.arr) or pa.types.is_boolean(self.arr.type):
            return hit
        nbytes, first = self._bytes
        lead = _BLANK_LEAD.copy()
        for w in wanted:
            for variant in (w, w.upper(), w.title()):
                lead[variant.encode("utf-8")[0]] = True
        shortest = min(len(w.encode("utf-8")) for w in wanted) // 2  # case changes can shrink a value's bytes
        candidates = np.flatnonzero(~self.missing & lead[first] & (nbytes >= shortest))
        if len(candidates):
            sub = pc.utf8_lower(trimmed(self.text.take(pa.array(candidates))))
            hit[candidates] = to_bool(pc.is_in(sub, value_set=pa.array(list(wanted), type=pa.large_string())))
        return hit
