"""One column of cells as the guard sees it: its distinct values, and blank, placeholder and length masks."""
from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.sync.guard_values import (
    ARROW_ERRORS,
    BLANK_CHARS,
    AnyArray,
    is_numeric,
    is_stringy,
    numbers,
    text,
    to_arrow,
    to_bool,
    trimmed,
)

# Whether a column is worth dictionary-encoding is judged from a sample of 1/16 of it (at least 4,096
# values, at most 65,536): it is not when more than half the sampled values differ, which puts the
# line at about 4% of the values being distinct, whatever the column's length.
_SAMPLE_SHARE, _SAMPLE_MIN, _SAMPLE_MAX = 16, 1 << 12, 1 << 16
_MOSTLY_DISTINCT = 0.5


def _chunks(arr: AnyArray) -> list[pa.Array]:
    """The chunks of a chunked array, or the array itself."""
    return arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]


def take_sorted(arr: AnyArray, idx: np.ndarray) -> AnyArray:
    """arr.take(idx) for increasing positions idx. A chunked array is taken from chunk by chunk: Arrow
    would first copy every chunk into one array, costing more than the take (4x on a million texts)."""
    if not isinstance(arr, pa.ChunkedArray):
        return arr.take(pa.array(idx, type=pa.int64()))
    starts = np.cumsum([0] + [len(c) for c in arr.chunks])
    cuts = np.searchsorted(idx, starts)
    parts = [chunk.take(pa.array(idx[a:b] - start, type=pa.int64()))
             for chunk, start, a, b in zip(arr.chunks, starts, cuts, cuts[1:], strict=False) if b > a]
    return pa.chunked_array(parts, type=arr.type)


def _mostly_distinct(arr: AnyArray) -> bool:
    """Whether most values differ, judged from a sample spread evenly over the column."""
    n = len(arr)
    if n == 0:
        return False
    size = min(max(n // _SAMPLE_SHARE, _SAMPLE_MIN), _SAMPLE_MAX)
    if n <= size:
        sample = arr
    else:  # 16 runs spread over the column: slices cost nothing, where scattered picks would
        run = size // 16
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
        except ARROW_ERRORS:
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
    _, offsets, data = arr.buffers()[:3]
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    off = np.frombuffer(offsets, dtype=width)[arr.offset: arr.offset + len(arr) + 1].astype(np.int64, copy=False)
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

    The guard judges a column's distinct values (encoded) rather than its cells when values repeat.
    Text is judged from its Arrow buffers first (byte lengths, first bytes), so only the few values that
    could be white space or a placeholder are trimmed and compared.
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

    @classmethod
    def spread(cls, source: AnyArray, rows: np.ndarray, arr: AnyArray) -> Cells:
        """The cells arr, equal to source.take(rows): a column spread from a few source values over many records.
        Its distinct values are found among the source's (one hash of those), so they are judged once each,
        and the records only look them up."""
        codes, values = distinct(source)
        cells = cls(arr)
        cells.__dict__["encoded"] = (codes[rows], cls(values, distinct=True))  # what the cached property holds
        return cells

    def __len__(self) -> int:
        return len(self.arr)

    def take(self, idx: np.ndarray) -> Cells:
        """The cells at positions idx."""
        return Cells(self.arr.take(pa.array(idx, type=pa.int64())))

    @cached_property
    def encoded(self) -> tuple[np.ndarray, Cells]:
        """(code per cell, Cells of the distinct values): judge each distinct value once, then look it up.

        A column of a million cells often holds a few thousand distinct values. Null (and NaN) get codes
        of their own. A column whose values mostly differ, or of a type Arrow cannot hash (lists), is its
        own distinct values: codes 0..n-1, each cell judged on its own (see distinct()).
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
            sub = take_sorted(self.text, idx)
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
            core = trimmed(take_sorted(self.text, maybe))
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
            sub = pc.utf8_lower(trimmed(take_sorted(self.text, candidates)))
            hit[candidates] = to_bool(pc.is_in(sub, value_set=pa.array(list(wanted), type=pa.large_string())))
        return hit
