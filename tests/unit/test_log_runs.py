"""The enrichment log on a real SQLite file: one final row per cell enforced, append-only, filters, and two
processes appending at once without losing a row."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

from core.logs import db
from core.logs import runs as runlog

ROOT = Path(__file__).resolve().parents[2]


def plan(n: int) -> pd.DataFrame:
    return pd.DataFrame({"record_id": [f"00Q{i:04d}" for i in range(n)], "field": ["Title", "Industry"] * (n // 2),
                         "proposed": [f"v{i}" for i in range(n)], "record_name": None, "source": "demo",
                         "match_key": None})


def new_run(base: Path, n: int = 4, sobject: str = "Lead") -> runlog.Run:
    return runlog.create_run(base, connection="demo", org_id="00D000000000001", environment="demo", sobject=sobject,
                             trigger="manual", actor="olivia", dry_run=False, plan=plan(n), options={})


def row(run: runlog.Run, cell: int, outcome: str, *, field: str = "Title", code: str | None = None) -> runlog.LogRow:
    return runlog.LogRow(run.id, cell, run.object, f"00Q{cell:04d}", None, field, None, f"v{cell}", outcome, code,
                         None, "manual", "olivia", "demo", None)


def test_given_a_planned_run_when_cells_go_pending_then_final_then_counted_and_each_settled_once(tmp_path: Path) -> None:
    run = new_run(tmp_path)
    assert runlog.outcome_counts(tmp_path, run.id)["not_started"] == 4
    runlog.append(tmp_path, [row(run, 0, "pending"), row(run, 1, "pending")])
    runlog.append(tmp_path, [row(run, 0, "written"), row(run, 2, "skipped_nonblank")])

    counts = runlog.outcome_counts(tmp_path, run.id)
    open_cells = runlog.open_cells(tmp_path, run.id)

    assert (counts["written"], counts["skipped_nonblank"], counts["pending"], counts["not_started"]) == (1, 1, 1, 1)
    assert open_cells[["cell", "pending"]].values.tolist() == [[1, True], [3, False]]
    assert runlog.cells_not_settled_once(tmp_path, run.id) == [1, 3]
    finished = runlog.update_run(tmp_path, run.id, state="interrupted", finished=True, add_api_calls=3, message="why")
    assert (finished.state, finished.api_calls, finished.message, finished.counts["pending"]) == ("interrupted", 3,
                                                                                                    "why", 1)


@pytest.mark.parametrize("outcome", ["written", "pending"])
def test_given_a_cell_with_a_row_when_a_second_row_of_the_same_kind_is_appended_then_the_database_refuses_it(
        tmp_path: Path, outcome: str) -> None:
    run = new_run(tmp_path)
    runlog.append(tmp_path, [row(run, 0, outcome)])
    second = "failed" if outcome == "written" else "pending"
    with pytest.raises(sqlite3.IntegrityError):
        runlog.append(tmp_path, [row(run, 1, outcome), row(run, 0, second)])
    assert len(runlog.rows(tmp_path, run_id=run.id)) == 1  # the whole append was refused, cell 1 included


@pytest.mark.parametrize("statement", ["UPDATE log_rows SET outcome = 'written'", "DELETE FROM log_rows",
                                       "UPDATE run_cells SET proposed = 'x'", "DELETE FROM run_cells"])
def test_given_log_rows_when_changed_or_deleted_then_refused_append_only(tmp_path: Path, statement: str) -> None:
    run = new_run(tmp_path)
    runlog.append(tmp_path, [row(run, 0, "failed", code="FIELD_CUSTOM_VALIDATION_EXCEPTION")])
    with closing(db.connect(tmp_path)) as conn, pytest.raises(sqlite3.DatabaseError, match="append-only|fixed"):
        conn.execute(statement)
    assert runlog.rows(tmp_path, run_id=run.id)["outcome"].tolist() == ["failed"]


def test_given_rows_of_two_runs_when_filtered_then_by_run_object_field_outcome_record_and_time(tmp_path: Path) -> None:
    lead, account = new_run(tmp_path), new_run(tmp_path, sobject="Account")
    runlog.append(tmp_path, [row(lead, 0, "written"), row(lead, 1, "failed", field="Industry", code="X")])
    middle = runlog.now_iso()
    runlog.append(tmp_path, [row(account, 2, "written")])

    assert runlog.rows(tmp_path, run_id=lead.id)["cell"].tolist() == [1, 0]  # newest first
    assert runlog.rows(tmp_path, sobject="Account")["run_id"].tolist() == [account.id]
    assert runlog.rows(tmp_path, field="Industry")["error_code"].tolist() == ["X"]
    assert len(runlog.rows(tmp_path, outcome="written")) == 2
    assert runlog.rows(tmp_path, record_id="00Q0000")["run_id"].tolist() == [lead.id]
    assert runlog.rows(tmp_path, since=middle)["run_id"].tolist() == [account.id]
    assert runlog.rows(tmp_path, until=middle)["run_id"].tolist() == [lead.id, lead.id]
    assert [r.id for r in runlog.list_runs(tmp_path)] == [account.id, lead.id]
    assert [r.id for r in runlog.list_runs(tmp_path, sobject="Lead")] == [lead.id]


def test_given_the_filters_when_planned_then_sqlite_uses_an_index_for_each(tmp_path: Path) -> None:
    new_run(tmp_path)
    with closing(db.connect(tmp_path)) as conn:
        for column in ("time", "run_id", "object", "field", "outcome", "record_id"):
            op = ">=" if column == "time" else "="
            plan_text = " ".join(str(r[-1]) for r in conn.execute(
                f"EXPLAIN QUERY PLAN SELECT * FROM log_rows WHERE {column} {op} ? ORDER BY time DESC", ("x",)))
            assert "USING INDEX" in plan_text or "USING COVERING INDEX" in plan_text, (column, plan_text)


APPENDER = """
import sys, time
from pathlib import Path
from core.logs import runs
base, run_id, first, count, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5])
while not go.exists():
    time.sleep(0.001)
for cell in range(first, first + count):
    runs.append(base, [runs.LogRow(run_id, cell, "Lead", f"00Q{cell:05d}", None, "Title", None, "v", "pending",
                                   None, None, "manual", "p", "demo", None)])
"""


def test_given_two_processes_appending_at_once_when_both_finish_then_no_row_is_lost(tmp_path: Path) -> None:
    run = new_run(tmp_path, n=400)
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", APPENDER, str(tmp_path), run.id, str(first), "200", str(go)],
                              cwd=ROOT, stderr=subprocess.PIPE, text=True) for first in (0, 200)]
    go.touch()
    errors = [p.communicate(timeout=120)[1] for p in procs]

    assert [p.returncode for p in procs] == [0, 0], errors
    cells = runlog.rows(tmp_path, run_id=run.id, limit=10_000)["cell"]
    assert sorted(cells) == list(range(400))
    assert runlog.outcome_counts(tmp_path, run.id)["pending"] == 400
