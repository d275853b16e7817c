"""The enrichment source chosen per connection, in the console database (the API key only as an encrypted blob)."""
from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.logs import db

DDL = """
CREATE TABLE IF NOT EXISTS enrichment_sources (
    connection  TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    settings    TEXT NOT NULL,
    secret      BLOB,
    key_hint    TEXT,
    updated_by  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
"""
db.schema("sources", DDL)


@dataclass(frozen=True)
class SourceRow:
    """A connection's source: kind ("demo" | "file" | "http"), plain settings, the sealed secret and its hint."""

    connection: str
    kind: str
    settings: dict[str, Any] = field(default_factory=dict)
    secret: bytes | None = None
    key_hint: str | None = None
    updated_by: str = ""
    updated_at: str = ""

    def __repr__(self) -> str:  # never print the sealed secret either
        return f"SourceRow(connection={self.connection!r}, kind={self.kind!r}, settings={self.settings!r})"


def get(connection: str, *, base: Path | None = None) -> SourceRow | None:
    """The saved source of a connection, or None (the demo source is the default)."""
    with closing(db.connect(base)) as conn:
        row = conn.execute("SELECT * FROM enrichment_sources WHERE connection = ?", (connection,)).fetchone()
    if row is None:
        return None
    return SourceRow(row["connection"], row["kind"], json.loads(row["settings"]),
                     bytes(row["secret"]) if row["secret"] is not None else None, row["key_hint"],
                     row["updated_by"], row["updated_at"])


def put(row: SourceRow, *, base: Path | None = None) -> SourceRow:
    """Insert or replace a connection's source in one statement; returns it with the time it was saved."""
    saved = SourceRow(row.connection, row.kind, dict(row.settings), row.secret, row.key_hint, row.updated_by,
                      datetime.now(UTC).replace(microsecond=0).isoformat())
    with closing(db.connect(base)) as conn:
        conn.execute("INSERT INTO enrichment_sources VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(connection) DO UPDATE "
                     "SET kind = excluded.kind, settings = excluded.settings, secret = excluded.secret, "
                     "key_hint = excluded.key_hint, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                     (saved.connection, saved.kind, json.dumps(saved.settings), saved.secret, saved.key_hint,
                      saved.updated_by, saved.updated_at))
    return saved
