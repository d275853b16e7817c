"""The preview diff: current records × proposed values → one row per (record, field) with the guard's verdict."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.fields import FieldSpec
from core.sync import guard_address as address
from core.sync.guard import DEFAULT_PLACEHOLDERS, KEEP, VERDICTS, judge
from core.sync.guard_cells import Cells
from core.sync.guard_values import AnyArray, text, to_arrow

COLUMNS: tuple[str, ...] = ("Id", "field", "current", "proposed", "verdict", "reason")
_TOTALS_CHUNK = 1 << 20


def _strings(parts: list[AnyArray]) -> pd.arrays.ArrowStringArray:
    """Arrow text pieces as one pandas string array, without copying the text (a chunked array)."""
    chunks = [c for part in parts for c in (part.chunks if isinstance(part, pa.ChunkedArray) else [part])]
    chunks = [c if pa.types.is_large_string(c.type) else c.cast(pa.large_string()) for c in chunks]
    return pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string()))


def _unique(index: pd.Index) -> bool:
    """Whether no Id occurs twice. Ids in increasing order (as Salesforce usually returns them) are
    checked in one pass; others are hashed in Arrow (pandas would first copy a string index to Python
    objects)."""
    try:
        ids = to_arrow(pd.Series(index))
        if len(ids) < 2 or pc.all(pc.fill_null(pc.less(ids.slice(0, len(ids) - 1), ids.slice(1)), False)).as_py():
            return True
        return len(pc.unique(ids)) == len(ids)
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return bool(index.is_unique)


def compute(current: pd.DataFrame, proposed: pd.DataFrame, specs: dict[str, FieldSpec],
            placeholders: Sequence[str] = DEFAULT_PLACEHOLDERS,
            current_cells: Mapping[str, Cells] | None = None,
            proposed_cells: Mapping[str, Cells] | None = None) -> pd.DataFrame:
    """One row per (record, field): Id, field, current, proposed (display text), verdict, reason.

    current: index Id, Salesforce fields as read; proposed: index Id, one column per mapped field (from
    mapping.apply). Proposed is aligned to current's records (a record without enrichment gets no_data).
    Every proposed field must have been read into current — an unread field is not known to be blank,
    so it raises instead of risking a fill. A field missing from specs is not visible to the user:
    no_access. Rows are grouped by field, records in current's order. Id, current and proposed are
    Arrow-backed strings; field, verdict (categories = guard.VERDICTS) and reason are categoricals.
    Vectorised: one loop over the fields, none over records. current_cells, proposed_cells: the columns'
    Cells made beforehand (current's while the proposed values were looked up; proposed ones spread from the
    source's values, see Cells.spread), used as they are.
    """
    fields = [str(f) for f in proposed.columns]
    unread = [f for f in fields if f not in current.columns]
    if unread:
        raise ValueError(f"current lacks {', '.join(unread)}: read every mapped field before diffing, "
                         "or a value that is there could look blank")
    if not _unique(current.index):
        raise ValueError("current has duplicate record Ids")
    if not proposed.index.equals(current.index):
        if not _unique(proposed.index):
            raise ValueError("proposed has duplicate record Ids")
        proposed = proposed.reindex(current.index)
        proposed_cells = None  # made for the rows as given, not as aligned here
    n, k = len(current), len(fields)
    ids = text(to_arrow(pd.Series(current.index)))
    code_type = np.int8 if k < 127 else np.int32
    label_index: dict[str, int] = {}
    cur_parts, prop_parts, local_reasons = [], [], []
    groups = address.groups(fields, specs)
    in_group = {p for g in groups for p in g.parts}
    held: dict[str, np.ndarray] = {}
    verdict = np.empty(n * k, dtype=np.int8)
    for i, name in enumerate(fields):
        spec = specs.get(name) or FieldSpec(name=name, type="string", updateable=False, label=name)
        cur = (current_cells or {}).get(name) or Cells.of(current[name])
        prop = (proposed_cells or {}).get(name) or Cells.of(proposed[name])
        vcodes, rcodes, local, held_i = judge(cur, prop, spec, placeholders)
        verdict[i * n:(i + 1) * n] = vcodes
        if name in in_group:
            held[name] = held_i
        local_reasons.append((local, rcodes))
        cur_parts.append(cur.text)
        prop_parts.append(prop.text)
    held_labels, held_back = _hold_addresses(groups, fields, verdict, n, held, cur_parts)
    for i, (local, rcodes) in enumerate(local_reasons):
        remap = np.array([label_index.setdefault(lbl, len(label_index)) for lbl in local], dtype=np.int64)
        local_reasons[i] = (remap, rcodes)
    first_held = len(label_index)  # the address rule's labels come after the guard's
    labels = first_held + len(held_labels)
    reason = np.empty(n * k, dtype=np.int8 if labels <= 127 else np.int16 if labels <= 32767 else np.int32)
    for i, (remap, rcodes) in enumerate(local_reasons):  # field-local reason codes → codes into all labels
        np.take(remap.astype(reason.dtype), rcodes, out=reason[i * n:(i + 1) * n])
    for i, rows, codes in held_back:
        reason[i * n + rows] = first_held + codes
    ordered = sorted(label_index, key=label_index.__getitem__) + held_labels
    if k == 0:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in COLUMNS})
    out = pd.DataFrame({
        "Id": _strings([ids] * k),
        "field": pd.Categorical.from_codes(np.repeat(np.arange(k, dtype=code_type), n), categories=pd.Index(fields, dtype="str")),
        "current": _strings(cur_parts),
        "proposed": _strings(prop_parts),
        "verdict": pd.Categorical.from_codes(verdict, categories=pd.Index(VERDICTS, dtype="str")),
        "reason": pd.Categorical.from_codes(reason, categories=pd.Index(ordered, dtype="str")),
    }, copy=False)  # every column is new: nothing to protect by copying
    return out


def _hold_addresses(groups: list[address.Group], fields: list[str], verdict: np.ndarray, n: int,
                    held: dict[str, np.ndarray], texts: list[AnyArray]) -> tuple[list[str], list[tuple]]:
    """The address rule (core.sync.guard_address) over the verdicts just made: in each address group, the fill
    cells of a record holding a part the enrichment does not confirm become keep (verdict is changed in place).
    Returns the rule's reason labels and, per field, (field index, record positions, codes into those labels)."""
    index = {name: i for i, name in enumerate(fields)}
    text = {name: texts[i] for name, i in index.items()}
    labels: list[str] = []
    changed: list[tuple] = []
    for group in groups:
        held_back, group_labels = address.hold_back(group, index, verdict, n, held, text)
        for name, (rows, codes) in held_back.items():
            verdict[index[name] * n + rows] = KEEP
            changed.append((index[name], rows, codes + len(labels)))
        labels += group_labels
    return labels, changed


def totals(diff: pd.DataFrame) -> pd.DataFrame:
    """Counts by field (rows, in diff order) × verdict (columns, every verdict in VERDICTS order), plus total."""
    field = diff["field"] if isinstance(diff["field"].dtype, pd.CategoricalDtype) else diff["field"].astype("category")
    verdict = diff["verdict"]
    if not (isinstance(verdict.dtype, pd.CategoricalDtype) and tuple(verdict.cat.categories) == VERDICTS):
        verdict = pd.Series(pd.Categorical(verdict.astype("str"), categories=VERDICTS), index=diff.index)
    k, m = len(field.cat.categories), len(VERDICTS)
    fcodes = field.cat.codes.to_numpy()
    vcodes = verdict.cat.codes.to_numpy()
    counts = np.zeros(k * m + 1, dtype=np.int64)  # the last bin takes rows without a field or a verdict
    for start in range(0, len(fcodes), _TOTALS_CHUNK):  # chunks keep the temporaries small
        f = fcodes[start:start + _TOTALS_CHUNK]
        v = vcodes[start:start + _TOTALS_CHUNK]
        cell = f.astype(np.intp)
        cell *= m
        cell += v
        if f.min() < 0 or v.min() < 0:
            cell[(f < 0) | (v < 0)] = k * m
        counts += np.bincount(cell, minlength=k * m + 1)
    counts = counts[:-1].reshape(k, m)
    table = pd.DataFrame(counts, index=pd.Index(field.cat.categories, name="field", dtype="str"),
                         columns=pd.Index(list(VERDICTS), name="verdict"))
    table["total"] = table.sum(axis=1)
    return table.astype("int64")
