"""The log's daily summary: row counts per UTC day, run, object, field, outcome, trigger, actor, code and message.

Counts (core.logs.queries) and charts (core.logs.charts) over a log of millions of rows read a few thousand
summary rows instead of scanning the log, when a filter has no record and whole-day bounds. The summary is
brought up to date by its readers, not by the writer: `catch_up` folds in the rows appended since the last
time (log rows are append-only and their ids grow in commit order, SQLite having one writer at a time), in
one set-based statement, so appending to the log costs nothing extra. A database made before the summary
existed is caught up from its first row on the first read.
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
"""
db.schema("logs.summary", DDL)

_FOLD = """
INSERT INTO log_daily (day, run_id, object, field, outcome, trigger, actor, code, message, rows)
    SELECT substr(time, 1, 10), run_id, object, field, outcome, COALESCE(trigger, ''), COALESCE(actor, ''),
           COALESCE(error_code, ''), COALESCE(message, ''), COUNT(*) FROM log_rows WHERE id > ? AND id <= ?
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
    ON CONFLICT DO UPDATE SET rows = rows + excluded.rows
"""


def _marks(conn: sqlite3.Connection) -> tuple[int, int]:
    mark = conn.execute("SELECT last_id FROM log_daily_mark WHERE one = 1").fetchone()
    newest = conn.execute("SELECT COALESCE(MAX(id), 0) FROM log_rows").fetchone()
    return int(mark[0] if mark else 0), int(newest[0])


def catch_up(conn: sqlite3.Connection) -> int:
    """Fold the log rows appended since the last catch-up into the summary; returns the span of row ids folded (0: up
    to date, nothing written). Safe to call from several processes at once: one folds, the others then find nothing new."""
    mark, newest = _marks(conn)
    if newest <= mark:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        mark, newest = _marks(conn)
        if newest > mark:
            conn.execute(_FOLD, (mark, newest))
            conn.execute("UPDATE log_daily_mark SET last_id = ? WHERE one = 1", (newest,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return max(0, newest - mark)
