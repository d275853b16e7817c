"""The sync preview: records as read → match keys → enrichment lookup → mapping → the guard's diff, and its pages.

Pure over frames and a provider: `build()` takes the records of a snapshot (index Id) and returns every
(record, field) cell with its verdict, the totals and each record's match result. `select()` and `page()`
filter and cut it for a page without copying the million-row frame: only the rows of one page are
materialised as a table.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.enrich import matching
from core.enrich.mapping import Mapping, apply
from core.enrich.providers.base import Provider
from core.enrich.transforms import Note
from core.fields import FieldSpec
from core.sync import diff
from core.sync.guard import is_blank

MATCH_RESULTS: tuple[str, ...] = ("matched", "no_data", "free_mail", "invalid_key", "no_key")
"""Per record: the source had data for its key; had none; the key was a free-mail domain; the Website or Email
was not a valid key; the record had neither."""
_PROBLEM_TO_RESULT = {"free_mail": "free_mail", "invalid_email": "invalid_key", "invalid_website": "invalid_key",
                      "no_key": "no_key"}
NAME_FIELDS = ("Name", "Company", "LastName")


@dataclass(frozen=True)
class Preview:
    """What a sync would do to one object: cells (diff.compute's rows), per-record facts, totals, mapping notes."""

    sobject: str
    cells: pd.DataFrame
    records: pd.DataFrame
    totals: pd.DataFrame
    filled: pd.Series
    notes: list[Note] = field(default_factory=list)

    @property
    def fields(self) -> list[str]:
        """The mapped fields, in the cells' order."""
        return [str(f) for f in self.totals.index]

    def match_counts(self) -> dict[str, int]:
        """How many records got each match result (every result present, zero included)."""
        counts = self.records["match"].value_counts()
        return {r: int(counts.get(r, 0)) for r in MATCH_RESULTS}

    def verdict_counts(self) -> dict[str, int]:
        """Cells per verdict over every field."""
        return {str(v): int(self.totals[v].sum()) for v in diff.VERDICTS}


def _rows(found: pd.DataFrame, codes: pa.Array, uniques: pa.Array) -> np.ndarray:
    """Each record's row in the source's answer (-1: a blank key, or one the source does not know)."""
    labels = found.index.array
    if isinstance(labels, pd.arrays.ArrowStringArray):  # hashed in Arrow: no Python string per key
        known = pa.array(labels).cast(pa.large_string())
        unique = pc.count_distinct(known, mode="all").as_py() == len(known)
    else:
        unique = found.index.is_unique
    if not unique:
        raise ValueError("cannot reindex on an axis with duplicate labels")
    if isinstance(labels, pd.arrays.ArrowStringArray):
        rows = np.asarray(pc.fill_null(pc.index_in(uniques, value_set=known), -1).to_numpy(zero_copy_only=False),
                          dtype=np.intp)
    else:
        rows = found.index.get_indexer(pd.Index(pd.array(uniques, dtype=matching.STRING)))
    return np.append(rows, -1)[np.asarray(codes)]


def _lookup(provider: Provider, keys: pd.Series, emails: pd.Series | None, index: pd.Index,
            attributes: set[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """One provider call for every distinct domain and email key; company attributes by domain, person ones by email.

    Returns the attributes the mapping reads, one row per record, and whether the source had any data for each
    record (any attribute at all, read or not). Rows are taken by position, so only the read columns are copied.
    """
    by_key = matching.distinct(keys)
    by_email = matching.distinct(emails) if emails is not None else None
    asked = [by_key[1]] if by_email is None else [by_key[1], by_email[1]]
    found = provider.lookup(pd.Index(pd.array(pa.concat_arrays(asked), dtype=matching.STRING)))
    table = found.reset_index(drop=True)
    person = [c for c in found.columns if str(c).startswith("person.")] if by_email is not None else []
    parts = [([c for c in found.columns if c not in person], _rows(found, *by_key))]
    if person:
        parts.append((person, _rows(found, *by_email)))
    has_data = np.zeros(len(index), dtype=bool)
    frames = []
    for columns, rows in parts:
        frames.append(table[[c for c in columns if c in attributes]].reindex(rows).set_axis(index))
        has_data |= np.append(table[columns].notna().any(axis=1).to_numpy(dtype=bool), False)[rows]
    enrichment = pd.concat(frames, axis=1) if len(frames) > 1 else frames[0]
    return enrichment, has_data


def _record_facts(current: pd.DataFrame, keys: pd.DataFrame, has_data: np.ndarray) -> pd.DataFrame:
    """Per record: display name, owner, match key and source, match result and its detail."""
    name_field = next((f for f in NAME_FIELDS if f in current.columns), None)
    name = current[name_field] if name_field else pd.Series(pd.NA, index=current.index)
    owner = current["OwnerId"] if "OwnerId" in current.columns else pd.Series(pd.NA, index=current.index)
    problems = pa.array(keys["problem"].astype(matching.STRING).array)
    problem = pc.index_in(problems, value_set=pa.array(list(_PROBLEM_TO_RESULT), problems.type))
    unkeyed = np.append([MATCH_RESULTS.index(r) for r in _PROBLEM_TO_RESULT.values()], MATCH_RESULTS.index("no_key"))
    result = np.where(keys["key"].notna().to_numpy(), np.where(has_data, 0, 1),
                      unkeyed[np.asarray(pc.fill_null(problem, len(_PROBLEM_TO_RESULT)))])
    return pd.DataFrame({
        "name": name.astype("string"), "owner": owner.astype("string"), "key": keys["key"],
        "key_source": keys["key_source"],
        "match": pd.Categorical.from_codes(result, categories=MATCH_RESULTS), "detail": keys["detail"],
    }, index=current.index)


def build(current: pd.DataFrame, sobject: str, mapping: Mapping, provider: Provider,
          specs: dict[str, FieldSpec]) -> Preview:
    """The whole preview of one object from its records as read (index Id; the mapped fields, Website/Email,
    a name field and OwnerId where present). Nothing is written and Salesforce is not called."""
    keys = matching.match_keys(current, sobject)
    emails = matching.email_keys(current) if sobject in ("Lead", "Contact") and "Email" in current.columns else None
    read = {path for f in mapping.fields for path in (f.attribute, *f.options.get("fallback", []))}
    enrichment, has_data = _lookup(provider, keys["key"], emails, current.index, read)
    proposed, notes = apply(mapping, enrichment, specs)
    cells = diff.compute(current, proposed, specs, mapping.placeholders)
    filled = pd.Series({f: int((~is_blank(current[f], _spec(specs, f), mapping.placeholders)).sum())
                        for f in proposed.columns}, dtype="int64")
    return Preview(sobject, cells, _record_facts(current, keys, has_data), diff.totals(cells), filled, notes)


def _spec(specs: dict[str, FieldSpec], name: str) -> FieldSpec:
    return specs.get(name) or FieldSpec(name=name, type="string", updateable=False, label=name)


@dataclass(frozen=True)
class Filters:
    """What the preview table shows; every part is optional and they combine with AND."""

    verdicts: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    matches: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    search: str = ""


def select(preview: Preview, filters: Filters) -> np.ndarray:
    """Positions of the cells that pass the filters, in the cells' order (field by field, records in order)."""
    cells, records = preview.cells, preview.records
    n = len(records)
    keep = np.ones(len(cells), dtype=bool)
    if filters.verdicts:
        keep &= cells["verdict"].isin(filters.verdicts).to_numpy()
    if filters.fields:
        keep &= cells["field"].isin(filters.fields).to_numpy()
    record_keep = np.ones(n, dtype=bool)
    if filters.matches:
        record_keep &= records["match"].isin(filters.matches).to_numpy()
    if filters.owners:
        record_keep &= records["owner"].isin(filters.owners).fillna(False).to_numpy(dtype=bool)
    if filters.search:
        needle = filters.search.strip().lower()
        hit = (records["name"].str.lower().str.contains(needle, regex=False).fillna(False)
               | pd.Series(records.index, index=records.index).str.lower().str.startswith(needle).fillna(False)
               | records["key"].str.contains(needle, regex=False).fillna(False))
        record_keep &= hit.to_numpy(dtype=bool)
    if n and not record_keep.all():
        keep &= np.tile(record_keep, len(cells) // n)
    return np.flatnonzero(keep)


def page(preview: Preview, positions: np.ndarray, offset: int, limit: int) -> pd.DataFrame:
    """One page of the selected cells as a table: Id, name, field, current, proposed, verdict, reason, match, key.

    Only these rows are built; a cell at position p belongs to record p mod n (cells are field-major)."""
    chosen = positions[offset:offset + limit]
    n = max(len(preview.records), 1)
    rows = preview.cells.iloc[chosen]
    facts = preview.records.iloc[chosen % n]
    return pd.DataFrame({
        "Id": rows["Id"].to_numpy(), "name": facts["name"].to_numpy(), "field": rows["field"].astype(str).to_numpy(),
        "current": rows["current"].to_numpy(), "proposed": rows["proposed"].to_numpy(),
        "verdict": rows["verdict"].astype(str).to_numpy(), "reason": rows["reason"].astype(str).to_numpy(),
        "match": facts["match"].astype(str).to_numpy(), "key": facts["key"].to_numpy(),
        "owner": facts["owner"].to_numpy(),
    })


def record(preview: Preview, record_id: str) -> pd.DataFrame:
    """Every mapped field of one record: current, proposed, verdict, reason (empty when the Id is not here)."""
    cells = preview.cells
    return cells.loc[cells["Id"] == record_id, ["field", "current", "proposed", "verdict", "reason"]].reset_index(
        drop=True)


def fill_rates(preview: Preview) -> pd.DataFrame:
    """Per field: the share of records holding a value now and after the sync (now + fills), for the chart."""
    n = max(len(preview.records), 1)
    now = preview.filled.reindex(preview.totals.index).fillna(0).to_numpy()
    return pd.DataFrame({"field": list(preview.totals.index), "before": now / n,
                         "after": (now + preview.totals["fill"].to_numpy()) / n})


def unique_owners(preview: Preview) -> Sequence[str]:
    """The owners present, for the owner filter."""
    return sorted(preview.records["owner"].dropna().unique().tolist())
