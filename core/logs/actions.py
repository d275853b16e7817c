"""Who did what: an append-only record of every state-changing action, its actor and how it ended.

Runs already carry their actor (runs.actor, and every log row's); this table adds the actions that are not
runs, and who started each run-changing action: connect, disconnect, the permission check run again, apply,
resume and undo. A refusal is recorded too (outcome `refused`, with core's reason), so an audit sees who tried.
The database refuses any UPDATE or DELETE of these rows.
"""
from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pandas as pd

from core.logs import db
from core.logs.runs import now_iso

OUTCOMES: tuple[str, ...] = ("done", "refused", "failed")
COLUMNS: tuple[str, ...] = ("time", "actor", "role", "action", "target", "outcome", "detail")
DDL = """
CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL,
    action TEXT NOT NULL, target TEXT, outcome TEXT NOT NULL CHECK (outcome IN ('done', 'refused', 'failed')),
    detail TEXT);
CREATE INDEX IF NOT EXISTS actions_by_time ON actions(time);
CREATE TRIGGER IF NOT EXISTS actions_append_only_u BEFORE UPDATE ON actions
    BEGIN SELECT RAISE(ABORT, 'the action record is append-only'); END;
CREATE TRIGGER IF NOT EXISTS actions_append_only_d BEFORE DELETE ON actions
    BEGIN SELECT RAISE(ABORT, 'the action record is append-only'); END;
"""
db.schema("logs.actions", DDL)


def record(base: Path | None, *, actor: str, role: str, action: str, target: str | None, outcome: str,
           detail: str | None = None) -> None:
    """Append one action (committed when this returns)."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown action outcome {outcome!r}")
    with closing(db.connect(base)) as conn:
        conn.execute(f"INSERT INTO actions ({', '.join(COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (now_iso(), actor, role, action, target, outcome, detail))


def recent(base: Path | None, *, actor: str | None = None, action: str | None = None, limit: int = 100) -> pd.DataFrame:
    """The latest actions, newest first, optionally of one actor or one kind."""
    where, params = [], []
    for column, value in (("actor", actor), ("action", action)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (f"SELECT {', '.join(COLUMNS)} FROM actions{' WHERE ' + ' AND '.join(where) if where else ''} "
           "ORDER BY time DESC, id DESC LIMIT ?")
    with closing(db.connect(base)) as conn:
        rows = conn.execute(sql, (*params, int(limit))).fetchall()
    return pd.DataFrame([tuple(r) for r in rows], columns=list(COLUMNS))
