"""SQLite record store: one table per sObject, one column per field, Id counters, savepoint transactions."""
from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from localorg.data import ids
from localorg.data.schema import Schema, SObjectType

_SQL_TYPES = {"boolean": "INTEGER", "int": "INTEGER", "double": "REAL", "currency": "REAL", "percent": "REAL"}


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_name(obj: SObjectType) -> str:
    """Return the SQLite table of an object (prefixed so names like User or Group are never keywords)."""
    return _q("sobj_" + obj.name)


class Store:
    """Records of every stored sObject; values are JSON-ready exactly as Salesforce REST returns them.

    One connection guarded by a re-entrant lock: the server's threads take turns, and a transaction
    holds the lock from BEGIN to COMMIT so no other thread's write lands inside it.
    """

    def __init__(self, path: Path, schema: Schema) -> None:
        self.schema = schema
        self.lock = threading.RLock()
        self._depth = 0
        self.conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        # A rollback journal (not WAL) keeps the whole org in one file, so fixtures may copy it.
        self.conn.execute("PRAGMA journal_mode=DELETE")
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("CREATE TABLE IF NOT EXISTS _meta (key TEXT PRIMARY KEY, value TEXT)")
        self.conn.execute("CREATE TABLE IF NOT EXISTS _seq (prefix TEXT PRIMARY KEY, n INTEGER)")
        self.conn.execute("CREATE TABLE IF NOT EXISTS _share (sobject TEXT, owner_id TEXT, grantee_id TEXT,"
                          " access TEXT, PRIMARY KEY (sobject, owner_id, grantee_id))")
        # Decoded rows per object (deleted included) with an Id -> position index; kept in step with
        # every write, dropped on rollback. Reads of 50,000 rows then cost a list copy, not a SELECT.
        self._cache: dict[str, tuple[list[dict], dict[str, int]]] = {}
        self._columns: dict[str, list[str]] = {}
        self._bools: dict[str, list[str]] = {}
        for obj in schema.objects.values():
            if not obj.virtual:
                self._ensure_table(obj)

    def close(self) -> None:
        """Close the connection."""
        with self.lock:
            self.conn.close()

    def _ensure_table(self, obj: SObjectType) -> None:
        """Create the object's table, or add the columns a loaded schema brought."""
        fields = obj.stored_fields()
        table = table_name(obj)
        have = {r[1].lower() for r in self.conn.execute(f"PRAGMA table_info({table})")}
        if not have:
            cols = ", ".join(f"{_q(f['name'])} {_SQL_TYPES.get(f['type'], 'TEXT')}"
                             + (" PRIMARY KEY" if f["name"] == "Id" else "") for f in fields)
            self.conn.execute(f"CREATE TABLE {table} ({cols})")
            if obj.field("OwnerId"):
                self.conn.execute(f"CREATE INDEX {_q('ix_owner_' + obj.name)} ON {table} (OwnerId)")
        else:
            for f in fields:
                if f["name"].lower() not in have:
                    self.conn.execute(f"ALTER TABLE {table} ADD COLUMN {_q(f['name'])} "
                                      f"{_SQL_TYPES.get(f['type'], 'TEXT')}")
        self._columns[obj.name] = [f["name"] for f in fields]
        self._bools[obj.name] = [f["name"] for f in fields if f["type"] == "boolean"]

    # -- transactions -----------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block atomically: BEGIN/COMMIT at the outermost level, SAVEPOINTs inside.

        An exception rolls back everything the block wrote and propagates.
        """
        with self.lock:
            depth = self._depth
            name = f"sp{depth}"
            self.conn.execute("BEGIN IMMEDIATE" if depth == 0 else f"SAVEPOINT {name}")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                self._cache.clear()
                if depth == 0:
                    self.conn.execute("ROLLBACK")
                else:
                    self.conn.execute(f"ROLLBACK TO {name}")
                    self.conn.execute(f"RELEASE {name}")
                raise
            self._depth -= 1
            self.conn.execute("COMMIT" if depth == 0 else f"RELEASE {name}")

    # -- meta and ids -----------------------------------------------------------------------------

    def meta_get(self, key: str, default: object = None) -> object:
        """Return a JSON value stored under `key` in the org's settings table."""
        with self.lock:
            row = self.conn.execute("SELECT value FROM _meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def meta_set(self, key: str, value: object) -> None:
        """Store a JSON value under `key` in the org's settings table."""
        with self.lock:
            self.conn.execute("INSERT OR REPLACE INTO _meta (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def new_ids(self, prefix: str, count: int = 1) -> list[str]:
        """Reserve `count` fresh 18-character Ids with a key prefix."""
        with self.transaction():
            row = self.conn.execute("SELECT n FROM _seq WHERE prefix = ?", (prefix,)).fetchone()
            start = row[0] if row else 1
            self.conn.execute("INSERT OR REPLACE INTO _seq (prefix, n) VALUES (?, ?)", (prefix, start + count))
        return [ids.make(prefix, n) for n in range(start, start + count)]

    # -- records ----------------------------------------------------------------------------------

    def _obj(self, sobject: str) -> SObjectType:
        obj = self.schema.get(sobject)
        if obj is None or obj.virtual:
            raise KeyError(sobject)
        return obj

    def insert_many(self, sobject: str, records: list[dict]) -> None:
        """Insert complete records (canonical keys, Id set); missing fields are stored as null."""
        obj = self._obj(sobject)
        cols = self._columns[obj.name]
        bools = set(self._bools[obj.name])
        sql = (f"INSERT INTO {table_name(obj)} ({', '.join(_q(c) for c in cols)}) "
               f"VALUES ({', '.join('?' for _ in cols)})")
        params = [tuple((int(r[c]) if r.get(c) is not None else None) if c in bools else r.get(c) for c in cols)
                  for r in records]
        with self.transaction():
            self.conn.executemany(sql, params)
            cached = self._cache.get(obj.name)
            if cached is not None:
                rows, index = cached
                for r in records:
                    index[r["Id"]] = len(rows)
                    rows.append({c: r.get(c) for c in cols})

    def update(self, sobject: str, record_id: str, values: dict) -> None:
        """Set some fields of one record (canonical keys)."""
        obj = self._obj(sobject)
        bools = set(self._bools[obj.name])
        keys = [k for k in values if k != "Id"]
        if not keys:
            return
        sql = f"UPDATE {table_name(obj)} SET {', '.join(_q(k) + ' = ?' for k in keys)} WHERE Id = ?"
        params = [int(values[k]) if k in bools and values[k] is not None else values[k] for k in keys]
        with self.transaction():
            self.conn.execute(sql, (*params, record_id))
            cached = self._cache.get(obj.name)
            if cached is not None and record_id in cached[1]:
                pos = cached[1][record_id]
                cached[0][pos] = {**cached[0][pos], **{k: values[k] for k in keys}}

    def _decode(self, obj: SObjectType, cols: list[str], raw: list[tuple]) -> list[dict]:
        bools = self._bools[obj.name]
        out = []
        for r in raw:
            d = dict(zip(cols, r, strict=True))
            for b in bools:
                v = d[b]
                if v is not None:
                    d[b] = v == 1
            out.append(d)
        return out

    def get(self, sobject: str, record_id: str, *, include_deleted: bool = True) -> dict | None:
        """Return one record by its 18-character Id, or None."""
        obj = self._obj(sobject)
        cols = self._columns[obj.name]
        sql = f"SELECT {', '.join(_q(c) for c in cols)} FROM {table_name(obj)} WHERE Id = ?"
        with self.lock:
            raw = self.conn.execute(sql, (record_id,)).fetchall()
        recs = self._decode(obj, cols, raw)
        if not recs or (not include_deleted and recs[0].get("IsDeleted")):
            return None
        return recs[0]

    def rows(self, sobject: str, *, include_deleted: bool = False, where: str = "",
             params: tuple = ()) -> list[dict]:
        """Return every record of an object in insertion order (soft-deleted ones only on request)."""
        obj = self._obj(sobject)
        if not where:
            with self.lock:
                rows = self._cached_rows(obj)
                if include_deleted:
                    return [dict(r) for r in rows]
                return [dict(r) for r in rows if not r.get("IsDeleted")]
        cols = self._columns[obj.name]
        clauses = [] if include_deleted or "IsDeleted" not in cols else ["IsDeleted = 0"]
        if where:
            clauses.append(where)
        sql = f"SELECT {', '.join(_q(c) for c in cols)} FROM {table_name(obj)}"
        if clauses:
            sql += " WHERE " + " AND ".join(f"({c})" for c in clauses)
        sql += " ORDER BY rowid"
        with self.lock:
            raw = self.conn.execute(sql, params).fetchall()
        return self._decode(obj, cols, raw)

    def fill_nulls(self, sobject: str, column: str, value: object) -> None:
        """Set `column` to `value` wherever it is null (the seed stamps setup records with their creator)."""
        obj = self._obj(sobject)
        if column not in self._columns[obj.name]:
            return
        with self.transaction():
            self.conn.execute(f"UPDATE {table_name(obj)} SET {_q(column)} = ? WHERE {_q(column)} IS NULL", (value,))
            self._cache.pop(obj.name, None)

    def _cached_rows(self, obj: SObjectType) -> list[dict]:
        """Return the object's cached rows, loading them on first use (call with the lock held)."""
        cached = self._cache.get(obj.name)
        if cached is None:
            cols = self._columns[obj.name]
            sql = f"SELECT {', '.join(_q(c) for c in cols)} FROM {table_name(obj)} ORDER BY rowid"
            rows = self._decode(obj, cols, self.conn.execute(sql).fetchall())
            cached = (rows, {r["Id"]: i for i, r in enumerate(rows)})
            self._cache[obj.name] = cached
        return cached[0]

    def count(self, sobject: str) -> int:
        """Return how many rows (deleted included) an object's table holds."""
        obj = self._obj(sobject)
        with self.lock:
            return self.conn.execute(f"SELECT COUNT(*) FROM {table_name(obj)}").fetchone()[0]

    # -- sharing grants ---------------------------------------------------------------------------

    def add_shares(self, rows: list[tuple[str, str, str, str]]) -> None:
        """Add owner-based sharing grants (sobject, owner_id, grantee_id, 'Read'|'Edit')."""
        with self.transaction():
            self.conn.executemany("INSERT OR REPLACE INTO _share VALUES (?, ?, ?, ?)", rows)

    def shares_for(self, grantee_id: str) -> dict[str, dict[str, str]]:
        """Return {sobject: {owner_id: access}} granted to a user."""
        with self.lock:
            raw = self.conn.execute("SELECT sobject, owner_id, access FROM _share WHERE grantee_id = ?",
                                    (grantee_id,)).fetchall()
        out: dict[str, dict[str, str]] = {}
        for sobject, owner, access in raw:
            out.setdefault(sobject, {})[owner] = access
        return out
