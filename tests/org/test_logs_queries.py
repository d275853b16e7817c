"""The log's queries over runs the guarded writer really applied against localorg: filters, pages, the run summary,
chart aggregates, streamed exports and the link from each row to its record."""
from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pandas as pd
import pyarrow.parquet as pq
import pytest

from core import engine
from core.errors import BadInput
from core.logs import export
from tests.fixtures.logs import MadeLog
from tests.fixtures.writer import WRITER, blank_leads, fill_cells

LogFilter = engine.LogFilter


def test_given_two_runs_when_filtered_by_field_and_outcome_then_only_those_rows_newest_first(
        logged_org: MadeLog) -> None:
    m = logged_org
    f = LogFilter(fields=("Title",), outcomes=("written",))

    rows = engine.log_page(f, base=m.base)

    assert engine.log_count(f, base=m.base) == 5 == len(rows)
    assert sorted(rows["record_id"]) == sorted(m.written)
    assert set(rows["field"]) == {"Title"} and set(rows["outcome"]) == {"written"}
    assert rows["time"].is_monotonic_decreasing
    pending = LogFilter(outcomes=("pending",))
    assert engine.log_count(pending.narrowed(write_ahead=True), base=m.base) == 9  # every cell sent had one first
    assert engine.log_count(pending, base=m.base) == 0  # each settled: one row per cell is its final row
    failed = engine.log_page(LogFilter(outcomes=("failed",), triggers=("manual",)), base=m.base)
    assert sorted(failed["record_id"]) == sorted(m.refused)
    assert set(failed["error_code"]) == {"FIELD_CUSTOM_VALIDATION_EXCEPTION"}


def test_given_the_log_when_paged_then_pages_are_disjoint_and_cover_the_filter(logged_org: MadeLog) -> None:
    m = logged_org
    for f, expected in ((LogFilter(run_id=m.title_run.id), 8),  # one row per cell: its final row
                        # write-ahead rows shown: eight final rows; a pending row before each of the seven cells sent
                        (LogFilter(run_id=m.title_run.id, write_ahead=True), 8 + 7)):
        total = engine.log_count(f, base=m.base)
        pages = [engine.log_page(f, offset=o, limit=3, base=m.base) for o in range(0, total, 3)]

        ids = [i for p in pages for i in p["id"]]
        assert total == expected
        assert len(ids) == len(set(ids)) == total and all(len(p) <= 3 for p in pages)
        assert engine.log_page(f, offset=total, base=m.base).empty


def test_given_rows_when_paged_then_each_links_to_its_record_in_the_org(logged_org: MadeLog) -> None:
    m = logged_org
    rows = engine.log_page(LogFilter(record_id=m.person), base=m.base)
    instance = engine.connection("demo", base=m.base).instance_url  # type: ignore[union-attr]

    assert rows[["record_id", "outcome", "before"]].values.tolist() == [[m.person, "skipped_nonblank", m.person_value]]
    assert rows["link"].tolist() == [f"{instance.rstrip('/')}/{m.person}"]
    assert rows[["connection", "environment"]].values.tolist() == [["demo", "demo"]]


def test_given_a_second_connection_when_filtered_by_connection_then_only_its_rows_and_runs(
        logged_org: MadeLog) -> None:
    m = logged_org
    engine.connect_password_demo("integration@demo.test", name="second", actor=WRITER, base=m.base)
    leads = blank_leads(m.handle, "Title", 20)
    planned = {*m.written, m.person, *m.refused}
    fresh = [lead for lead in leads if lead["Id"] not in planned][:3]
    run = engine.apply("second", "Lead", fill_cells(fresh, "Title", "Analyst"), actor=WRITER, base=m.base)

    mine = LogFilter(connections=("second",), outcomes=("written",))
    rows = engine.log_page(mine, base=m.base)

    assert sorted(rows["record_id"]) == sorted(lead["Id"] for lead in fresh) and set(rows["run_id"]) == {run.id}
    assert [r.id for r in engine.log_runs(LogFilter(connections=("second",)), base=m.base)] == [run.id]
    assert engine.log_count(LogFilter(connections=("demo",), outcomes=("written",)), base=m.base) == 7
    assert engine.log_count(LogFilter(environments=("demo",), outcomes=("written",)), base=m.base) == 10
    assert engine.log_count(LogFilter(environments=("production",)), base=m.base) == 0
    assert engine.log_facets(base=m.base)["connections"] == ["demo", "second"]


def test_given_a_time_range_when_filtered_then_rows_outside_it_are_left_out(logged_org: MadeLog) -> None:
    m = logged_org
    today = datetime.now(UTC).date()
    inside = LogFilter(since=engine.log_day(today.isoformat()), until=engine.log_until_day(today.isoformat()))
    before = LogFilter(until=today.isoformat())
    tomorrow = LogFilter(since=(today + timedelta(days=1)).isoformat())

    assert engine.log_count(inside, base=m.base) == engine.log_count(LogFilter(), base=m.base) == 10
    assert engine.log_count(inside.narrowed(write_ahead=True), base=m.base) == 19
    assert engine.log_count(before, base=m.base) == engine.log_count(tomorrow, base=m.base) == 0
    assert engine.log_runs(tomorrow, base=m.base) == []
    with pytest.raises(BadInput, match="not a date"):
        engine.log_day("last tuesday")
    with pytest.raises(BadInput, match="Unknown outcome"):
        engine.log_count(LogFilter(outcomes=("overwritten",)), base=m.base)


def test_given_the_log_when_summarised_then_runs_and_charts_agree_with_the_runs(logged_org: MadeLog) -> None:
    m = logged_org
    runs = engine.log_runs(LogFilter(), base=m.base)
    assert [r.id for r in runs] == [m.description_run.id, m.title_run.id]
    assert [(r.trigger, r.actor, r.state, r.counts["written"]) for r in runs] == [
        ("test", "olivia", "done", 2), ("manual", "olivia", "done", 5)]
    assert all(r.api_calls > 0 for r in runs)
    assert [r.id for r in engine.log_runs(LogFilter(record_id=m.person), base=m.base)] == [m.title_run.id]

    per_day = engine.log_per_day(LogFilter(), base=m.base)
    assert per_day.groupby("outcome")["rows"].sum().to_dict() == {"failed": 2, "skipped_nonblank": 1, "written": 7}
    rates = engine.log_fill_rates(LogFilter(), base=m.base).set_index("field")
    assert rates.loc["Title", ["settled", "written"]].tolist() == [8, 5]
    assert rates.loc["Title", "fill_rate"] == pytest.approx(5 / 8) and rates.loc["Description", "fill_rate"] == 1.0

    failures = engine.log_failures(LogFilter(), base=m.base)
    assert failures[["code", "outcome", "rows"]].values.tolist() == [
        ["FIELD_CUSTOM_VALIDATION_EXCEPTION", "failed", 2], ["skipped_nonblank", "skipped_nonblank", 1]]
    assert "Interns are not leads." in failures["message"].iloc[0] and failures["message_rows"].iloc[0] == 2
    assert engine.log_failures(LogFilter(fields=("Description",)), base=m.base).empty


def test_given_a_filter_when_exported_in_small_chunks_then_csv_parquet_and_json_hold_the_same_rows(
        logged_org: MadeLog) -> None:
    m = logged_org
    f = LogFilter(run_id=m.title_run.id, outcomes=("written", "failed", "skipped_nonblank"))
    expected = engine.log_page(f, base=m.base).drop(columns=["link", "shown"])  # exports keep the stored outcome

    buffers = {fmt: io.BytesIO() for fmt in ("csv", "parquet", "json")}
    counts = {fmt: export.write(m.base, f, fmt, out, chunk=3) for fmt, out in buffers.items()}

    assert counts == {"csv": 8, "parquet": 8, "json": 8}
    from_csv = pd.read_csv(io.BytesIO(buffers["csv"].getvalue()), dtype=str, keep_default_na=False)
    from_parquet = pq.read_table(io.BytesIO(buffers["parquet"].getvalue())).to_pandas()
    from_json = pd.DataFrame(json.loads(buffers["json"].getvalue()))
    assert pq.ParquetFile(io.BytesIO(buffers["parquet"].getvalue())).num_row_groups == 3  # streamed: 3 + 3 + 2
    for got in (from_csv, from_parquet, from_json):
        assert list(got.columns) == list(expected.columns)
        assert got["id"].astype(int).tolist() == expected["id"].tolist()
        assert got["after"].tolist() == expected["after"].tolist()
        assert got["outcome"].tolist() == expected["outcome"].tolist()
    assert engine.export_log(LogFilter(run_id="nope"), "csv", base=m.base).decode().splitlines() == [
        ",".join(export.COLUMNS)]
    assert pq.read_table(io.BytesIO(engine.export_log(LogFilter(run_id="nope"), "parquet", base=m.base))).num_rows == 0
    with pytest.raises(BadInput, match="Unknown export format"):
        engine.export_log(f, "xlsx", base=m.base)


def test_given_filters_when_answered_from_the_daily_summary_then_the_same_as_from_the_rows(
        logged_org: MadeLog) -> None:
    from core.logs import queries

    m = logged_org
    day = m.title_run.started[:10]
    exact = f"{day}T00:00:00"  # a timestamp bound: answered from log_rows itself
    for f in (LogFilter(), LogFilter(fields=("Title",), outcomes=("written", "failed")), LogFilter(triggers=("test",)),
              LogFilter(run_id=m.title_run.id, actors=("olivia",)), LogFilter(connections=("demo",), objects=("Lead",)),
              LogFilter(outcomes=("pending",)), LogFilter(write_ahead=True),
              LogFilter(outcomes=("pending",), write_ahead=True)):
        dated = f.narrowed(since=day, until=engine.log_until_day(day))
        raw = f.narrowed(since=exact, until=f"{engine.log_until_day(day)}T00:00:00")
        assert queries.summarised(dated) and not queries.summarised(raw)
        assert engine.log_count(dated, base=m.base) == engine.log_count(raw, base=m.base) == engine.log_count(
            f, base=m.base)
        for summarised, direct in ((engine.log_per_day(dated, base=m.base), engine.log_per_day(raw, base=m.base)),
                                   (engine.log_failures(dated, base=m.base), engine.log_failures(raw, base=m.base))):
            assert summarised.to_dict("records") == direct.to_dict("records")


def test_given_a_log_made_before_the_summary_when_read_then_the_summary_catches_up_once(
        logged_org: MadeLog) -> None:
    import sqlite3
    from contextlib import closing

    from core.logs import db

    m = logged_org
    expected = engine.log_per_day(LogFilter(), base=m.base).to_dict("records")
    with closing(sqlite3.connect(db.path(m.base))) as conn:  # as a database from before the summary existed
        conn.executescript("DROP TABLE log_daily; DROP TABLE log_daily_mark; DROP TABLE log_daily_settled; "
                           "DROP TABLE log_daily_settled_mark;")
    db._applied.clear()

    assert engine.log_per_day(LogFilter(), base=m.base).to_dict("records") == expected
    db._applied.clear()  # opened again by another process: nothing is counted twice
    assert engine.log_per_day(LogFilter(), base=m.base).to_dict("records") == expected
    assert engine.log_count(LogFilter(since="2000-01-01"), base=m.base) == 10
    assert engine.log_count(LogFilter(since="2000-01-01", write_ahead=True), base=m.base) == 19


def test_given_the_summary_was_read_when_another_run_appends_then_the_next_read_counts_its_rows(
        logged_org: MadeLog) -> None:
    m = logged_org
    day = datetime.now(UTC).date().isoformat()
    dated = LogFilter(since=day, outcomes=("written",))
    assert engine.log_count(dated, base=m.base) == 7
    planned = {*m.written, m.person, *m.refused, *m.described}
    fresh = [lead for lead in blank_leads(m.handle, "Title", 20) if lead["Id"] not in planned][:4]

    engine.apply("demo", "Lead", fill_cells(fresh, "Title", "Analyst"), actor=WRITER, base=m.base)

    assert engine.log_count(dated, base=m.base) == 11
    assert engine.log_count(dated.narrowed(since=f"{day}T00:00:00"), base=m.base) == 11  # from the rows themselves
    assert engine.log_charts(dated, base=m.base)[1].set_index("field").loc["Title", "written"] == 9
