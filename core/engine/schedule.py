"""Sync triggers and the schedule: a dry run or an apply of one trigger's records, and scheduled rounds."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core import errors, settings
from core.engine.mappings import _object
from core.engine.orgs import _require_actor, connection, connections
from core.engine.previews import PREVIEW_OBJECTS, preview
from core.engine.snapshots import snapshot, snapshot_frame
from core.engine.writes import Run, WriteOptions, apply, approved_cells, write_cost
from core.errors import ConsoleError
from core.logs import runs as _runlog
from core.logs import sync_state as _sync_state
from core.roles import Actor
from core.sync import diff
from core.sync import triggers as _triggers

# --- sync triggers and the schedule (issue 13, item 5) -------------------------------------------------------------
# `sync` restricts the preview to one trigger's records (core.sync.triggers) and either reports what it would do (a
# dry run, recorded as a dry-run run) or applies the fill cells; `schedule_round` runs the due syncs of every
# connection and object, writing only where the operator switched automatic apply on.

SYNC_TRIGGERS: tuple[str, ...] = _triggers.TRIGGERS
SYNC_EVERY = 4 * 3600
"""Seconds between two scheduled rounds of one connection and object."""
_CLOCK_MARGIN = timedelta(minutes=5)
"""`new` counts from a little before the last run: a record re-selected is harmless (the guard skips filled cells),
one missed to clock skew would never be enriched."""


@dataclass(frozen=True)
class SyncResult:
    """One sync: the records the trigger covers, their cells' verdicts, what a write costs, and the run (if any)."""

    connection: str
    sobject: str
    trigger: str
    dry_run: bool
    records: int
    verdicts: dict[str, int]
    cost: dict[str, int]
    snapshot_at: str
    run: Run | None = None


@dataclass(frozen=True)
class ScheduleItem:
    """What a scheduled round did for one connection and object: applied, previewed, not_due, refused or failed."""

    connection: str
    sobject: str
    action: str
    auto_apply: bool
    result: SyncResult | None = None
    error: dict[str, Any] | None = None


_apply_cells = apply  # `sync` takes an `apply` flag


def _sync_history(root: Path, name: str, sobject: str) -> _triggers.History:
    since = _sync_state.since(root, name, sobject)
    moment = datetime.fromisoformat(since) - _CLOCK_MARGIN if since else None
    return _triggers.History(since=moment, keys=_sync_state.recorded_keys(root, name, sobject),
                             last_written=_sync_state.last_written(root, name, sobject))


def sync(name: str, sobject: str, *, trigger: str = "new", apply: bool = False, strict: bool = False,
         actor: Actor | None = None, options: WriteOptions | None = None, base: Path | None = None) -> SyncResult:
    """Sync the records of one trigger (new, changed, backfill, refresh, or scheduled = new+changed+refresh).

    Without `apply`: a dry run over the shared snapshot — the verdict counts and the write's cost, recorded as a
    dry-run run; nothing is written. With `apply` (operators): the snapshot is refreshed first, then the fill cells
    are written through engine.apply with `trigger`, and a finished run records the keys the next `changed` compares.
    """
    if trigger not in _triggers.ALL_TRIGGERS:
        raise errors.BadInput(f"There is no trigger {trigger!r}.", fix=f"Use one of {', '.join(_triggers.ALL_TRIGGERS)}.",
                              cause="bad_trigger")
    _object(sobject)
    if apply:
        _require_actor(actor, "write to Salesforce")
    root = settings.data_dir(base)
    snap = snapshot(name, sobject, actor=actor, refresh=apply, base=root)
    view = preview(name, sobject, base=root)
    frame = snapshot_frame(snap, columns=[c for c in ("CreatedDate", *_triggers.KEY_COLUMNS)
                                          if c in dict(snap.fields)], base=root)
    scope = _triggers.select(trigger, frame, _sync_history(root, name, sobject), datetime.now(UTC))
    cells = view.preview.cells
    positions = np.flatnonzero(cells["Id"].isin(scope).to_numpy())
    counted = cells["verdict"].iloc[positions].astype(str).value_counts()
    verdicts = {str(v): int(counted.get(v, 0)) for v in diff.VERDICTS}
    approved = approved_cells(view.preview, positions=positions)
    records, writes, reads = write_cost(approved, strict=strict)
    cost = {"records": records, "write_calls": writes, "read_calls": reads, "api_calls": writes + reads}
    as_of = view.fetched_at.isoformat()
    result = SyncResult(name, sobject, trigger, not apply, len(scope), verdicts, cost, as_of)
    if not apply:
        return replace(result, run=_record_dry_run(root, name, sobject, trigger, actor, result))
    run = None
    if len(approved):
        run = _apply_cells(name, sobject, approved, actor=actor, trigger=trigger, source=view.source,
                                 strict=strict, options=options, base=root)
    if run is None or run.state == "done":
        _sync_state.record_sync(root, connection=name, sobject=sobject, trigger=trigger, as_of=as_of,
                                run_id=run.id if run else None, keys=_triggers.key_values(frame))
    return replace(result, run=run)


def _record_dry_run(root: Path, name: str, sobject: str, trigger: str, actor: Actor | None, result: SyncResult) -> Run:
    info = connection(name, base=root)
    run = _runlog.create_run(root, connection=name, org_id=info.org_id if info else None,
                             environment=info.environment.kind if info else None, sobject=sobject, trigger=trigger,
                             actor=(actor or Actor()).name, dry_run=True,
                             plan=pd.DataFrame(columns=list(_runlog.PLAN_COLUMNS)),
                             options={"records": result.records, "verdicts": result.verdicts, "cost": result.cost,
                                      "snapshot_at": result.snapshot_at})
    return _runlog.update_run(root, run.id, state="done", finished=True,
                              message=f"dry run: {result.verdicts.get('fill', 0):,} cell{'' if result.verdicts.get('fill', 0) == 1 else 's'} would be filled")


def set_auto_apply(name: str, sobject: str, on: bool, *, actor: Actor, base: Path | None = None) -> None:
    """Switch the schedule's automatic apply on or off for one connection and object (operators); it is due now."""
    _require_actor(actor, "change automatic apply")
    root = settings.data_dir(base)
    if connection(name, base=root) is None:
        raise errors.BadInput(f"There is no connection named {name!r}.", fix="List them with: python -m core connections",
                              cause="not_connected")
    _sync_state.set_auto_apply(root, name, _object(sobject), on, by=actor.name)


def auto_apply_settings(*, base: Path | None = None) -> dict[tuple[str, str], bool]:
    """(connection, object) -> automatic apply on, for every target whose switch was ever set."""
    return {k: v[0] for k, v in _sync_state.schedule_rows(settings.data_dir(base)).items()}


def schedule_round(*, actor: Actor | None = None, only_connection: str | None = None, only_object: str | None = None,
                   base: Path | None = None) -> list[ScheduleItem]:
    """One scheduled round: every readable connection and object due (its last round 4 hours ago or more, or
    never) is synced with the `scheduled` trigger — applied where automatic apply is on, otherwise a dry run
    over a snapshot that is pulled when stale. One target's failure is reported and the others still run."""
    _require_actor(actor, "run the schedule")
    root = settings.data_dir(base)
    rows = _sync_state.schedule_rows(root)
    items = []
    for info in connections(base=root):
        if not info.readable or only_connection not in (None, info.name):
            continue
        for sobject in (only_object,) if only_object else PREVIEW_OBJECTS:
            auto, last = rows.get((info.name, sobject), (False, None))
            started = _runlog.now_iso()
            if last and (datetime.fromisoformat(started) - datetime.fromisoformat(last)).total_seconds() < SYNC_EVERY:
                items.append(ScheduleItem(info.name, sobject, "not_due", auto))
                continue
            try:
                done = sync(info.name, sobject, trigger=_triggers.SCHEDULED, apply=auto, actor=actor, base=root)
                items.append(ScheduleItem(info.name, sobject, "applied" if auto else "previewed", auto, done))
            except ConsoleError as exc:
                action = "refused" if isinstance(exc, errors.NotAllowed) else "failed"
                items.append(ScheduleItem(info.name, sobject, action, auto, error=errors.as_dict(exc)))
            _sync_state.mark_round(root, info.name, sobject, started)
    return items


def next_round_in(*, base: Path | None = None) -> float:
    """Seconds until the next target is due (0 when one already is), for the schedule's loop."""
    rows = _sync_state.schedule_rows(settings.data_dir(base))
    now = datetime.now(UTC)
    waits = [SYNC_EVERY - (now - datetime.fromisoformat(last)).total_seconds() for _, last in rows.values() if last]
    return max(0.0, min(waits)) if waits else float(SYNC_EVERY)
# --- end of sync triggers and the schedule ------------------------------------------------------------------------


# --- the schedule's automatic-apply switch as a page shows it (logs-undo) ---
@dataclass(frozen=True)
class AutoApply:
    """The schedule's automatic apply for one connection and object: on or off, who switched it last and when
    (None when nobody ever did), and when a scheduled round last handled it (None: never)."""

    connection: str
    sobject: str
    on: bool
    by: str | None = None
    at: str | None = None
    last_round: str | None = None


def auto_apply(name: str, sobject: str, *, base: Path | None = None) -> AutoApply:
    """Whether the scheduled sync writes this connection's `sobject` fills without a preview being approved."""
    on, by, at, last_round = _sync_state.auto_apply_of(settings.data_dir(base), name, _object(sobject))
    return AutoApply(name, sobject, on, by, at, last_round)
