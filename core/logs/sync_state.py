"""What the sync triggers and the schedule remember, in the console database.

- sync_marks: one row per applied sync (connection, object, trigger, the moment its snapshot saw the org, run);
- sync_keys: the Website / Email of every record as the last applied sync saw them (for the `changed` trigger);
- sync_schedule: per connection and object, the operator's automatic-apply switch and the last scheduled round.
The time each record was last written comes from the enrichment log itself (log_rows joined to runs).
"""
from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pandas as pd

from core.logs import db
from core.logs import runs as _runs  # noqa: F401 - the runs and log_rows tables this module reads

DDL = """
CREATE TABLE IF NOT EXISTS sync_marks (
    id INTEGER PRIMARY KEY AUTOINCREMENT, connection TEXT NOT NULL, object TEXT NOT NULL, trigger TEXT NOT NULL,
    as_of TEXT NOT NULL, run_id TEXT, recorded TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS sync_marks_by_target ON sync_marks(connection, object, trigger, as_of);
CREATE TABLE IF NOT EXISTS sync_keys (
    connection TEXT NOT NULL, object TEXT NOT NULL, record_id TEXT NOT NULL, website TEXT, email TEXT,
    PRIMARY KEY (connection, object, record_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sync_schedule (
    connection TEXT NOT NULL, object TEXT NOT NULL, auto_apply INTEGER NOT NULL DEFAULT 0, updated_by TEXT,
    updated_at TEXT, last_round TEXT, PRIMARY KEY (connection, object));
"""
db.schema("logs.sync_state", DDL)

COVERS_NEW: tuple[str, ...] = ("new", "backfill", "scheduled")
"""Triggers whose run covered every record created before it: `new` counts from the latest of them."""


def record_sync(base: Path | None, *, connection: str, sobject: str, trigger: str, as_of: str, run_id: str | None,
                keys: pd.DataFrame) -> None:
    """Remember an applied sync: its mark, and the key values it saw (replacing the previous ones), in one
    transaction. keys: index record Id, columns Website / Email (normalised text, "" for blank)."""
    website = keys["Website"] if "Website" in keys.columns else pd.Series("", index=keys.index)
    email = keys["Email"] if "Email" in keys.columns else pd.Series("", index=keys.index)
    rows = list(zip([connection] * len(keys), [sobject] * len(keys), keys.index.astype(str).tolist(),
                    website.tolist(), email.tolist(), strict=True))
    with closing(db.connect(base)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO sync_marks (connection, object, trigger, as_of, run_id, recorded) VALUES "
                     "(?, ?, ?, ?, ?, ?)", (connection, sobject, trigger, as_of, run_id, _runs.now_iso()))
        conn.execute("DELETE FROM sync_keys WHERE connection = ? AND object = ?", (connection, sobject))
        conn.executemany("INSERT INTO sync_keys VALUES (?, ?, ?, ?, ?)", rows)
        conn.execute("COMMIT")


def since(base: Path | None, connection: str, sobject: str) -> str | None:
    """When the last sync covering new records saw the org; without one, when the last apply of the object
    started (a write from the Preview page); None when nothing was ever written."""
    marks = ", ".join("?" * len(COVERS_NEW))
    with closing(db.connect(base)) as conn:
        row = conn.execute(f"SELECT MAX(as_of) FROM sync_marks WHERE connection = ? AND object = ? AND trigger IN "
                           f"({marks})", (connection, sobject, *COVERS_NEW)).fetchone()
        if row[0] is None:
            row = conn.execute("SELECT MAX(started) FROM runs WHERE connection = ? AND object = ? AND dry_run = 0",
                               (connection, sobject)).fetchone()
    return row[0]


def recorded_keys(base: Path | None, connection: str, sobject: str) -> pd.DataFrame | None:
    """The key values the last applied sync saw (index record Id, columns Website, Email), None when none."""
    with closing(db.connect(base)) as conn:
        got = conn.execute("SELECT record_id, website, email FROM sync_keys WHERE connection = ? AND object = ?",
                           (connection, sobject)).fetchall()
    if not got:
        return None
    return pd.DataFrame([tuple(r) for r in got], columns=["Id", "Website", "Email"]).set_index("Id")


def last_written(base: Path | None, connection: str, sobject: str) -> pd.Series:
    """Per record Id, when the console last wrote one of its fields on this connection (UTC ISO text)."""
    with closing(db.connect(base)) as conn:
        got = conn.execute("SELECT l.record_id, MAX(l.time) FROM log_rows l JOIN runs r ON r.id = l.run_id WHERE "
                           "r.connection = ? AND l.object = ? AND l.outcome = 'written' GROUP BY l.record_id",
                           (connection, sobject)).fetchall()
    return pd.Series({r[0]: r[1] for r in got}, dtype=object)


def set_auto_apply(base: Path | None, connection: str, sobject: str, on: bool, *, by: str) -> None:
    """Switch automatic apply on or off; the target is due at the next scheduled round either way."""
    with closing(db.connect(base)) as conn:
        conn.execute("INSERT INTO sync_schedule (connection, object, auto_apply, updated_by, updated_at, last_round) "
                     "VALUES (?, ?, ?, ?, ?, NULL) ON CONFLICT (connection, object) DO UPDATE SET auto_apply = "
                     "excluded.auto_apply, updated_by = excluded.updated_by, updated_at = excluded.updated_at, "
                     "last_round = NULL", (connection, sobject, int(on), by, _runs.now_iso()))


def schedule_rows(base: Path | None) -> dict[tuple[str, str], tuple[bool, str | None]]:
    """(connection, object) -> (automatic apply on, last scheduled round) for every target ever scheduled or set."""
    with closing(db.connect(base)) as conn:
        got = conn.execute("SELECT connection, object, auto_apply, last_round FROM sync_schedule").fetchall()
    return {(r[0], r[1]): (bool(r[2]), r[3]) for r in got}


def mark_round(base: Path | None, connection: str, sobject: str, when: str) -> None:
    """Record that a scheduled round handled this target at `when`."""
    with closing(db.connect(base)) as conn:
        conn.execute("INSERT INTO sync_schedule (connection, object, last_round) VALUES (?, ?, ?) ON CONFLICT "
                     "(connection, object) DO UPDATE SET last_round = excluded.last_round", (connection, sobject, when))


def forget_connection(base: Path | None, connection: str, *, by: str) -> tuple[str, ...]:
    """On disconnect: drop the Website / Email values the last applied syncs saw (copies of the org's records) and
    switch automatic apply off, so a later sign-in under the same name never writes before an operator says so.
    The marks (times and run ids) stay with the log. Returns the objects whose automatic apply was on."""
    with closing(db.connect(base)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        was_on = [r[0] for r in conn.execute("SELECT object FROM sync_schedule WHERE connection = ? AND auto_apply = 1 "
                                             "ORDER BY object", (connection,)).fetchall()]
        conn.execute("DELETE FROM sync_keys WHERE connection = ?", (connection,))
        conn.execute("UPDATE sync_schedule SET auto_apply = 0, updated_by = ?, updated_at = ? WHERE connection = ? "
                     "AND auto_apply = 1", (by, _runs.now_iso(), connection))
        conn.execute("COMMIT")
    return tuple(was_on)


def auto_apply_of(base: Path | None, connection: str, sobject: str) -> tuple[bool, str | None, str | None, str | None]:
    """(on, switched by, switched at, last scheduled round) of one target; (False, None, None, None) when never set."""
    with closing(db.connect(base)) as conn:
        row = conn.execute("SELECT auto_apply, updated_by, updated_at, last_round FROM sync_schedule WHERE "
                           "connection = ? AND object = ?", (connection, sobject)).fetchone()
    return (False, None, None, None) if row is None else (bool(row[0]), row[1], row[2], row[3])
