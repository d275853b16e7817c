"""Counts the org answers itself: fill rates per mapped field and record totals, without a snapshot."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from core import cache as shared_cache
from core import settings
from core.engine.mappings import SNAPSHOT_OBJECTS, _object, mapping
from core.engine.orgs import open_client
from core.engine.snapshots import describe
from core.errors import ConsoleError
from core.sync import org_counts as _org_counts
from core.sync.org_counts import FillCounts
from core.sync.snapshot import Policy

# --- counts the org answers itself (issue 15, item 5): fill rates and record totals without a snapshot ------------
# One aggregate query per object (`SELECT COUNT(Id), COUNT(Industry), … FROM Lead`) and one /limits/recordCount call
# for every object, kept in the shared cache for the snapshot's 4 hours and dropped after a write.


def _fill_key(name: str, sobject: str) -> tuple[str, str, str]:
    return "fill-counts", name, sobject


def _counted(root: Path, name: str, key: tuple, version: Any, fetch: Callable[[], Any], refresh: bool) -> Any:
    """The kept answer for `key` while it is younger than the snapshot period and of the same `version`, else
    `fetch()`'s, kept. A refusal is kept too, for the first retry period (15 minutes), so a user without the
    permission does not spend an API call on every view; it is raised again with its message and fix."""
    store, policy, now = shared_cache.cache(root), Policy.from_env(), time.time()
    kept = store.get(key)
    if kept is not None and not refresh and kept[0] == version:
        at, answer = kept[1], kept[2]
        if now - at < (policy.retry_after if isinstance(answer, ConsoleError) else policy.max_age):
            if isinstance(answer, ConsoleError):
                raise answer
            return answer
    try:
        answer = fetch()
    except ConsoleError as error:
        store.set(key, (version, now, error), tag=shared_cache.connection_tag(name))
        raise
    store.set(key, (version, now, answer), tag=shared_cache.connection_tag(name))
    return answer


def field_fill(name: str, sobject: str, *, refresh: bool = False, base: Path | None = None) -> FillCounts:
    """How many of the `sobject` records the connected user sees hold a value in each mapped field: one aggregate
    query, answered from the shared cache for 4 hours (or until a write or `refresh`) while the mapping is the same."""
    root = settings.data_dir(base)
    fields = mapping(name, _object(sobject), base=root)[0].field_names()
    return _counted(root, name, _fill_key(name, sobject), fields, lambda: _org_counts.count_fills(
        open_client(name, base=root), sobject, describe(name, sobject, base=root), fields), refresh)


def record_totals(name: str, *, refresh: bool = False, base: Path | None = None) -> dict[str, int]:
    """The org's records per enriched object from /limits/recordCount (every record, whatever the sharing; needs
    View Setup and Configuration), in one call kept for 4 hours. A refusal raises with its message and fix."""
    root = settings.data_dir(base)
    return _counted(root, name, ("record-totals", name), None, lambda: _org_counts.record_totals(
        open_client(name, base=root), SNAPSHOT_OBJECTS), refresh)


def _forget_counts(root: Path, name: str, sobject: str) -> None:
    """A write changed what the org holds: the next view counts again."""
    store = shared_cache.cache(root)
    store.delete(_fill_key(name, sobject))
    store.delete(("record-totals", name))
# --- end of the org counts block ----------------------------------------------------------------------------------
