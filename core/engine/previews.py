"""The preview: the cells a sync would write, shared by every viewer of the same data, and its pages."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from core import errors, settings
from core import preview as preview_
from core.engine.counts import _forget_counts
from core.engine.mappings import mapping
from core.engine.orgs import _require_actor, open_client
from core.engine.snapshots import describe, snapshot, snapshot_frame, snapshot_version
from core.engine.sources import enrichment_source, source_provider
from core.enrich.mapping import Mapping
from core.fields import field_specs
from core.roles import Actor

# --- Preview (issue 13): the cells a sync would write, shared by every viewer of the same data --------------------

PREVIEW_OBJECTS: tuple[str, ...] = ("Account", "Lead", "Contact")
_previews: dict[tuple, preview_.Preview] = {}
_previews_guard = threading.Lock()


@dataclass(frozen=True)
class PreviewView:
    """A preview with what a page says about it: the data's age, where records live, and the source used."""

    preview: preview_.Preview
    fetched_at: datetime
    instance_url: str
    source: str
    mapping: Mapping


def preview(name: str, sobject: str, *, base: Path | None = None) -> PreviewView:
    """What a sync of `sobject` would do for connection `name`: every (record, field) cell with its verdict.

    Nothing is written. The records come from the shared snapshot (pulled when older than 4 hours), the
    mapping is the connection's saved one (else the defaults) and the source the connection's own. One preview
    per snapshot version, mapping and source is kept in this process, so every viewer shares it.
    """
    if sobject not in PREVIEW_OBJECTS:
        raise errors.BadInput(f"There is no preview for {sobject!r}.",
                              fix=f"Choose one of {', '.join(PREVIEW_OBJECTS)}.", cause="unknown_object")
    root = settings.data_dir(base)
    snap = snapshot(name, sobject, base=root)
    if snap.fetched_at is None:
        failure = snap.failure
        raise errors.RetryLater(f"The {sobject} records of {name!r} could not be read yet"
                                + (f": {failure.message}" if failure else "."),
                                fix=failure.fix if failure else "Try again in a minute.", cause="no_snapshot")
    plan, _ = mapping(name, sobject, base=root)
    source = enrichment_source(name, base=root)
    key = (root, name, sobject, snapshot_version(snap, base=root), repr(source))
    with _previews_guard:
        cached = _previews.get(key)
    if cached is not None:
        return cached
    specs = field_specs(describe(name, sobject, base=root))
    current = snapshot_frame(snap, base=root)
    for missing in (f for f in plan.field_names() if f not in current.columns):
        current[missing] = pd.Series(pd.NA, index=current.index, dtype="string")  # not readable: no_access
    provider = source_provider(name, base=root)
    view = PreviewView(preview_.build(current, sobject, plan, provider, specs),
                       datetime.fromtimestamp(snap.fetched_at, UTC), open_client(name, base=root).instance_url,
                       source.label, plan)
    with _previews_guard:
        _previews.clear() if len(_previews) > 8 else None
        _previews[key] = view
    return view


def forget_previews(name: str | None = None) -> None:
    """Drop this process's kept previews (of one connection, or all): the next preview reads again."""
    with _previews_guard:
        for key in [k for k in _previews if name is None or k[1] == name]:
            del _previews[key]

def after_write(name: str, sobject: str, *, actor: Actor, base: Path | None = None) -> None:
    """After an apply, resume or undo: pull the records that changed (an incremental refresh of the snapshot) and
    drop kept previews, so the next preview shows what Salesforce holds now rather than the 4-hour-old records."""
    _require_actor(actor, "refresh the records after a write")
    forget_previews(name)
    _forget_counts(settings.data_dir(base), name, sobject)
    snapshot(name, sobject, actor=actor, refresh=True, base=base)


PreviewFilters = preview_.Filters


def select_cells(result: preview_.Preview, filters: preview_.Filters) -> Any:
    """Positions of the cells that pass the filters (see core.preview.select)."""
    return preview_.select(result, filters)


def cells_page(result: preview_.Preview, positions: Any, offset: int, limit: int) -> pd.DataFrame:
    """One page of selected cells as a table (see core.preview.page)."""
    return preview_.page(result, positions, offset, limit)


def preview_record(result: preview_.Preview, record_id: str) -> tuple[dict[str, Any], pd.DataFrame] | None:
    """One record's facts (name, owner, key, match) and every mapped field's cell, or None when it is not here."""
    if record_id not in result.records.index:
        return None
    facts = result.records.loc[record_id]
    return ({"Id": record_id, **{k: (None if pd.isna(v) else str(v)) for k, v in facts.items()}},
            preview_.record(result, record_id))


def preview_owners(result: preview_.Preview) -> list[str]:
    """The record owners present in a preview, for the owner filter."""
    return list(preview_.unique_owners(result))


def fill_rates(result: preview_.Preview) -> pd.DataFrame:
    """Per field: share of records with a value now and after the sync."""
    return preview_.fill_rates(result)


def records_to_write(result: preview_.Preview) -> int:
    """How many records have at least one cell to fill (what a write would touch)."""
    cells = result.cells
    return int(cells.loc[cells["verdict"] == "fill", "Id"].nunique())


def age_text(moment: datetime, now: datetime | None = None) -> str:
    """'2 h 10 min ago'-style age of a moment, for the line that says how old the data on a page is."""
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    if seconds < 60:
        return "just now" if seconds < 5 else f"{seconds} s ago"
    minutes, hours = seconds // 60, seconds // 3600
    if hours == 0:
        return f"{minutes} min ago"
    if hours < 48:
        return f"{hours} h {minutes % 60} min ago"
    return f"{hours // 24} days ago"
