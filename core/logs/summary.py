"""The log's daily summary: row counts per UTC day, run, object, field, outcome, trigger, actor, code and message.

Counts (core.logs.queries) and charts (core.logs.charts) over a log of millions of rows read a few thousand
summary rows instead of scanning the log, when a filter has no record and whole-day bounds. The summary is
brought up to date by its readers, not by the writer: `catch_up` folds in the rows appended since the last
time (log rows are append-only and their ids grow in commit order, SQLite having one writer at a time), in
one set-based statement, so appending to the log costs nothing extra. A database made before the summary
existed is caught up from its first row on the first read.

`log_daily_settled` counts, under the same key, the pending rows whose cell has since got its final row: the Logs
page shows one row per cell (the final row, or the pending row of a cell that never settled), so its count is
log_daily less log_daily_settled. It is folded with its own mark, so a database whose summary predates it catches up
from its first row too. (A pending row is always committed before its cell's final row, so when a final row is
folded, its pending row — if any — is in the log.)
"""
from __future__ import annotations

import sqlite3

from core.logs import db
from core.logs import runs as _runs  # noqa: F401  (log_rows must exist first)

DDL = """
CREATE TABLE IF NOT EXISTS log_daily (
    day TEXT NOT NULL, run_id TEXT NOT NULL, object TEXT NOT NULL, field TEXT NOT NULL, outcome TEXT NOT NULL,
    trigger TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL DEFAULT '', code TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '', rows INTEGER NOT NULL,
    PRIMARY KEY (day, run_id, object, field, outcome, trigger, actor, code, message)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS log_daily_by_run ON log_daily(run_id);
CREATE TABLE IF NOT EXISTS log_daily_mark (one INTEGER PRIMARY KEY CHECK (one = 1), last_id INTEGER NOT NULL);
INSERT OR IGNORE INTO log_daily_mark (one, last_id) VALUES (1, 0);
CREATE TABLE IF NOT EXISTS log_daily_settled (
    day TEXT NOT NULL, run_id TEXT NOT NULL, object TEXT NOT NULL, field TEXT NOT NULL, outcome TEXT NOT NULL,
    trigger TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL DEFAULT '', code TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '', rows INTEGER NOT NULL,
    PRIMARY KEY (day, run_id, object, field, outcome, trigger, actor, code, message)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_daily_settled_mark (one INTEGER PRIMARY KEY CHECK (one = 1), last_id INTEGER NOT NULL);
INSERT OR IGNORE INTO log_daily_settled_mark (one, last_id) VALUES (1, 0);
"""
db.schema("logs.summary", DDL)

_FOLD = """
INSERT INTO log_daily (day, run_id, object, field, outcome, trigger, actor, code, message, rows)
    SELECT substr(time, 1, 10), run_id, object, field, outcome, COALESCE(trigger, ''), COALESCE(actor, ''),
           COALESCE(error_code, ''), COALESCE(message, ''), COUNT(*) FROM log_rows WHERE id > ? AND id <= ?
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ON CONFLICT DO UPDATE SET rows = rows + excluded.rows
"""
# The pending rows of the cells whose final row is among the new rows, keyed like log_daily (log_one_pending finds each).
_FOLD_SETTLED = """
INSERT INTO log_daily_settled (day, run_id, object, field, outcome, trigger, actor, code, message, rows)
    SELECT substr(p.time, 1, 10), p.run_id, p.object, p.field, p.outcome, COALESCE(p.trigger, ''),
           COALESCE(p.actor, ''), COALESCE(p.error_code, ''), COALESCE(p.message, ''), COUNT(*)
    FROM log_rows f JOIN log_rows p ON p.run_id = f.run_id AND p.cell = f.cell AND p.outcome = 'pending'
    WHERE f.id > ? AND f.id <= ? AND f.outcome != 'pending'
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ON CONFLICT DO UPDATE SET rows = rows + excluded.rows
"""


def _marks(conn: sqlite3.Connection) -> tuple[int, int]:
    """(the lower of the two summaries' marks, the newest log row id)."""
    marks = [conn.execute(f"SELECT last_id FROM {table} WHERE one = 1").fetchone()
             for table in ("log_daily_mark", "log_daily_settled_mark")]
    newest = conn.execute("SELECT COALESCE(MAX(id), 0) FROM log_rows").fetchone()
    return min(int(m[0] if m else 0) for m in marks), int(newest[0])


def catch_up(conn: sqlite3.Connection) -> int:
    """Fold the log rows appended since the last catch-up into the summary; returns the span of row ids folded (0: up
    to date, nothing written). Safe to call from several processes at once: one folds, the others then find nothing new."""
    mark, newest = _marks(conn)
    if newest <= mark:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        mark, newest = _marks(conn)
        for table, fold in (("log_daily_mark", _FOLD), ("log_daily_settled_mark", _FOLD_SETTLED)):
            own = int(conn.execute(f"SELECT last_id FROM {table} WHERE one = 1").fetchone()[0])
            if newest > own:
                conn.execute(fold, (own, newest))
                conn.execute(f"UPDATE {table} SET last_id = ? WHERE one = 1", (newest,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return max(0, newest - mark)
