"""Open the console's SQLite database (<data dir>/console.sqlite3) in WAL mode, with each room's schema applied.

One file holds the mappings and their history, the enrichment source settings, the runs and the log
rows, so an audit can join them. Each module that owns tables registers its DDL with `schema(...)`;
`connect()` applies every registered DDL once per process and file (all statements are idempotent:
`CREATE TABLE IF NOT EXISTS`, `CREATE INDEX IF NOT EXISTS`).
"""
from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from core import settings

_schemas: dict[str, str] = {}
_applied: set[tuple[Path, str]] = set()
_guard = threading.Lock()


def path(base: Path | None = None) -> Path:
    """The database file under the data directory."""
    return settings.data_dir(base) / "console.sqlite3"


def schema(owner: str, ddl: str) -> None:
    """Register the idempotent DDL of one module (its tables and indexes), applied by every connect()."""
    _schemas[owner] = ddl


def connect(base: Path | None = None) -> sqlite3.Connection:
    """A new connection to the console database: WAL, a 30 s busy timeout, foreign keys on, rows as sqlite3.Row.

    Callers own the connection (use it in a `with closing(...)` block); SQLite connections are
    cheap and must not cross threads, so none is shared.
    """
    file = path(base)
    conn = sqlite3.connect(file, timeout=30.0, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    with _guard:
        pending = [(owner, ddl) for owner, ddl in _schemas.items() if (file, owner) not in _applied]
        for owner, ddl in pending:
            conn.executescript(ddl)
            _applied.add((file, owner))
    return conn
