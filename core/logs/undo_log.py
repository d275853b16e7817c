"""What an undo needs from the enrichment log: the cells a run wrote, the runs that undo it, and each cell's value.

An undo run is an ordinary run (trigger `undo`, `options.undo_of` naming the run it takes back) whose
planned cells are the undone run's `written` cells. The value each of them must still hold to be cleared
is not copied into the undo's plan: it is the `after` of the undone run's written row for the same record
and field, read here by a join whenever the undo starts or resumes, so the two can never disagree.
"""
from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pandas as pd

from core.logs import db
from core.logs import runs as runlog

UNDO_TRIGGER = "undo"


def written_cells(base: Path | None, run_id: str) -> pd.DataFrame:
    """The cells a run wrote (final outcome `written`), in cell order: record_id, field, written (the value sent),
    record_name, source, match_key."""
    sql = ("SELECT record_id, field, after AS written, record_name, source, match_key FROM log_rows "
           "WHERE run_id = ? AND outcome = 'written' ORDER BY cell")
    with closing(db.connect(base)) as conn:
        rows = conn.execute(sql, (run_id,)).fetchall()
    return pd.DataFrame([tuple(r) for r in rows],
                        columns=["record_id", "field", "written", "record_name", "source", "match_key"], dtype=object)


def undoes(base: Path | None, run_id: str) -> list[runlog.Run]:
    """The undo runs that take back `run_id`, oldest first."""
    sql = ("SELECT id FROM runs WHERE trigger = ? AND json_extract(options, '$.undo_of') = ? ORDER BY started")
    with closing(db.connect(base)) as conn:
        ids = [r[0] for r in conn.execute(sql, (UNDO_TRIGGER, run_id)).fetchall()]
    return [run for run in (runlog.get_run(base, i) for i in ids) if run is not None]


def with_expected(base: Path | None, undo: runlog.Run, cells: pd.DataFrame) -> pd.DataFrame:
    """An undo run's cells (`record_id`, `field`, ...) with `expected`: the value the undone run wrote there.

    One read of the undone run's written rows (by its run index), matched on (record, field) in pandas: a run
    never plans a cell twice, so each undo cell finds at most one value."""
    written = written_cells(base, str(undo.options.get("undo_of")))[["record_id", "field", "written"]]
    found = cells[["record_id", "field"]].merge(written, on=["record_id", "field"], how="left")
    expected = pd.Series(found["written"].to_numpy(dtype=object), index=cells.index, dtype=object)
    return cells.assign(expected=expected.where(expected.notna(), None))
