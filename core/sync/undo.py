"""Undo a run: set each value it wrote back to blank, only where the field still holds exactly that value.

An undo is a run of its own (trigger `undo`, `options.undo_of` naming the run taken back) made by the
writer's pass with the guard turned round (recheck.decide_undo → guard.still_as_written): per read chunk a
fresh read through `OrgClient.retrieve_records`, a `pending` row per cell about to be cleared, one
Collections PATCH per batch sending null, every outcome logged. A value someone changed since is left
alone and logged `skipped_nonblank` with both values; an interrupted undo resumes like any run
(`writer.resume`). `preview` says what an undo would do now, from the same fresh read, writing nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from core import errors
from core.fields import FieldSpec
from core.logs import runs as runlog
from core.logs import undo_log
from core.roles import Actor, require_operator
from core.sync import recheck
from core.sync.runlock import run_lock
from core.sync.writer import Options, Progress, run_pass

if TYPE_CHECKING:
    from core.salesforce import OrgClient

CLEAR = "clear"  # what the preview calls a cell the undo would set back to blank


@dataclass(frozen=True)
class UndoPreview:
    """What undoing `run` would do now: one row per cell it wrote, and the counts per action.

    cells: record_id, record_name, field, written (the value the run wrote), current (now), action (`clear`,
    or the outcome the undo would log: skipped_nonblank, skipped_no_access, failed) and message.
    """

    run: runlog.Run
    cells: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)
    api_calls: int = 0


def undoable(base: Path | None, run_id: str) -> runlog.Run:
    """The run to undo, or BadInput saying why it cannot be undone (unknown, not finished, an undo, undone)."""
    run = runlog.get_run(base, run_id)
    if run is None:
        raise errors.BadInput(f"There is no run {run_id!r}.", fix="List the runs with: python -m core runs",
                              cause="no_such_run")
    if run.trigger == undo_log.UNDO_TRIGGER:
        raise errors.BadInput(f"Run {run.id} is itself an undo; an undo is not undone.",
                              fix="To write those values again, apply them from the preview.", cause="undo_of_undo")
    if run.state != "done":
        raise errors.BadInput(f"Run {run.id} is {run.state}: some of its cells are not settled yet.",
                              fix=f"Resume it first (python -m core resume {run.id}), then undo it.",
                              cause="run_not_done")
    earlier = undo_log.undoes(base, run.id)
    if earlier:
        last = earlier[-1]
        fix = (f"Resume that undo: python -m core resume {last.id}" if last.state != "done" else
               "Its log lists what it cleared and what it left alone.")
        raise errors.BadInput(f"Run {run.id} was already undone by run {last.id} ({last.state}).", fix=fix,
                              cause="already_undone")
    return run


def plan(base: Path | None, run: runlog.Run) -> pd.DataFrame:
    """The undo's plan (runlog.PLAN_COLUMNS; proposed is the blank it writes) with `expected`, the value written."""
    written = undo_log.written_cells(base, run.id)
    return pd.DataFrame({"record_id": written["record_id"], "field": written["field"], "proposed": "",
                         "record_name": written["record_name"], "source": written["source"],
                         "match_key": written["match_key"], "expected": written["written"]})


def _fresh(client: OrgClient, sobject: str, ids: list[str], fields: list[str], read_size: int) -> tuple[pd.DataFrame, int]:
    frames, calls = [], 0
    for first in range(0, len(ids), read_size):
        records = client.retrieve_records(sobject, ids[first:first + read_size], fields)
        calls += 1
        frames.append(recheck.fresh_frame(records, fields))
    return (pd.concat(frames) if frames else recheck.fresh_frame([], fields)), calls


def preview(client: OrgClient, run_id: str, specs: dict[str, FieldSpec], *, base: Path | None = None,
            options: Options | None = None) -> UndoPreview:
    """What an undo of `run_id` would do if it started now: a fresh read of the records it wrote (one retrieve
    per 2,000 records), judged as the undo judges them. Nothing is written; any role may look."""
    options = options or Options()
    run = undoable(base, run_id)
    cells = plan(base, run).assign(cell=lambda f: range(len(f)), maybe_sent=False)
    ids = list(dict.fromkeys(cells["record_id"]))
    fields = ["Id", *(f for f in dict.fromkeys(cells["field"]) if f in specs)]
    fresh, calls = _fresh(client, run.object, ids, fields, options.read_size)
    decision = recheck.decide_undo(cells, fresh, specs, options.placeholders)
    judged = pd.concat([decision.send.assign(outcome=CLEAR, message="Still holds the value the run wrote: "
                                             "set back to blank."),
                        decision.final.drop(columns="proposed")], ignore_index=True)
    out = cells.drop(columns=["proposed", "maybe_sent"]).merge(
        judged[["cell", "before", "outcome", "message"]], on="cell", how="left").sort_values("cell")
    table = pd.DataFrame({"record_id": out["record_id"], "record_name": out["record_name"], "field": out["field"],
                          "written": out["expected"], "current": out["before"], "action": out["outcome"],
                          "message": out["message"]}).reset_index(drop=True)
    counts = {str(k): int(v) for k, v in table["action"].value_counts().items()}
    return UndoPreview(run, table, counts, calls)


def start(client: OrgClient, run_id: str, specs: dict[str, FieldSpec], *, actor: Actor, base: Path | None = None,
          options: Options | None = None, progress: Callable[[Progress], None] | None = None) -> runlog.Run:
    """Undo `run_id` now: a new run (trigger `undo`, by `actor`) that clears each cell the run wrote where the
    field still holds exactly that value, and logs every cell. Operators only; held under the object's run lock,
    so it never interleaves with an apply. Returns the undo run (`done`, or `interrupted`: resume it)."""
    require_operator(actor, "undo a run")
    options = options or Options()
    target = undoable(base, run_id)
    with run_lock(base, target.connection, target.object, actor=actor.name, wait=options.lock_wait) as note:
        target = undoable(base, run_id)  # again under the lock: two undos of one run never both start
        cells = plan(base, target)
        if cells.empty:
            raise errors.BadInput(f"Run {target.id} wrote nothing, so there is nothing to undo.",
                                  fix="Pick a run whose counts show written cells.", cause="nothing_to_undo")
        run = runlog.create_run(base, connection=target.connection, org_id=target.org_id,
                                environment=target.environment, sobject=target.object,
                                trigger=undo_log.UNDO_TRIGGER, actor=actor.name, dry_run=False,
                                plan=cells.drop(columns="expected"),
                                options={"strict": options.strict, "undo_of": target.id})
        note(run.id)
        todo = cells.assign(cell=range(len(cells)), maybe_sent=False, pending=False)
        return run_pass(client, run, todo, specs, base=base, options=options, progress=progress,
                        decide=recheck.decide_undo)
