"""The enrichment log: runs, the cells each run planned, and an append-only row per outcome, in the console database.

A run is planned once (`create_run`: the run and its cells in one transaction). Every outcome is then
appended to `log_rows`, never changed: a cell about to be sent gets a `pending` row, committed before
the call, and later exactly one final row (written, skipped_*, failed). Two partial unique indexes make
the database itself refuse a second pending or a second final row for a cell, and triggers refuse any
UPDATE or DELETE of log rows and planned cells. The run header (state, finished, counts, API calls) is
the one thing updated in place.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from core.logs import db

OUTCOMES: tuple[str, ...] = ("written", "skipped_nonblank", "skipped_invalid", "skipped_no_access", "failed", "pending")
FINAL: tuple[str, ...] = OUTCOMES[:-1]
STATES: tuple[str, ...] = ("running", "done", "interrupted")
PLAN_COLUMNS: tuple[str, ...] = ("record_id", "field", "proposed", "record_name", "source", "match_key")
ROW_COLUMNS: tuple[str, ...] = ("time", "run_id", "cell", "object", "record_id", "record_name", "field", "before",
                                "after", "outcome", "error_code", "message", "trigger", "actor", "source", "match_key")
_OUTCOME_SQL = ", ".join(f"'{o}'" for o in OUTCOMES)

DDL = f"""
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, connection TEXT NOT NULL, org_id TEXT, environment TEXT, object TEXT NOT NULL,
    trigger TEXT NOT NULL, actor TEXT NOT NULL, dry_run INTEGER NOT NULL DEFAULT 0, started TEXT NOT NULL,
    finished TEXT, state TEXT NOT NULL CHECK (state IN ('running', 'done', 'interrupted')),
    counts TEXT NOT NULL DEFAULT '{{}}', api_calls INTEGER NOT NULL DEFAULT 0, cells INTEGER NOT NULL DEFAULT 0,
    records INTEGER NOT NULL DEFAULT 0, message TEXT, options TEXT NOT NULL DEFAULT '{{}}');
CREATE INDEX IF NOT EXISTS runs_by_started ON runs(started);
CREATE INDEX IF NOT EXISTS runs_by_target ON runs(connection, object, started);
CREATE TABLE IF NOT EXISTS run_cells (
    run_id TEXT NOT NULL REFERENCES runs(id), cell INTEGER NOT NULL, record_id TEXT NOT NULL, field TEXT NOT NULL,
    proposed TEXT NOT NULL, record_name TEXT, source TEXT, match_key TEXT, PRIMARY KEY (run_id, cell)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_rows (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, run_id TEXT NOT NULL REFERENCES runs(id),
    cell INTEGER NOT NULL, object TEXT NOT NULL, record_id TEXT NOT NULL, record_name TEXT, field TEXT NOT NULL,
    before TEXT, after TEXT, outcome TEXT NOT NULL CHECK (outcome IN ({_OUTCOME_SQL})), error_code TEXT,
    message TEXT, trigger TEXT, actor TEXT, source TEXT, match_key TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS log_one_final ON log_rows(run_id, cell) WHERE outcome != 'pending';
CREATE UNIQUE INDEX IF NOT EXISTS log_one_pending ON log_rows(run_id, cell) WHERE outcome = 'pending';
CREATE INDEX IF NOT EXISTS log_by_run ON log_rows(run_id, cell);
CREATE INDEX IF NOT EXISTS log_by_time ON log_rows(time);
CREATE INDEX IF NOT EXISTS log_by_record ON log_rows(record_id, time);
CREATE INDEX IF NOT EXISTS log_by_object_field ON log_rows(object, field, time);
CREATE INDEX IF NOT EXISTS log_by_field ON log_rows(field, time);
CREATE INDEX IF NOT EXISTS log_by_outcome ON log_rows(outcome, time);
CREATE TRIGGER IF NOT EXISTS log_rows_append_only_u BEFORE UPDATE ON log_rows
    BEGIN SELECT RAISE(ABORT, 'the enrichment log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS log_rows_append_only_d BEFORE DELETE ON log_rows
    BEGIN SELECT RAISE(ABORT, 'the enrichment log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS run_cells_append_only_u BEFORE UPDATE ON run_cells
    BEGIN SELECT RAISE(ABORT, 'a run''s planned cells are fixed'); END;
CREATE TRIGGER IF NOT EXISTS run_cells_append_only_d BEFORE DELETE ON run_cells
    BEGIN SELECT RAISE(ABORT, 'a run''s planned cells are fixed'); END;
-- the address rule's context of a planned cell: what the enrichment said for each mapped part of its address
-- (JSON), so the write-time check judges parts that are not written as the preview did (core.sync.guard_address)
CREATE TABLE IF NOT EXISTS run_cell_context (
    run_id TEXT NOT NULL, cell INTEGER NOT NULL, context TEXT NOT NULL, PRIMARY KEY (run_id, cell),
    FOREIGN KEY (run_id, cell) REFERENCES run_cells(run_id, cell)) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS run_cell_context_fixed_u BEFORE UPDATE ON run_cell_context
    BEGIN SELECT RAISE(ABORT, 'a run''s planned cells are fixed'); END;
CREATE TRIGGER IF NOT EXISTS run_cell_context_fixed_d BEFORE DELETE ON run_cell_context
    BEGIN SELECT RAISE(ABORT, 'a run''s planned cells are fixed'); END;
"""
db.schema("logs.runs", DDL)


class LogRow(NamedTuple):
    """One outcome of one planned cell, as appended (time is stamped by `append`)."""

    run_id: str
    cell: int
    object: str
    record_id: str
    record_name: str | None
    field: str
    before: str | None
    after: str | None
    outcome: str
    error_code: str | None
    message: str | None
    trigger: str | None
    actor: str | None
    source: str | None
    match_key: str | None


@dataclass(frozen=True)
class Run:
    """One run's header: who wrote what where, how it ended, and its outcome counts."""

    id: str
    connection: str
    org_id: str | None
    environment: str | None
    object: str
    trigger: str
    actor: str
    dry_run: bool
    started: str
    finished: str | None
    state: str
    counts: dict[str, int] = field(default_factory=dict)
    api_calls: int = 0
    cells: int = 0
    records: int = 0
    message: str | None = None
    options: dict[str, Any] = field(default_factory=dict)


def now_iso() -> str:
    """UTC now with microseconds: log rows sort by it."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _run(row: Any) -> Run:
    values = dict(row)
    values["dry_run"] = bool(values["dry_run"])
    values["counts"] = json.loads(values["counts"] or "{}")
    values["options"] = json.loads(values["options"] or "{}")
    return Run(**values)


def create_run(base: Path | None, *, connection: str, org_id: str | None, environment: str | None, sobject: str,
               trigger: str, actor: str, dry_run: bool, plan: pd.DataFrame, options: dict[str, Any]) -> Run:
    """Record a new run in state `running` with its planned cells (plan: PLAN_COLUMNS, one row per cell,
    numbered 0..n-1 in order; an optional `context` column, JSON or None, kept beside them), in one transaction."""
    run_id = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    started = now_iso()
    frame = plan.reindex(columns=list(PLAN_COLUMNS)).astype(object)
    frame = frame.where(frame.notna(), None)
    cells = [(run_id, i, *row) for i, row in enumerate(frame.itertuples(index=False, name=None))]
    records = int(plan["record_id"].nunique()) if len(plan) else 0
    context = plan["context"].tolist() if "context" in plan.columns else []
    contexts = [(run_id, i, str(c)) for i, c in enumerate(context) if isinstance(c, str) and c]
    with closing(db.connect(base)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO runs (id, connection, org_id, environment, object, trigger, actor, dry_run, started,"
                     " state, cells, records, options) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
                     (run_id, connection, org_id, environment, sobject, trigger, actor, int(dry_run), started,
                      len(cells), records, json.dumps(options)))
        conn.executemany("INSERT INTO run_cells (run_id, cell, record_id, field, proposed, record_name, source, "
                         "match_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", cells)
        conn.executemany("INSERT INTO run_cell_context (run_id, cell, context) VALUES (?, ?, ?)", contexts)
        conn.execute("COMMIT")
    found = get_run(base, run_id)
    assert found is not None
    return found


def get_run(base: Path | None, run_id: str) -> Run | None:
    """One run's header, or None."""
    with closing(db.connect(base)) as conn:
        row = conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
    return _run(row) if row else None


def list_runs(base: Path | None, *, connection: str | None = None, sobject: str | None = None,
              state: str | None = None, limit: int = 100) -> list[Run]:
    """Runs, newest first, optionally for one connection, object or state."""
    where, params = _where({"connection": connection, "object": sobject, "state": state})
    with closing(db.connect(base)) as conn:
        rows = conn.execute(f"SELECT * FROM runs{where} ORDER BY started DESC LIMIT ?", (*params, int(limit)))
        return [_run(r) for r in rows.fetchall()]


def update_run(base: Path | None, run_id: str, *, state: str | None = None, finished: bool = False,
               add_api_calls: int = 0, message: str | None = None, clear_message: bool = False) -> Run:
    """Move a run on: its state, finish time, API calls spent (added) and message; counts are recounted from the log."""
    if state is not None and state not in STATES:
        raise ValueError(f"unknown run state {state!r}")
    counts = outcome_counts(base, run_id)
    with closing(db.connect(base)) as conn:
        conn.execute("UPDATE runs SET state = COALESCE(?, state), finished = CASE WHEN ? THEN ? ELSE finished END, "
                     "api_calls = api_calls + ?, counts = ?, message = CASE WHEN ? THEN NULL ELSE COALESCE(?, message) "
                     "END WHERE id = ?", (state, int(finished), now_iso(), int(add_api_calls), json.dumps(counts),
                                          int(clear_message), message, run_id))
    found = get_run(base, run_id)
    if found is None:
        raise KeyError(run_id)
    return found


def append(base: Path | None, rows: Iterable[LogRow]) -> int:
    """Append log rows in one transaction (committed when this returns); returns how many."""
    stamp = now_iso()
    values = [(stamp, *row) for row in rows]
    if not values:
        return 0
    with closing(db.connect(base)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f"INSERT INTO log_rows ({', '.join(ROW_COLUMNS)}) VALUES "
                         f"({', '.join('?' * len(ROW_COLUMNS))})", values)
        conn.execute("COMMIT")
    return len(values)


def open_cells(base: Path | None, run_id: str) -> pd.DataFrame:
    """The run's planned cells that have no final row yet: `cell`, PLAN_COLUMNS, `pending` (a pending row
    exists, so the cell may have been sent) and `context` (the address rule's, or None)."""
    sql = ("SELECT c.cell, c.record_id, c.field, c.proposed, c.record_name, c.source, c.match_key, "
           "EXISTS (SELECT 1 FROM log_rows p WHERE p.run_id = c.run_id AND p.cell = c.cell AND p.outcome = 'pending') "
           "AS pending, x.context FROM run_cells c LEFT JOIN run_cell_context x ON x.run_id = c.run_id AND "
           "x.cell = c.cell WHERE c.run_id = ? AND NOT EXISTS (SELECT 1 FROM log_rows f WHERE "
           "f.run_id = c.run_id AND f.cell = c.cell AND f.outcome != 'pending') ORDER BY c.cell")
    with closing(db.connect(base)) as conn:
        rows = conn.execute(sql, (run_id,)).fetchall()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=["cell", *PLAN_COLUMNS, "pending", "context"])
    return frame.astype({"cell": "int64", "pending": bool})


def outcome_counts(base: Path | None, run_id: str) -> dict[str, int]:
    """Final outcomes of a run's cells, plus `pending` (sent or about to be, not settled) and `not_started`."""
    with closing(db.connect(base)) as conn:
        finals = dict(conn.execute("SELECT outcome, COUNT(*) FROM log_rows WHERE run_id = ? AND outcome != 'pending' "
                                   "GROUP BY outcome", (run_id,)).fetchall())
        pending = conn.execute(
            "SELECT COUNT(*) FROM log_rows p WHERE p.run_id = ? AND p.outcome = 'pending' AND NOT EXISTS (SELECT 1 "
            "FROM log_rows f WHERE f.run_id = p.run_id AND f.cell = p.cell AND f.outcome != 'pending')",
            (run_id,)).fetchone()[0]
        planned = conn.execute("SELECT cells FROM runs WHERE id = ?", (run_id,)).fetchone()
    counts = {o: int(finals.get(o, 0)) for o in FINAL}
    counts["pending"] = int(pending)
    counts["not_started"] = int(planned[0] if planned else 0) - sum(counts.values())
    return counts


def _where(filters: dict[str, Any]) -> tuple[str, list[Any]]:
    parts = [(f"{column} = ?", value) for column, value in filters.items() if value is not None]
    return (" WHERE " + " AND ".join(p for p, _ in parts) if parts else ""), [v for _, v in parts]


def rows(base: Path | None, *, run_id: str | None = None, sobject: str | None = None, field: str | None = None,
         outcome: str | None = None, record_id: str | None = None, since: str | None = None, until: str | None = None,
         limit: int = 1000, offset: int = 0) -> pd.DataFrame:
    """Log rows, newest first, filtered by run, object, field, outcome, record and time (ISO, since ≤ time < until)."""
    where, params = _where({"run_id": run_id, "object": sobject, "field": field, "outcome": outcome,
                            "record_id": record_id})
    for op, value in ((">=", since), ("<", until)):
        if value is not None:
            where += (" AND " if where else " WHERE ") + f"time {op} ?"
            params.append(value)
    with closing(db.connect(base)) as conn:
        got = conn.execute(f"SELECT id, {', '.join(ROW_COLUMNS)} FROM log_rows{where} ORDER BY time DESC, id DESC "
                           "LIMIT ? OFFSET ?", (*params, int(limit), int(offset))).fetchall()
    return pd.DataFrame([tuple(r) for r in got], columns=["id", *ROW_COLUMNS])


def cells_not_settled_once(base: Path | None, run_id: str) -> list[int]:
    """Planned cells of a run without exactly one final row: the audit of "one final row per cell" (empty once a
    run is done; an interrupted run lists what is still pending or not started)."""
    with closing(db.connect(base)) as conn:
        return [r[0] for r in conn.execute(
            "SELECT c.cell FROM run_cells c LEFT JOIN log_rows f ON f.run_id = c.run_id AND f.cell = c.cell AND "
            "f.outcome != 'pending' WHERE c.run_id = ? GROUP BY c.cell HAVING COUNT(f.id) != 1", (run_id,)).fetchall()]
