"""The Logs page's charts as SQL aggregates: settled cells per day, field and outcome, and why cells were not written.

Answered from the daily summary (core.logs.summary) when the filter allows, else from the log rows themselves;
both give the same numbers.
"""
from __future__ import annotations

from contextlib import closing
from pathlib import Path

import pandas as pd

from core.logs import db, queries, summary

SETTLED = "l.outcome != 'pending'"
SETTLED_D = "d.outcome != 'pending'"
NOT_WRITTEN = "outcome IN ('skipped_nonblank', 'skipped_invalid', 'skipped_no_access', 'failed')"


def _shown(a: str) -> str:
    """The outcome a person reads (core.logs.queries.shown_outcome) as SQL: an undo run's `written` is `undone`."""
    return f"CASE WHEN {a}.outcome = 'written' AND COALESCE({a}.trigger, '') = 'undo' THEN 'undone' ELSE {a}.outcome END"


def breakdown(base: Path | None, f: queries.Filter) -> pd.DataFrame:
    """Settled rows per UTC day, field and shown outcome (pending rows are left out: each cell's final row counts
    once; an undo run's clears are `undone`), in one pass over the filtered rows; per_day and fill_rates are its
    sums."""
    if queries.summarised(f):
        clause, params = queries.where(f, alias="d")
        sql = (f"SELECT d.day, d.field, {_shown('d')} AS shown, SUM(d.rows) FROM log_daily d"
               f"{queries.and_(clause, SETTLED_D)} GROUP BY d.day, d.field, shown ORDER BY d.day, d.field")
    else:
        clause, params = queries.where(f)
        sql = (f"SELECT substr(l.time, 1, 10) AS day, l.field, {_shown('l')} AS shown, COUNT(*) FROM log_rows l"
               f"{queries.and_(clause, SETTLED)} GROUP BY day, l.field, shown ORDER BY day, l.field")
    with closing(db.connect(base)) as conn:
        if queries.summarised(f):
            summary.catch_up(conn)
        got = conn.execute(sql, params).fetchall()
    return pd.DataFrame([tuple(r) for r in got], columns=["day", "field", "outcome", "rows"])


def per_day(base: Path | None, f: queries.Filter, parts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Settled rows per UTC day and outcome: day, outcome, rows (from `parts`, a breakdown, when given)."""
    parts = breakdown(base, f) if parts is None else parts
    return parts.groupby(["day", "outcome"], as_index=False)["rows"].sum()


def fill_rates(base: Path | None, f: queries.Filter, parts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per UTC day and field: settled cells, how many were written, and the fill rate (written / settled). An undo's
    clears are no attempt to fill, so they are left out."""
    parts = breakdown(base, f) if parts is None else parts
    parts = parts[parts["outcome"] != queries.UNDONE]
    written = parts["rows"].where(parts["outcome"] == "written", 0)
    frame = (parts.assign(written=written).groupby(["day", "field"], as_index=False)
             .agg(settled=("rows", "sum"), written=("written", "sum")))
    frame["fill_rate"] = frame["written"] / frame["settled"].where(frame["settled"] > 0)
    return frame


def failures(base: Path | None, f: queries.Filter, top: int = 10) -> pd.DataFrame:
    """The most frequent reasons a cell was not written: code (Salesforce's error code, else the skip outcome),
    outcome, rows, and the code's most frequent message with how many rows carried it."""
    a = "d" if queries.summarised(f) else "l"
    clause, params = queries.where(f, alias=a)
    clause = queries.and_(clause, f"{a}.{NOT_WRITTEN}")
    if a == "d":
        source, code, message, n = "log_daily d", "COALESCE(NULLIF(d.code, ''), d.outcome)", "NULLIF(d.message, '')", \
            "SUM(d.rows)"
    else:
        source, code, message, n = "log_rows l", "COALESCE(l.error_code, l.outcome)", "l.message", "COUNT(*)"
    sql = (f"SELECT {code} AS code, {a}.outcome, {message} AS message, {n} AS n FROM {source}{clause} "
           f"GROUP BY code, {a}.outcome, message ORDER BY n DESC")
    with closing(db.connect(base)) as conn:
        if a == "d":
            summary.catch_up(conn)
        message_rows = conn.execute(sql, params).fetchall()
    totals: dict[tuple[str, str], int] = {}
    for c, o, _, rows in message_rows:
        totals[(c, o)] = totals.get((c, o), 0) + int(rows)
    top_rows = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:top]
    best: dict[tuple[str, str], tuple[str | None, int]] = {}
    for c, outcome, message, n in message_rows:
        best.setdefault((c, outcome), (message, int(n)))
    rows = [(c, o, n, *best.get((c, o), (None, 0))) for (c, o), n in top_rows]
    return pd.DataFrame(rows, columns=["code", "outcome", "rows", "message", "message_rows"])
