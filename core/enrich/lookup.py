"""One source lookup for many records: the distinct source rows they use, mapped once, then spread over the records."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.enrich.providers.base import STRING, Provider

_CHUNK = 1 << 16  # records per piece of taken text: Arrow copies big text faster in pieces, and the diff reads them so


@dataclass(frozen=True)
class SourceRows:
    """What a source knows for many records, once per distinct source row they use.

    rows: the attributes asked for, one row per distinct (company row, person row) pair the records use, in the
    order the records first use them (a row of blanks stands for the records the source knows nothing of);
    row: each record's row; weights: how many records each row stands for; has_data: per record, whether the
    source had any attribute for it (asked for or not).
    """

    rows: pd.DataFrame
    row: np.ndarray
    weights: np.ndarray
    has_data: np.ndarray


def _found_at(found: pd.DataFrame, codes: pa.Array, uniques: pa.Array) -> np.ndarray:
    """Each record's row in the source's answer (-1: a blank key, or one the source does not know)."""
    labels = found.index.array
    arrow = isinstance(labels, pd.arrays.ArrowStringArray)  # hashed in Arrow: no Python string per key
    known = pa.array(labels).cast(pa.large_string()) if arrow else None
    unique = pc.count_distinct(known, mode="all").as_py() == len(known) if arrow else found.index.is_unique
    if not unique:
        raise ValueError("cannot reindex on an axis with duplicate labels")
    if arrow:
        where = pc.fill_null(pc.index_in(uniques, value_set=known), -1)
        rows = np.asarray(where.to_numpy(zero_copy_only=False), dtype=np.intp)
    else:
        rows = found.index.get_indexer(pd.Index(pd.array(uniques, dtype=STRING)))
    return np.append(rows, -1)[np.asarray(codes)]


def source_rows(provider: Provider, by_key: tuple[pa.Array, pa.Array], by_email: tuple[pa.Array, pa.Array] | None,
                attributes: set[str]) -> SourceRows:
    """Ask the provider once for every distinct key (and email), and arrange its answer by the rows records use.

    by_key, by_email: (each record's code, the distinct values), as matching.matched and matching.distinct give
    them. Company attributes come by key, person ones ("person.*") by email when emails are given.
    """
    asked = [by_key[1]] if by_email is None else [by_key[1], by_email[1]]
    found = provider.lookup(pd.Index(pd.array(pa.concat_arrays(asked), dtype=STRING)))
    table = found.reset_index(drop=True)
    person = [c for c in found.columns if str(c).startswith("person.")] if by_email is not None else []
    company = [c for c in found.columns if c not in person]
    at_key = _found_at(found, *by_key).astype(np.int64)
    pair = at_key
    if person:  # a record's row is its (company row, person row) pair
        pair = (at_key + 1) * (len(table) + 1) + _found_at(found, *by_email) + 1
    row, used = pd.factorize(pair)  # in the order records first use them
    by_row = [(company, used if not person else used // (len(table) + 1) - 1)]
    if person:
        by_row.append((person, used % (len(table) + 1) - 1))
    has = np.zeros(len(used), dtype=bool)
    parts = []
    for columns, at in by_row:
        parts.append(table[[c for c in columns if c in attributes]].reindex(at).reset_index(drop=True))
        has |= np.append(table[columns].notna().any(axis=1).to_numpy(dtype=bool), False)[at]
    rows = pd.concat(parts, axis=1) if len(parts) > 1 else parts[0]
    return SourceRows(rows, row.astype(np.intp), np.bincount(row, minlength=len(used)), has[row])


def _take(column: pd.Series, row: np.ndarray, index: pd.Index) -> pd.Series:
    """column.take(row) on index; text taken in pieces of records."""
    if not isinstance(column.array, pd.arrays.ArrowStringArray):
        return column.take(row).set_axis(index)
    values = pa.array(column.array)
    parts = [values.take(pa.array(row[i:i + _CHUNK])) for i in range(0, len(row), _CHUNK)]
    taken = pd.arrays.ArrowStringArray(pa.chunked_array(parts, type=values.type))
    return pd.Series(taken, index=index, name=column.name, copy=False)


def spread(frame: pd.DataFrame, row: np.ndarray, index: pd.Index) -> pd.DataFrame:
    """frame's rows per record (record i gets row[i]), on index. Two threads: Arrow copies text without the GIL."""
    columns = [frame[c] for c in frame.columns]
    with ThreadPoolExecutor(max_workers=2) as pool:
        taken = list(pool.map(lambda column: _take(column, row, index), columns))
    return pd.DataFrame(dict(zip(frame.columns, taken, strict=True)), index=index)
