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
    """An undo run's cells (`cell`, `record_id`, `field`, ...) with `expected`: the value the undone run wrote there."""
    sql = ("SELECT c.cell, w.after FROM run_cells c JOIN log_rows w ON w.run_id = ? AND w.outcome = 'written' "
           "AND w.record_id = c.record_id AND w.field = c.field WHERE c.run_id = ?")
    with closing(db.connect(base)) as conn:
        found = dict(conn.execute(sql, (str(undo.options.get("undo_of")), undo.id)).fetchall())
    return cells.assign(expected=pd.Series([found.get(int(c)) for c in cells["cell"]], index=cells.index,
                                           dtype=object))
