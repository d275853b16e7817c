"""The sync preview: records as read → match keys → enrichment lookup → mapping → the guard's diff, and its pages.

Pure over frames and a provider: `build()` takes the records of a snapshot (index Id) and returns every
(record, field) cell with its verdict, the totals and each record's match result. `select()` and `page()`
filter and cut it for a page without copying the million-row frame: only the rows of one page are
materialised as a table.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from core.enrich import lookup, matching
from core.enrich.mapping import Mapping, apply
from core.enrich.providers.base import Provider
from core.enrich.transforms import Note
from core.fields import FieldSpec
from core.sync import diff
from core.sync import guard_address as address
from core.sync.guard import blank_cells
from core.sync.guard_cells import Cells
from core.sync.guard_values import to_arrow

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
    groups: tuple[address.Group, ...] = ()  # the mapped address groups (the address rule's)

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


def _current_cells(current: pd.DataFrame, fields: list[str], specs: dict[str, FieldSpec],
                   placeholders: tuple[str, ...]) -> tuple[dict[str, Cells], pd.Series]:
    """The mapped fields' current cells as the guard reads them (distinct values, text, blanks) and how many
    records hold a value in each: all from the records alone, so it runs while the lookup does."""
    cells = {name: Cells.of(current[name]) for name in fields if name in current.columns}
    filled = {}
    for name, column in cells.items():
        filled[name] = int((~blank_cells(column, _spec(specs, name), placeholders)).sum())
        column.encoded[1].text  # noqa: B018 - computed now (cached), so the diff finds it ready
    return cells, pd.Series(filled, dtype="int64")


def build(current: pd.DataFrame, sobject: str, mapping: Mapping, provider: Provider,
          specs: dict[str, FieldSpec]) -> Preview:
    """The whole preview of one object from its records as read (index Id; the mapped fields, Website/Email,
    a name field and OwnerId where present). Nothing is written and Salesforce is not called.

    The source is asked once per distinct key, the mapping runs once per distinct source row and its values
    are judged once each (Cells.spread); only then are they spread over the records. The current side of the
    diff and the fill rates depend on the records alone, so they are prepared on a second thread meanwhile
    (Arrow and numpy release the GIL)."""
    fields = list(dict.fromkeys(f.field for f in mapping.fields))
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(_current_cells, current, fields, specs, mapping.placeholders)
        keys, key_codes, key_values = matching.matched(current, sobject)
        by_email = None
        if sobject in ("Lead", "Contact") and "Email" in current.columns:
            _, email_codes, email_values = matching.emails_coded(current)
            by_email = (email_codes, email_values)
        read = {path for f in mapping.fields for path in (f.attribute, *f.options.get("fallback", []))}
        source = lookup.source_rows(provider, (key_codes, key_values), by_email, read)
        mapped, notes = apply(mapping, source.rows, specs, source.weights)
        proposed = lookup.spread(mapped, source.row, current.index)
        proposed_cells = {f: Cells.spread(to_arrow(mapped[f]), source.row, to_arrow(proposed[f]))
                          for f in proposed.columns}
        current_cells, filled = ahead.result()
    cells = diff.compute(current, proposed, specs, mapping.placeholders, current_cells, proposed_cells)
    return Preview(sobject, cells, _record_facts(current, keys, source.has_data), diff.totals(cells), filled, notes,
                   tuple(address.groups(proposed.columns, specs)))


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


def approved_cells(preview: Preview, *, fields: tuple[str, ...] = (), positions: np.ndarray | None = None
                   ) -> pd.DataFrame:
    """The fill cells an operator approves: all of them, or those of `fields`, or those among `positions` (the
    filtered table). Columns Id, field, proposed, name, key — what the writer plans — and context: for a cell
    of an address, the enrichment's value of every mapped part of that address (JSON), so the write-time check
    judges the parts it does not write as the preview did (core.sync.guard_address.write_holds); None elsewhere."""
    cells = preview.cells
    n = max(len(preview.records), 1)
    mask = (cells["verdict"] == "fill").to_numpy().copy()
    if fields:
        mask &= cells["field"].isin(fields).to_numpy()
    if positions is not None:
        chosen = np.zeros(len(cells), dtype=bool)
        chosen[positions] = True
        mask &= chosen
    where = np.flatnonzero(mask)
    facts = preview.records.iloc[where % n]
    return pd.DataFrame({"Id": cells["Id"].to_numpy()[where], "field": cells["field"].astype(str).to_numpy()[where],
                         "proposed": cells["proposed"].to_numpy()[where], "name": facts["name"].to_numpy(),
                         "key": facts["key"].to_numpy(),
                         "context": pd.Series(_address_context(preview, where), dtype=object)})


def _address_context(preview: Preview, where: np.ndarray) -> np.ndarray:
    """Per approved cell (positions `where`): its address's mapped parts and the enrichment's values, as JSON."""
    out = np.full(len(where), None, dtype=object)
    n = len(preview.records)
    if not n or not preview.groups:
        return out
    index = {name: i for i, name in enumerate(preview.fields)}
    proposed = preview.cells["proposed"]
    field_of, record_of = where // n, where % n
    for group in preview.groups:
        parts = [p for p in group.parts if p in index]
        chosen = np.flatnonzero(np.isin(field_of, [index[m] for m in group.members if m in index]))
        if not len(chosen) or not parts:
            continue
        records, inverse = np.unique(record_of[chosen], return_inverse=True)
        values = [proposed.take(index[p] * n + records).to_numpy(dtype=object, na_value=None) for p in parts]
        texts = [json.dumps(dict(zip(parts, row, strict=True)), ensure_ascii=False) for row in zip(*values, strict=True)]
        out[chosen] = np.asarray(texts, dtype=object)[inverse]
    return out
