"""The log's daily summary: row counts per UTC day, run, object, field, outcome, trigger, actor, code and message.

A trigger keeps it in step with every row appended to `log_rows` (in the same transaction), so counts and
charts over a log of millions of rows read a few thousand summary rows instead of scanning the log. A
database made before the summary existed is backfilled once, atomically with the trigger's creation.
Counts (core.logs.queries) and charts (core.logs.charts) use it when a filter has no record and whole-day bounds (core.logs.queries.summarised).
"""
from __future__ import annotations

from core.logs import db
from core.logs import runs as _runs  # noqa: F401  (log_rows must exist before the trigger on it)

DDL = """
BEGIN IMMEDIATE;
CREATE TABLE IF NOT EXISTS log_daily (
    day TEXT NOT NULL, run_id TEXT NOT NULL, object TEXT NOT NULL, field TEXT NOT NULL, outcome TEXT NOT NULL,
    trigger TEXT NOT NULL DEFAULT '', actor TEXT NOT NULL DEFAULT '', code TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '', rows INTEGER NOT NULL,
    PRIMARY KEY (day, run_id, object, field, outcome, trigger, actor, code, message)) WITHOUT ROWID;
INSERT INTO log_daily (day, run_id, object, field, outcome, trigger, actor, code, message, rows)
    SELECT substr(time, 1, 10), run_id, object, field, outcome, COALESCE(trigger, ''), COALESCE(actor, ''),
           COALESCE(error_code, ''), COALESCE(message, ''), COUNT(*) FROM log_rows
    WHERE NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'log_daily_count')
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
CREATE TRIGGER IF NOT EXISTS log_daily_count AFTER INSERT ON log_rows BEGIN
    INSERT INTO log_daily (day, run_id, object, field, outcome, trigger, actor, code, message, rows)
    VALUES (substr(NEW.time, 1, 10), NEW.run_id, NEW.object, NEW.field, NEW.outcome, COALESCE(NEW.trigger, ''),
            COALESCE(NEW.actor, ''), COALESCE(NEW.error_code, ''), COALESCE(NEW.message, ''), 1)
    ON CONFLICT DO UPDATE SET rows = rows + 1;
END;
CREATE INDEX IF NOT EXISTS log_daily_by_run ON log_daily(run_id);
COMMIT;
"""
db.schema("logs.summary", DDL)
