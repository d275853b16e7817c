"""Benchmark: one filtered page of the enrichment log in SQLite against loading the whole log with pandas.

Run: .venv/bin/python bench/logs_bench.py [--rows 1000000] [--repeat 5]
A fresh console database gets R synthetic log rows (inserted directly, as the guarded writer would append them:
200 runs over a year, 3 objects, 12 fields, every outcome) — the bench's one shortcut; the tests read real runs.
Then, in the same run, the Logs page's query for "Industry, written, over one month" — the row count and
the first page of 200 rows, newest first, through core.engine (the count from the daily summary, caught up
first and timed on its own) — against the reference: the whole log read
with pandas (`read_sql_query`) and filtered, sorted and cut the same way. Printed: both times, their ratio
(target ≥ 10×), the page's own query time (median of --repeat) split into count and rows, and a few other page queries. Not a test.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIELDS = ("Industry", "NumberOfEmployees", "AnnualRevenue", "Phone", "Website", "Description", "Title", "City",
          "State", "Country", "PostalCode", "Street")
OUTCOMES = (("written", 45), ("pending", 35), ("skipped_nonblank", 12), ("skipped_invalid", 3),
            ("skipped_no_access", 2), ("failed", 3))
START = datetime(2026, 1, 1, tzinfo=UTC)
TARGET = 10.0


def seed(base: Path, rows: int, runs: int = 200) -> None:
    """R log rows in `runs` runs spread over 2026, inserted in one transaction per 100,000 rows."""
    from core.logs import db, queries  # noqa: F401  (registers the page's indexes)

    rng = random.Random(7)
    objects = ("Account", "Lead", "Contact")
    outcomes = [o for o, weight in OUTCOMES for _ in range(weight)]
    per_run = rows // runs
    with closing(db.connect(base)) as conn:
        conn.execute("BEGIN")
        for r in range(runs):
            started = START + timedelta(seconds=r * 365 * 86400 // runs)
            conn.execute("INSERT INTO runs (id, connection, org_id, environment, object, trigger, actor, dry_run, "
                          "started, finished, state, cells, records) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 'done', ?, ?)",
                          (f"run-{r:04d}", "prod" if r % 3 else "sandbox", "00D000000000001AAA",
                           "production" if r % 3 else "sandbox", objects[r % 3], ("manual", "schedule")[r % 2],
                           f"user{r % 7}", started.isoformat(), (started + timedelta(hours=1)).isoformat(), per_run,
                           per_run // 4))
        conn.execute("COMMIT")
        for first in range(0, rows, 100_000):
            batch = []
            for i in range(first, min(rows, first + 100_000)):
                r = i // per_run if i // per_run < runs else runs - 1
                moment = START + timedelta(seconds=r * 365 * 86400 // runs + (i % per_run) * 3600 // per_run)
                outcome = outcomes[rng.randrange(len(outcomes))]
                failed = outcome == "failed"
                batch.append((moment.isoformat(timespec="microseconds"), f"run-{r:04d}", i % per_run, objects[r % 3],
                              f"00Q{i:015d}", f"Record {i}", FIELDS[rng.randrange(len(FIELDS))], None,
                              f"value {i % 977}", outcome, "FIELD_CUSTOM_VALIDATION_EXCEPTION" if failed else None,
                              "Rejected by a validation rule." if failed else None, ("manual", "schedule")[r % 2],
                              f"user{r % 7}", "demo", f"key{i % 5000}.example"))
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO log_rows (time, run_id, cell, object, record_id, record_name, field, "
                             "before, after, outcome, error_code, message, trigger, actor, source, match_key) VALUES "
                             "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
            conn.execute("COMMIT")


def ours(base: Path, filters: object, repeat: int) -> tuple[float, float, float, int, list[int]]:
    """(median total, median count, median rows) seconds of the page's query over `repeat` runs; the count and
    the page's ids."""
    from core import engine

    totals, counts, pages = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        total = engine.log_count(filters, base=base)  # type: ignore[arg-type]
        t1 = time.perf_counter()
        page = engine.log_page(filters, limit=200, base=base)  # type: ignore[arg-type]
        t2 = time.perf_counter()
        totals.append(t2 - t0)
        counts.append(t1 - t0)
        pages.append(t2 - t1)
    return statistics.median(totals), statistics.median(counts), statistics.median(pages), total, page["id"].tolist()


def reference(base: Path, field: str, outcome: str, since: str, until: str) -> tuple[float, int, list[int]]:
    """The whole log loaded with pandas, then filtered, sorted and cut to the same page."""
    import sqlite3

    import pandas as pd

    t0 = time.perf_counter()
    with closing(sqlite3.connect(base / "console.sqlite3")) as conn:
        log = pd.read_sql_query("SELECT * FROM log_rows", conn)
    mask = (log["field"] == field) & (log["outcome"] == outcome) & (log["time"] >= since) & (log["time"] < until)
    found = log[mask]
    page = found.sort_values(["time", "id"], ascending=False).head(200)
    elapsed = time.perf_counter() - t0
    return elapsed, int(mask.sum()), page["id"].tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    from core import engine

    with tempfile.TemporaryDirectory(prefix="logs-bench-") as tmp:
        base = Path(tmp)
        os.chmod(base, 0o700)
        t0 = time.perf_counter()
        seed(base, args.rows)
        size = (base / "console.sqlite3").stat().st_size / 1e6
        print(f"log: {args.rows:,} rows, 200 runs over 2026 ({time.perf_counter() - t0:.1f} s to insert, {size:,.0f} MB)")
        from core.logs import db, summary

        t0 = time.perf_counter()
        with closing(db.connect(base)) as conn:
            folded = summary.catch_up(conn)
        print(f"summary    the daily summary folded in {folded:,} new rows in {time.perf_counter() - t0:.1f} s "
              "(once, at the first read after they were appended; then only newer rows)")

        since, until = "2026-06-01", "2026-07-01"
        filters = engine.LogFilter(fields=("Industry",), outcomes=("written",), since=since, until=until)
        spent, count_s, rows_s, total, ids = ours(base, filters, args.repeat)
        ref_s, ref_total, ref_ids = reference(base, "Industry", "written", since, until)
        assert (total, ids) == (ref_total, ref_ids), "the two answers differ"
        print(f"filter: Industry, written, {since} to {until} (exclusive): {total:,} rows match")
        print(f"ours       count + first page of 200 in SQLite (median of {args.repeat}): {spent * 1000:8.1f} ms "
              f"(count {count_s * 1000:.1f} ms, rows {rows_s * 1000:.1f} ms)")
        print(f"reference  pandas read_sql_query of the whole log, then filter/sort/head: {ref_s * 1000:8.1f} ms")
        ratio = ref_s / spent
        print(f"ratio      reference/ours: {ratio:,.0f}x ({'target met' if ratio >= TARGET else 'TARGET MISSED'}: "
              f"at least {TARGET:.0f}x)")

        print("other page queries (median of 3, count + first page):")
        for label, f in (("no filter", engine.LogFilter()),
                         ("one run", engine.LogFilter(run_id="run-0100")),
                         ("one record", engine.LogFilter(record_id=f"00Q{args.rows // 2:015d}")),
                         ("failed, production, Lead", engine.LogFilter(outcomes=("failed",), objects=("Lead",),
                                                                       environments=("production",))),
                         ("actor user3", engine.LogFilter(actors=("user3",)))):
            spent, _, _, n, _ = ours(base, f, 3)
            print(f"  {label:<26} {spent * 1000:8.1f} ms   {n:,} rows")
        print("the page's chart aggregates (per day, fill rates, failure codes; once, cached by the page after):")
        for label, f in (("the filter above", filters), ("no filter", engine.LogFilter())):
            t0 = time.perf_counter()
            engine.log_charts(f, base=base)
            print(f"  {label:<26} {(time.perf_counter() - t0) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
