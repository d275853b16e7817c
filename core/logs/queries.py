"""Queries for the logs page, the CLI and audits: filtered pages, counts, run summaries and chart aggregates.

Everything filters and pages inside SQLite (never a full load): one `Filter` becomes one WHERE clause on
`log_rows` (connection and environment through the run that wrote the row), pages come back with
LIMIT/OFFSET in the log's order (newest first), and the charts are GROUP BY aggregates. Exports stream
the filtered rows in chunks (see core.logs.export).
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from core import errors
from core.logs import db, summary
from core.logs import runs as runlog

# A page for "a field and an outcome over a month" reads one range of this index in the log's order.
DDL = """
CREATE INDEX IF NOT EXISTS log_by_field_outcome ON log_rows(field, outcome, time);
CREATE INDEX IF NOT EXISTS log_by_actor ON log_rows(actor, time);
CREATE INDEX IF NOT EXISTS runs_by_org ON runs(org_id, connection);
"""
db.schema("logs.queries", DDL)

PAGE_COLUMNS: tuple[str, ...] = ("id", *runlog.ROW_COLUMNS, "connection", "environment")
SETTLED = "l.outcome != 'pending'"
# What a person reads: an undo run's `written` rows set a field back to blank, so they are shown (counted, charted,
# filtered) as `undone` — derived from trigger = 'undo', never stored (the log is append-only; audits read it as is).
UNDONE = "undone"
SHOWN_OUTCOMES: tuple[str, ...] = (runlog.OUTCOMES[0], UNDONE, *runlog.OUTCOMES[1:])
# One row per cell (the default): its final row, or its pending row when it never settled ("maybe sent"). The
# NOT EXISTS probes the unique index log_one_final (run_id, cell) WHERE outcome != 'pending'.
ONE_PER_CELL = ("(l.outcome != 'pending' OR NOT EXISTS (SELECT 1 FROM log_rows f WHERE f.run_id = l.run_id AND "
                "f.cell = l.cell AND f.outcome != 'pending'))")


@dataclass(frozen=True)
class Filter:
    """What the log is narrowed to; empty tuples and None mean "any". `since` is inclusive and `until`
    exclusive, both ISO dates or UTC timestamps (`until_day` turns an inclusive last day into `until`)."""

    since: str | None = None
    until: str | None = None
    connections: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    run_id: str | None = None
    record_id: str | None = None
    write_ahead: bool = False  # True: every row, the pending row logged before each write included

    def narrowed(self, **changes: Any) -> Filter:
        """A copy with some filters changed."""
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The filters that are set (for JSON and cache keys)."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) not in (None, (), False)}


def shown_outcome(outcome: str, trigger: str | None) -> str:
    """The outcome a person reads: `undone` for an undo run's `written` row, else the stored outcome."""
    return UNDONE if outcome == "written" and trigger == "undo" else outcome


def shown_outcomes(rows: pd.DataFrame) -> pd.Series:
    """`shown_outcome` over a frame with `outcome` and `trigger` columns (vectorised)."""
    return rows["outcome"].where(~((rows["outcome"] == "written") & (rows["trigger"] == "undo")), UNDONE)


def shown_counts(trigger: str, counts: dict[str, int]) -> dict[str, int]:
    """A run's outcome counts as a person reads them: an undo run's `written` cells are `undone` (cleared)."""
    out = dict(counts)
    out[UNDONE] = 0
    if trigger == "undo":
        out[UNDONE], out["written"] = out.get("written", 0), 0
    return out


def day(text: str | date | None, *, what: str = "date") -> str | None:
    """An ISO date or timestamp as the log compares it; BadInput with the expected shape otherwise."""
    if text is None or text == "":
        return None
    if isinstance(text, date):
        return text.isoformat()
    try:
        parsed = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise errors.BadInput(f"{what} {text!r} is not a date.", fix="Use YYYY-MM-DD (or an ISO time, UTC).",
                              cause="bad_date") from None
    return parsed.date().isoformat() if len(str(text).strip()) == 10 else parsed.isoformat()


def until_day(last: str | date | None) -> str | None:
    """The exclusive `until` for an inclusive last day (2026-11-30 → 2026-12-01)."""
    value = day(last, what="until")
    if value is None:
        return None
    if len(value) > 10:
        return value
    return (date.fromisoformat(value) + timedelta(days=1)).isoformat()


def where(f: Filter, *, alias: str = "l") -> tuple[str, list[Any]]:
    """The WHERE clause and its parameters for a filter, on `log_rows l` or (alias "d", see summary.usable) on the
    daily summary `log_daily d`, whose time column is the day."""
    for outcome in f.outcomes:
        if outcome not in SHOWN_OUTCOMES:
            raise errors.BadInput(f"Unknown outcome {outcome!r}.", fix=f"Use one of: {', '.join(SHOWN_OUTCOMES)}.",
                                  cause="bad_outcome")
    parts: list[str] = []
    params: list[Any] = []

    def one_of(column: str, values: Sequence[str]) -> None:
        if values:
            parts.append(f"{alias}.{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)

    time = "time" if alias == "l" else "day"
    for op, value in ((">=", f.since), ("<", f.until)):
        if value:
            parts.append(f"{alias}.{time} {op} ?")
            params.append(value)
    one_of("object", f.objects)
    one_of("field", f.fields)
    _outcomes(f.outcomes, alias, parts, params)
    one_of("trigger", f.triggers)
    one_of("actor", f.actors)
    for column, value in (("run_id", f.run_id), ("record_id", f.record_id)):
        if value:
            parts.append(f"{alias}.{column} = ?")
            params.append(value)
    if f.connections or f.environments:
        inner, inner_params = _runs_where(f.connections, f.environments)
        parts.append(f"{alias}.run_id IN (SELECT r.id FROM runs r WHERE {inner})")
        params.extend(inner_params)
    if alias == "l" and not f.write_ahead:
        parts.append(ONE_PER_CELL)
    return (" WHERE " + " AND ".join(parts)) if parts else "", params


def _outcomes(shown: Sequence[str], alias: str, parts: list[str], params: list[Any]) -> None:
    """The outcome filter over shown outcomes: `written` and `undone` split the stored `written` by trigger. The stored
    outcomes stay in one IN (so the (field, outcome, time) index still answers), the trigger narrows after."""
    if not shown:
        return
    stored = list(dict.fromkeys("written" if o == UNDONE else o for o in shown))
    parts.append(f"{alias}.outcome IN ({', '.join('?' * len(stored))})")
    params.extend(stored)
    undo = f"COALESCE({alias}.trigger, '') = 'undo'"
    if "written" in shown and UNDONE not in shown:
        parts.append(f"NOT ({alias}.outcome = 'written' AND {undo})")
    elif UNDONE in shown and "written" not in shown:
        parts.append(f"({alias}.outcome != 'written' OR {undo})")


def summarised(f: Filter) -> bool:
    """Whether the daily summary (core.logs.summary) answers a filter: no record, and whole-day time bounds."""
    return f.record_id is None and all(v is None or len(v) == 10 for v in (f.since, f.until))


def _runs_where(connections: Sequence[str], environments: Sequence[str]) -> tuple[str, list[Any]]:
    parts, params = [], []
    for column, values in (("r.connection", connections), ("r.environment", environments)):
        if values:
            parts.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    return " AND ".join(parts) or "1", params


def and_(clause: str, condition: str) -> str:
    """A WHERE clause with one more condition."""
    return f"{clause} AND {condition}" if clause else f" WHERE {condition}"


def count(base: Path | None, f: Filter) -> int:
    """How many log rows pass the filter — one per cell unless `write_ahead` (from the daily summary when the filter
    allows: its rows less the pending rows that settled, which summary.catch_up counts in log_daily_settled)."""
    if summarised(f):
        clause, params = where(f, alias="d")
        sql = f"SELECT COALESCE(SUM(d.rows), 0) FROM log_daily d{clause}"
        if not f.write_ahead:
            sql = f"SELECT ({sql}) - (SELECT COALESCE(SUM(d.rows), 0) FROM log_daily_settled d{clause})"
            params = [*params, *params]
    else:
        clause, params = where(f)
        sql = f"SELECT COUNT(*) FROM log_rows l{clause}"
    with closing(db.connect(base)) as conn:
        if summarised(f):
            summary.catch_up(conn)
        return int(conn.execute(sql, params).fetchone()[0])


def _select(clause: str) -> str:
    cols = ", ".join(f"l.{c}" for c in ("id", *runlog.ROW_COLUMNS))
    return f"SELECT {cols} FROM log_rows l{clause} ORDER BY l.time DESC, l.id DESC"


def page(base: Path | None, f: Filter, offset: int = 0, limit: int = 200) -> pd.DataFrame:
    """One page of the filtered rows, newest first, with the connection and environment of each row's run."""
    clause, params = where(f)
    sql = (f"SELECT p.*, r.connection, r.environment FROM ({_select(clause)} LIMIT ? OFFSET ?) p "
           "LEFT JOIN runs r ON r.id = p.run_id ORDER BY p.time DESC, p.id DESC")
    with closing(db.connect(base)) as conn:
        got = conn.execute(sql, (*params, int(limit), max(0, int(offset)))).fetchall()
    return pd.DataFrame([tuple(r) for r in got], columns=list(PAGE_COLUMNS))


def chunks(base: Path | None, f: Filter, size: int = 50_000) -> Iterator[list[tuple[Any, ...]]]:
    """Every filtered row (PAGE_COLUMNS), newest first, `size` rows at a time from one cursor."""
    clause, params = where(f)
    cols = ", ".join(f"l.{c}" for c in ("id", *runlog.ROW_COLUMNS))
    sql = (f"SELECT {cols}, r.connection, r.environment FROM log_rows l LEFT JOIN runs r ON r.id = l.run_id"
           f"{clause} ORDER BY l.time DESC, l.id DESC")
    with closing(db.connect(base)) as conn:
        cursor = conn.execute(sql, params)
        while batch := cursor.fetchmany(size):
            yield [tuple(r) for r in batch]


def _distinct(conn: Any, column: str) -> list[str]:
    """The distinct values of an indexed log_rows column by skipping through its index (no full scan)."""
    sql = (f"WITH RECURSIVE v(x) AS (SELECT MIN({column}) FROM log_rows UNION ALL SELECT (SELECT MIN({column}) "
           f"FROM log_rows WHERE {column} > v.x) FROM v WHERE v.x IS NOT NULL) SELECT x FROM v WHERE x IS NOT NULL")
    return [str(r[0]) for r in conn.execute(sql)]


def facets(base: Path | None) -> dict[str, list[str]]:
    """The values each filter can take: connections, environments, objects, triggers and actors of the runs,
    and the fields found in the log."""
    with closing(db.connect(base)) as conn:
        out = {key: [str(r[0]) for r in conn.execute(f"SELECT DISTINCT {col} FROM runs WHERE {col} IS NOT NULL "
                                                       f"ORDER BY {col}")]
               for key, col in (("connections", "connection"), ("environments", "environment"),
                                ("objects", "object"), ("triggers", "trigger"), ("actors", "actor"))}
        out["fields"] = _distinct(conn, "field")
    return out


def version(base: Path | None) -> int:
    """The id of the newest log row (0 for an empty log): changes whenever the log grows (for caches)."""
    with closing(db.connect(base)) as conn:
        return int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM log_rows").fetchone()[0])


def runs(base: Path | None, f: Filter, limit: int = 50) -> list[runlog.Run]:
    """The runs behind the filtered rows, newest first: by connection, environment, object, trigger, actor and
    run, those active in the time range, and (with a record filter) those that touched the record."""
    parts, params = [], []
    inner, inner_params = _runs_where(f.connections, f.environments)
    parts.append(inner)
    params.extend(inner_params)
    for column, values in (("r.object", f.objects), ("r.trigger", f.triggers), ("r.actor", f.actors)):
        if values:
            parts.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    if f.run_id:
        parts.append("r.id = ?")
        params.append(f.run_id)
    if f.until:
        parts.append("r.started < ?")
        params.append(f.until)
    if f.since:
        parts.append("(r.finished IS NULL OR r.finished >= ?)")
        params.append(f.since)
    if f.record_id:
        parts.append("r.id IN (SELECT run_id FROM log_rows WHERE record_id = ?)")
        params.append(f.record_id)
    with closing(db.connect(base)) as conn:
        rows = conn.execute(f"SELECT r.* FROM runs r WHERE {' AND '.join(parts)} ORDER BY r.started DESC LIMIT ?",
                            (*params, int(limit))).fetchall()
    return [runlog._run(r) for r in rows]


def record_writes(base: Path | None, *, sobject: str, record_id: str, connection: str,
                  org_id: str | None = None) -> pd.DataFrame:
    """Per field of one record: the console's last `written` row (value, time, run, source, actor, trigger) and
    its last settled attempt of any outcome, over the runs of this connection or of the same org."""
    sql = ("SELECT l.field, l.after, l.time, l.run_id, l.source, l.actor, l.trigger, l.outcome, l.id "
           "FROM log_rows l JOIN runs r ON r.id = l.run_id WHERE l.record_id = ? AND l.object = ? AND "
           f"{SETTLED} AND (r.connection = ? OR (? IS NOT NULL AND r.org_id = ?)) ORDER BY l.time, l.id")
    with closing(db.connect(base)) as conn:
        got = conn.execute(sql, (record_id, sobject, connection, org_id, org_id)).fetchall()
    frame = pd.DataFrame([tuple(r) for r in got], columns=["field", "after", "time", "run_id", "source", "actor",
                                                           "trigger", "outcome", "id"])
    last_attempt = frame.groupby("field", sort=False).tail(1).set_index("field")
    written = frame[frame["outcome"] == "written"].groupby("field", sort=False).tail(1).set_index("field")
    out = written.drop(columns=["outcome", "id"]).reindex(last_attempt.index)
    out["last_outcome"] = last_attempt["outcome"]
    out["last_attempt"] = last_attempt["time"]
    return out.reset_index()
