"""The guarded writer: approved fill cells → a logged run that writes only what is still blank, and its resume.

`apply` plans a run (its cells stored with it), then makes one pass (writer_pass.Pass): fresh read →
guard → pending rows → Collections PATCH → outcomes. `resume` settles an interrupted or crashed run: its
pending cells by reading the records (written when the record holds the value sent, else through the
guard again) and its cells never started like any other. Both hold the per-connection, per-object lock
(runlock) for the whole pass, and both are refused to anyone but an operator.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
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
from core.sync.writer_pass import Options, Pass, Progress

if TYPE_CHECKING:
    from core.salesforce import OrgClient

__all__ = ["Options", "Progress", "Target", "apply", "plan_cells", "reconcile", "resume", "run_pass"]
CRASHED = ("The process applying this run ended before it finished (it crashed or was stopped). Some cells may "
           "be pending — Resume settles them by reading the records, so nothing is written twice.")


@dataclass(frozen=True)
class Target:
    """Where a run writes: the connection, its org and environment, and the object."""

    connection: str
    sobject: str
    org_id: str | None = None
    environment: str | None = None


def _column(frame: pd.DataFrame, *names: str) -> pd.Series | None:
    for name in names:
        if name in frame.columns:
            return frame[name]
    return None


def _objects(values: pd.Series) -> pd.Series:
    """A column as Python objects on a fresh index, None for every missing value (NaN, pd.NA)."""
    out = pd.Series(values.to_numpy(dtype=object), dtype=object)
    return out.where(out.notna(), None)


def plan_cells(cells: pd.DataFrame, *, source: str | None = None) -> pd.DataFrame:
    """The approved cells as a run's plan (runlog.PLAN_COLUMNS), one row per (record, field), in the given order.

    cells: a frame like diff.compute's, restricted to the approved `fill` cells: `Id` (or `record_id`),
    `field`, `proposed`; optional `name` / `record_name`, `source`, `match_key` / `key`, and `context` (the
    address rule's: the enrichment's values for the cell's address, see core.preview.approved_cells). A `verdict`
    column, when present, must say fill everywhere: only a fill is ever planned.
    """
    ids = _column(cells, "Id", "record_id")
    if ids is None or "field" not in cells.columns or "proposed" not in cells.columns:
        raise errors.BadInput("The cells to apply need Id, field and proposed columns.",
                              fix="Pass the approved rows of the preview's diff.", cause="bad_plan")
    if "verdict" in cells.columns and (cells["verdict"].astype(str) != "fill").any():
        raise errors.BadInput("Only cells the preview judged 'fill' can be applied.",
                              fix="Approve fill cells only; keep, same, invalid, no_data and no_access are never "
                              "written.", cause="bad_plan")
    proposed = cells["proposed"]
    if proposed.isna().any():
        raise errors.BadInput("Some approved cells have no proposed value.", fix="Approve fill cells only.",
                              cause="bad_plan")
    sources = _column(cells, "source")
    names, keys = _column(cells, "record_name", "name"), _column(cells, "match_key", "key")
    empty = pd.Series([None] * len(cells), index=cells.index, dtype=object)
    columns = {
        "record_id": ids.astype(str), "field": cells["field"].astype(str), "proposed": proposed.astype(str),
        "record_name": names if names is not None else empty,
        "source": sources if sources is not None else empty.fillna(source) if source else empty,
        "match_key": keys if keys is not None else empty,
        **({"context": cells["context"]} if "context" in cells.columns else {}),
    }
    plan = pd.DataFrame({name: _objects(col) for name, col in columns.items()})
    if plan.duplicated(["record_id", "field"]).any():
        raise errors.BadInput("A cell (record and field) is approved twice.", fix="Approve each cell once.",
                              cause="bad_plan")
    if plan.empty:
        raise errors.BadInput("Nothing is approved to write.", fix="Approve at least one fill cell.",
                              cause="nothing_to_apply")
    return plan


def apply(client: OrgClient, cells: pd.DataFrame, specs: dict[str, FieldSpec], *, target: Target, actor: Actor,
          trigger: str = "manual", source: str | None = None, base: Path | None = None,
          options: Options | None = None, progress: Callable[[Progress], None] | None = None) -> runlog.Run:
    """Write the approved cells into the fields that are still blank now, logging every cell; returns the run.

    The run ends `done` (every cell settled: written, skipped_* or failed) or `interrupted` (REQUEST_LIMIT_EXCEEDED,
    a lost session, Salesforce unavailable through every retry...: its message says why; `resume` continues).
    Raises NotAllowed for a viewer, BadInput for a bad plan, RetryLater when another apply holds the object.
    """
    require_operator(actor, "write to Salesforce")
    options = options or Options()
    plan = plan_cells(cells, source=source)
    with run_lock(base, target.connection, target.sobject, actor=actor.name, wait=options.lock_wait) as note:
        run = runlog.create_run(base, connection=target.connection, org_id=target.org_id,
                                environment=target.environment, sobject=target.sobject, trigger=trigger,
                                actor=actor.name, dry_run=False, plan=plan,
                                options={"strict": options.strict})
        note(run.id)
        todo = plan.assign(cell=range(len(plan)), maybe_sent=False, pending=False)
        return run_pass(client, run, todo, specs, base=base, options=options, progress=progress)


def resume(client: OrgClient, run_id: str, specs: dict[str, FieldSpec], *, actor: Actor, base: Path | None = None,
           options: Options | None = None, progress: Callable[[Progress], None] | None = None) -> runlog.Run:
    """Finish a run that was interrupted or whose process died: every open cell ends with one final row.

    A pending cell may have been sent: if the record holds the value sent it is settled `written`, otherwise
    it goes through the guard on the fresh read like a cell never started (written only if still blank).
    The run keeps its strict setting. A run that is done is returned as it is.
    """
    require_operator(actor, "write to Salesforce")
    run = runlog.get_run(base, run_id)
    if run is None:
        raise errors.BadInput(f"There is no run {run_id!r}.", fix="List the runs with: python -m core runs",
                              cause="no_such_run")
    options = options or Options()
    if bool(run.options.get("strict")) != options.strict:
        options = Options(**{**asdict(options), "strict": bool(run.options.get("strict"))})
    with run_lock(base, run.connection, run.object, actor=actor.name, wait=options.lock_wait, run=run.id):
        todo = runlog.open_cells(base, run.id)
        if todo.empty and run.state == "done":
            return run
        run = runlog.update_run(base, run.id, state="running", clear_message=True)
        todo = todo.assign(maybe_sent=todo["pending"])
        decide = recheck.decide
        if run.trigger == undo_log.UNDO_TRIGGER:  # an undo resumes as an undo: clear only what is still ours
            todo, decide = undo_log.with_expected(base, run, todo), recheck.decide_undo
        return run_pass(client, run, todo, specs, base=base, options=options, progress=progress, decide=decide)


def run_pass(client: OrgClient, run: runlog.Run, todo: pd.DataFrame, specs: dict[str, FieldSpec], *,
             base: Path | None, options: Options, progress: Callable[[Progress], None] | None,
             decide: Callable[..., recheck.Decision] = recheck.decide) -> runlog.Run:
    """Run one pass over `todo` and record how it ended (an unexpected error interrupts the run and is raised).

    `decide` judges the cells on each fresh read: recheck.decide for an apply, recheck.decide_undo for an undo.
    """
    work = Pass(client, run, specs, base=base, options=options, progress=progress, decide=decide)
    try:
        work.execute(todo)
    except BaseException as exc:
        runlog.update_run(base, run.id, state="interrupted", finished=True, add_api_calls=work.calls,
                          message=f"The run stopped on an unexpected error: {type(exc).__name__}: {exc}")
        raise
    if work.stopped is not None:
        stop = work.stopped
        return runlog.update_run(base, run.id, state="interrupted", finished=True, add_api_calls=work.calls,
                                 message=f"{stop.message} — {stop.fix}" if stop.fix else stop.message)
    return runlog.update_run(base, run.id, state="done", finished=True, add_api_calls=work.calls)


def reconcile(base: Path | None, run: runlog.Run) -> runlog.Run:
    """A run recorded as `running` whose lock nobody holds lost its process: record it as interrupted (so the
    page offers Resume). A run that is really running, or not running at all, is returned as it is."""
    if run.state != "running":
        return run
    try:
        with run_lock(base, run.connection, run.object, actor="reconcile", run=run.id):
            current = runlog.get_run(base, run.id)
            if current is None or current.state != "running":
                return current or run
            return runlog.update_run(base, run.id, state="interrupted", message=CRASHED)
    except errors.RetryLater:
        return run
