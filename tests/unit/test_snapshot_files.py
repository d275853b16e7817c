"""Snapshot files: REST pages and Bulk CSV pages become typed Arrow batches; an incremental merge replaces and drops by Id."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa

from core.sync import snapshot_files as files

FIELDS = {"Id": "id", "Name": "string", "NumberOfEmployees": "int", "AnnualRevenue": "currency",
          "DoNotCall": "boolean", "SystemModstamp": "datetime"}
SCHEMA = files.schema_for(FIELDS)


def _records(*rows: tuple) -> list[dict]:
    return [dict(zip(FIELDS, row, strict=True)) for row in rows]


def _write(path: Path, *parts: pa.RecordBatch | pa.Table) -> files.SnapshotWriter:
    writer = files.SnapshotWriter(path, SCHEMA, keep_ids=True)
    for part in parts:
        writer.write(part)
    writer.commit()
    return writer


def test_given_a_rest_page_when_converted_then_numbers_and_checkboxes_are_typed_and_text_stays_text() -> None:
    batch = files.batch_from_records(_records(
        ("001A", "Acme", 250, 1.5e7, True, "2026-01-01T00:00:00.000+0000"),
        ("001B", None, None, 3, False, "2026-01-02T00:00:00.000+0000")), SCHEMA)
    assert batch.schema == SCHEMA
    assert batch.column("NumberOfEmployees").to_pylist() == [250, None]
    assert batch.column("AnnualRevenue").to_pylist() == [15_000_000.0, 3.0]
    assert batch.column("DoNotCall").to_pylist() == [True, False]
    assert batch.column("Name").to_pylist() == ["Acme", None]


def test_given_a_bulk_csv_page_when_parsed_then_empty_cells_are_null_and_unreadable_numbers_are_null() -> None:
    csv = (b'"Id","Name","NumberOfEmployees","AnnualRevenue","DoNotCall","SystemModstamp"\n'
           b'"001C","","250.0","15000000","true","2026-01-03T00:00:00.000Z"\n'
           b'"001D","Caf\xc3\xa9, ""Quoted""","","n/a","false","2026-01-01T00:00:00.000Z"\n')
    table = files.table_from_csv(csv, SCHEMA)
    assert table.schema == SCHEMA
    assert table.column("Name").to_pylist() == [None, 'Café, "Quoted"']
    assert table.column("NumberOfEmployees").to_pylist() == [250, None]
    assert table.column("AnnualRevenue").to_pylist() == [15_000_000.0, None]
    assert table.column("DoNotCall").to_pylist() == [True, False]


def test_given_pages_written_when_committed_then_rows_ids_and_newest_stamp_are_known_and_the_file_reads_back(
        tmp_path: Path) -> None:
    first = files.batch_from_records(_records(("001A", "A", 1, 1.0, True, "2026-01-01T00:00:00.000+0000")), SCHEMA)
    second = files.table_from_csv(b'"Id","Name","NumberOfEmployees","AnnualRevenue","DoNotCall","SystemModstamp"\n'
                                  b'"001B","B","2","2","false","2026-03-01T10:00:00.000Z"\n', SCHEMA)
    writer = _write(tmp_path / "s.arrow", first, second)
    assert writer.rows == 2
    assert writer.newest == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert files.id_set(writer.ids).to_pylist() == ["001A", "001B"]
    frame = files.to_frame(files.read_table(tmp_path / "s.arrow"))
    assert list(frame.index) == ["001A", "001B"]
    assert frame["NumberOfEmployees"].dtype == pd.Int64Dtype()
    assert not list(tmp_path.glob(".*.part"))


def test_given_a_discarded_writer_then_no_file_is_left(tmp_path: Path) -> None:
    writer = files.SnapshotWriter(tmp_path / "s.arrow", SCHEMA)
    writer.write(files.batch_from_records(_records(("001A", "A", 1, 1.0, True, None)), SCHEMA))
    writer.discard()
    assert list(tmp_path.iterdir()) == []


def test_given_old_records_and_a_delta_when_merged_then_changed_rows_replace_old_ones_and_deleted_rows_go(
        tmp_path: Path) -> None:
    old = _write(tmp_path / "old.arrow", files.batch_from_records(_records(
        ("001A", "A", 1, 1.0, False, "2026-01-01T00:00:00.000+0000"),
        ("001B", "B", 2, 2.0, False, "2026-01-01T00:00:00.000+0000"),
        ("001C", "C", 3, 3.0, False, "2026-01-01T00:00:00.000+0000")), SCHEMA))
    delta = _write(tmp_path / "delta.arrow", files.batch_from_records(_records(
        ("001B", "B2", 20, 2.0, True, "2026-02-01T00:00:00.000+0000"),
        ("001D", "D", 4, 4.0, False, "2026-02-01T00:00:00.000+0000")), SCHEMA))
    merged = files.SnapshotWriter(tmp_path / "new.arrow", SCHEMA)
    files.copy_without(old.path, files.id_set([*delta.ids, ["001C"]]), SCHEMA, merged)
    files.copy_without(delta.path, None, SCHEMA, merged)
    merged.commit()
    frame = files.to_frame(files.read_table(tmp_path / "new.arrow")).sort_index()
    assert list(frame.index) == ["001A", "001B", "001D"]
    assert frame.loc["001B", "Name"] == "B2" and frame.loc["001B", "NumberOfEmployees"] == 20
    assert merged.rows == 3
