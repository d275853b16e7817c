"""`python -m core logs` in subprocesses over a log the guarded writer filled against localorg: filters, printed
rows, and exports as CSV, Parquet and JSON."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from tests.fixtures.logs import MadeLog
from tests.org.test_cli_runs import cli


def test_given_a_log_when_filtered_by_run_and_outcome_on_the_cli_then_those_rows_print(logged_org: MadeLog) -> None:
    m = logged_org
    assert m.base is not None

    shown = cli(m.base, "logs", "--run", m.title_run.id, "--outcome", "failed,skipped_nonblank")

    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0] == "3 cells match:" and len(lines) == 4
    assert sum("FIELD_CUSTOM_VALIDATION_EXCEPTION" in line and "Interns are not leads." in line for line in lines) == 2
    assert any(m.person in line and "Head of Procurement -> Enriched 2" in line for line in lines)
    limited = cli(m.base, "logs", "--object", "Lead", "--limit", "2")
    assert limited.stdout.splitlines()[0] == "10 cells match; the newest 2:"  # one row per cell
    every = cli(m.base, "logs", "--object", "Lead", "--limit", "2", "--write-ahead")
    assert every.stdout.splitlines()[0] == "19 rows match; the newest 2:"  # the pending row before each write too


def test_given_a_log_when_exported_from_the_cli_then_csv_parquet_and_json_hold_every_matching_row(
        logged_org: MadeLog, tmp_path: Path) -> None:
    m = logged_org
    assert m.base is not None
    csv_file, parquet_file = tmp_path / "log.csv", tmp_path / "log.parquet"
    since = m.title_run.started[:10]

    as_csv = cli(m.base, "logs", "--since", since, "--outcome", "written", "--csv", str(csv_file))
    as_parquet = cli(m.base, "logs", "--field", "Title", "--outcome", "written", "--parquet", str(parquet_file))
    as_json = cli(m.base, "logs", "--trigger", "test", "--outcome", "written", "--json")

    assert as_csv.returncode == as_parquet.returncode == as_json.returncode == 0, as_csv.stderr + as_parquet.stderr
    assert "Wrote 7 rows" in as_csv.stderr
    rows = pd.read_csv(csv_file, dtype=str)
    assert len(rows) == 7 and set(rows["outcome"]) == {"written"}
    assert sorted(pq.read_table(parquet_file).column("record_id").to_pylist()) == sorted(m.written)
    assert sorted(r["record_id"] for r in json.loads(as_json.stdout)) == sorted(m.described)
    to_stdout = cli(m.base, "logs", "--run", m.description_run.id, "--csv", "-")
    assert len(pd.read_csv(io.StringIO(to_stdout.stdout))) == 2  # one row per cell
    every = cli(m.base, "logs", "--run", m.description_run.id, "--csv", "-", "--write-ahead")
    assert len(pd.read_csv(io.StringIO(every.stdout))) == 4  # and the pending row logged before each write


def test_given_bad_filters_on_the_cli_then_exit_1_with_the_fix(logged_org: MadeLog) -> None:
    m = logged_org
    assert m.base is not None
    bad_date = cli(m.base, "logs", "--since", "yesterday")
    bad_outcome = cli(m.base, "logs", "--outcome", "overwritten", "--json")
    assert bad_date.returncode == 1 and "not a date" in bad_date.stderr and "fix: Use YYYY-MM-DD" in bad_date.stderr
    assert bad_outcome.returncode == 1 and json.loads(bad_outcome.stderr)["cause"] == "bad_outcome"
    assert cli(m.base, "logs", "--record", "00Q000000000000AAA").stdout.strip() == "No log rows match these filters."
