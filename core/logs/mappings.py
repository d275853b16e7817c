"""Saved mappings and their history in the console database: every save is a new version (who, when, what changed)."""
from __future__ import annotations

import hashlib
import json
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.logs import db

DDL = """
CREATE TABLE IF NOT EXISTS mapping_versions (
    connection    TEXT NOT NULL,
    sobject       TEXT NOT NULL,
    version       INTEGER NOT NULL,
    body          TEXT NOT NULL,
    digest        TEXT NOT NULL,
    saved_by      TEXT NOT NULL,
    saved_at      TEXT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    changes       TEXT NOT NULL DEFAULT '[]',
    restored_from INTEGER,
    PRIMARY KEY (connection, sobject, version)
);
"""
db.schema("mappings", DDL)


@dataclass(frozen=True)
class MappingVersion:
    """One saved version of a connection's mapping of one object; `body` is the mapping's JSON."""

    connection: str
    sobject: str
    version: int
    body: str
    digest: str
    saved_by: str
    saved_at: str
    note: str
    changes: tuple[str, ...]
    restored_from: int | None


def digest(body: str) -> str:
    """A hash of the mapping's content, blind to key order and white space (same content, same digest)."""
    canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _entries(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Mapping entries keyed by Salesforce field (the first entry of a field wins, as in apply)."""
    out: dict[str, dict[str, Any]] = {}
    for entry in doc.get("fields") or []:
        if isinstance(entry, dict) and isinstance(entry.get("field"), str):
            out.setdefault(entry["field"], entry)
    return out


def _describe(entry: dict[str, Any]) -> str:
    text = f"{entry.get('attribute')}"
    if entry.get("transform"):
        text += f" ({entry['transform']})"
    if entry.get("options"):
        text += " " + json.dumps(entry["options"], sort_keys=True, ensure_ascii=False)
    return text


def changes(before: str | None, after: str) -> list[str]:
    """What changed between two mapping JSON bodies, one sentence per field added, removed or changed."""
    new = json.loads(after)
    if before is None:
        return [f"first version: {len(_entries(new))} field(s) mapped"]
    old = json.loads(before)
    was, now = _entries(old), _entries(new)
    found = [f"added {f} ← {_describe(now[f])}" for f in now if f not in was]
    found += [f"removed {f} (was {_describe(was[f])})" for f in was if f not in now]
    found += [f"changed {f}: {_describe(was[f])} → {_describe(now[f])}" for f in now
              if f in was and was[f] != now[f]]
    if old.get("placeholders") != new.get("placeholders"):
        found.append(f"placeholders: {old.get('placeholders')} → {new.get('placeholders')}")
    if not found and [e.get("field") for e in old.get("fields") or []] != [e.get("field") for e in new.get("fields") or []]:
        found.append("reordered the fields")
    return found


def _row(row: Any) -> MappingVersion:
    return MappingVersion(row["connection"], row["sobject"], int(row["version"]), row["body"], row["digest"],
                          row["saved_by"], row["saved_at"], row["note"], tuple(json.loads(row["changes"])),
                          row["restored_from"])


def save(connection: str, sobject: str, body: str, *, saved_by: str, note: str = "",
         restored_from: int | None = None, baseline: str | None = None,
         base: Path | None = None) -> tuple[MappingVersion, bool]:
    """Save `body` as the next version unless it equals the latest; returns (latest version, whether saved).

    The first version's changes are told against `baseline` (the defaults it started from) when given.
    One write transaction (BEGIN IMMEDIATE), so two operators saving at once get versions n and n+1.
    """
    hashed = digest(body)
    with closing(db.connect(base)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            last = conn.execute("SELECT * FROM mapping_versions WHERE connection = ? AND sobject = ? "
                                "ORDER BY version DESC LIMIT 1", (connection, sobject)).fetchone()
            if last is not None and last["digest"] == hashed:
                conn.execute("COMMIT")
                return _row(last), False
            number = (int(last["version"]) if last else 0) + 1
            said = changes(last["body"] if last else baseline, body) or ["saved the defaults unchanged"]
            saved_at = datetime.now(UTC).replace(microsecond=0).isoformat()
            conn.execute("INSERT INTO mapping_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         (connection, sobject, number, body, hashed, saved_by, saved_at, note,
                          json.dumps(said, ensure_ascii=False), restored_from))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return MappingVersion(connection, sobject, number, body, hashed, saved_by, saved_at, note, tuple(said),
                          restored_from), True


def latest(connection: str, sobject: str, *, base: Path | None = None) -> MappingVersion | None:
    """The current (newest) saved version, or None when nothing was saved yet."""
    with closing(db.connect(base)) as conn:
        row = conn.execute("SELECT * FROM mapping_versions WHERE connection = ? AND sobject = ? "
                           "ORDER BY version DESC LIMIT 1", (connection, sobject)).fetchone()
    return _row(row) if row else None


def history(connection: str, sobject: str, *, base: Path | None = None) -> list[MappingVersion]:
    """Every saved version, newest first."""
    with closing(db.connect(base)) as conn:
        rows = conn.execute("SELECT * FROM mapping_versions WHERE connection = ? AND sobject = ? "
                            "ORDER BY version DESC", (connection, sobject)).fetchall()
    return [_row(r) for r in rows]


def version(connection: str, sobject: str, number: int, *, base: Path | None = None) -> MappingVersion | None:
    """One saved version by number, or None."""
    with closing(db.connect(base)) as conn:
        row = conn.execute("SELECT * FROM mapping_versions WHERE connection = ? AND sobject = ? AND version = ?",
                           (connection, sobject, int(number))).fetchone()
    return _row(row) if row else None
