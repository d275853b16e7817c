"""The guarded writer and the enrichment log: apply, resume, runs; approving a preview's cells."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from core import errors, settings
from core import preview as preview_
from core.connect.tokens import TokenStore
from core.engine.orgs import _info, open_client
from core.errors import Reconnect
from core.fields import FieldSpec
from core.fields import field_specs as _field_specs
from core.logs import runs as _runlog
from core.roles import Actor, require_operator
from core.sync import writer as _writer
from core.sync import writer_strict as _writer_strict

# --- the guarded writer and the enrichment log (issue 13) --------------------------------------------------


Run = _runlog.Run
WriteOptions = _writer.Options
WriteProgress = _writer.Progress


def apply(connection: str, sobject: str, cells: pd.DataFrame, *, actor: Actor,
          specs: dict[str, FieldSpec] | None = None, trigger: str = "manual", source: str | None = None,
          strict: bool = False, options: WriteOptions | None = None,
          progress: Callable[[WriteProgress], None] | None = None, base: Path | None = None) -> Run:
    """Write approved fill cells (the preview's diff rows: Id, field, proposed) into the fields of `sobject` that
    are still blank in a fresh read, logging every cell; operators only. Returns the run (`done`, or
    `interrupted` with a message; `resume` continues it). `specs` default to a describe made now; `strict`
    makes each record's PATCH conditional on the fresh read, 25 per Composite call. RetryLater when another apply
    holds the object.
    """
    require_operator(actor, "write to Salesforce")
    root = settings.data_dir(base)
    info = _info(TokenStore(root), connection)
    if info is None:
        raise Reconnect(f"There is no connection named {connection!r}.", fix="Connect it from Connect.",
                        cause="not_connected")
    client = open_client(connection, base=root)
    specs = specs if specs is not None else _field_specs(client.describe(sobject))
    chosen = options or WriteOptions()
    if strict and not chosen.strict:
        chosen = WriteOptions(**{**asdict(chosen), "strict": True})
    target = _writer.Target(connection, sobject, info.org_id or None, info.environment.kind)
    return _writer.apply(client, cells, specs, target=target, actor=actor, trigger=trigger, source=source, base=root,
                         options=chosen, progress=progress)


def resume(run_id: str, *, actor: Actor, options: WriteOptions | None = None,
           progress: Callable[[WriteProgress], None] | None = None, base: Path | None = None) -> Run:
    """Settle an interrupted (or crashed) run: pending cells by reading their records, the rest through the
    guard on a fresh read, so nothing is written twice and every cell ends with one final log row."""
    require_operator(actor, "write to Salesforce")
    root = settings.data_dir(base)
    found = _runlog.get_run(root, run_id)
    if found is None:
        raise errors.BadInput(f"There is no run {run_id!r}.", fix="List the runs with: python -m core runs",
                              cause="no_such_run")
    client = open_client(found.connection, base=root)
    specs = _field_specs(client.describe(found.object))
    return _writer.resume(client, run_id, specs, actor=actor, base=root, options=options, progress=progress)


def runs(*, connection: str | None = None, sobject: str | None = None, state: str | None = None, limit: int = 100,
         base: Path | None = None) -> list[Run]:
    """Runs, newest first (filter by connection, object, state); no org is called. A run whose process died
    mid-apply is reported (and recorded) as interrupted, so it can be resumed."""
    root = settings.data_dir(base)
    found = [_writer.reconcile(root, r) for r in _runlog.list_runs(root, connection=connection, sobject=sobject,
                                                                     limit=limit)]
    return [r for r in found if state is None or r.state == state]


def run(run_id: str, *, base: Path | None = None) -> Run | None:
    """One run with its counts, or None (a run whose process died is reported as interrupted)."""
    root = settings.data_dir(base)
    found = _runlog.get_run(root, run_id)
    return _writer.reconcile(root, found) if found is not None else None


def log_rows(*, base: Path | None = None, **filters: Any) -> pd.DataFrame:
    """Enrichment log rows, newest first: filters run_id, sobject, field, outcome, record_id, since, until,
    limit, offset (see core.logs.runs.rows)."""
    return _runlog.rows(settings.data_dir(base), **filters)
# --- end of the guarded writer block ---------------------------------------------------------------------


# --- approving a preview and writing it (issue 13) ---------------------------------------------------------------

def approved_cells(result: preview_.Preview, *, fields: tuple[str, ...] = (), positions: Any = None) -> pd.DataFrame:
    """The fill cells an operator approves: all of them, or those of `fields`, or those among `positions` (the
    filtered table). Columns Id, field, proposed, name, key, and context (what the source says for the cell's whole
    address, so the write-time re-check holds an address back as the preview would) — what engine.apply takes."""
    return preview_.approved_cells(result, fields=fields, positions=positions)


def approval_key(cells: pd.DataFrame) -> int:
    """A fingerprint of exactly these approved cells (record, field, value): a confirmation given for one set is
    not carried over to another."""
    return int(pd.util.hash_pandas_object(cells[["Id", "field", "proposed"]], index=False).sum()) if len(cells) else 0


def write_cost(cells: pd.DataFrame, *, strict: bool = False) -> tuple[int, int, int]:
    """(records, write calls, fresh-read calls) an apply of these cells costs: ⌈R/200⌉ writes (strict mode: ⌈R/25⌉
    conditional PATCHes per Composite call) + ⌈R/2,000⌉ reads."""
    records = int(cells["Id"].nunique()) if len(cells) else 0
    per_call = _writer_strict.STRICT_BATCH if strict else _writer_batch()
    return records, -(-records // per_call), -(-records // _writer_read())


def _writer_batch() -> int:
    return WriteOptions().batch_size


def _writer_read() -> int:
    return WriteOptions().read_size
