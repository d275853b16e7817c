"""Snapshot files: Salesforce pages become Arrow record batches written to one Arrow IPC file as they arrive."""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

TEXT = pa.large_string()
ARROW_TYPES: dict[str, pa.DataType] = {
    "boolean": pa.bool_(), "int": pa.int64(), "long": pa.int64(),
    "double": pa.float64(), "currency": pa.float64(), "percent": pa.float64(),
}
"""Salesforce field type -> Arrow type; every other type (text, picklist, id, date, datetime…) is kept as text."""
_NUMBER = r"^\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*$"
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="zstd")
_PANDAS_TYPES = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), TEXT: pd.StringDtype("pyarrow")}


def schema_for(fields: Mapping[str, str]) -> pa.Schema:
    """The Arrow schema of a snapshot: one column per pulled field, typed from its Salesforce type."""
    return pa.schema([pa.field(name, ARROW_TYPES.get(kind, TEXT)) for name, kind in fields.items()])


def _coerce(values: pa.Array | pa.ChunkedArray, target: pa.DataType) -> pa.Array | pa.ChunkedArray:
    """Text (a Bulk CSV column) or loosely typed JSON values as the target type; unreadable values become null."""
    if values.type == target:
        return values
    if pa.types.is_null(values.type):
        return pa.nulls(len(values), target)
    if target == TEXT:
        if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
            return values.cast(TEXT)
        from core.sync.guard_values import text  # the guard's canonical text: 250.0 -> "250", True -> "true"
        return text(values)
    as_text = values if pa.types.is_large_string(values.type) else _coerce(values, TEXT)
    if pa.types.is_boolean(target):
        lowered = pc.utf8_lower(pc.utf8_trim_whitespace(as_text))
        return pc.if_else(pc.equal(lowered, "true"), True, pc.if_else(pc.equal(lowered, "false"), False, None))
    numeric = pc.if_else(pc.match_substring_regex(as_text, _NUMBER), as_text, pa.scalar(None, TEXT))
    numbers = pc.cast(pc.utf8_trim_whitespace(numeric), pa.float64())
    return pc.cast(pc.round(numbers), target) if pa.types.is_integer(target) else numbers


def batch_from_records(records: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.RecordBatch:
    """One REST query page (a list of JSON records) as a record batch of the snapshot's schema."""
    columns = []
    for field in schema:
        values = [record.get(field.name) for record in records]
        try:
            columns.append(pa.array(values, type=field.type))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            columns.append(_coerce(pa.array([None if v is None else str(v) for v in values], type=TEXT), field.type))
    return pa.RecordBatch.from_arrays(columns, schema=schema)


def table_from_csv(data: bytes, schema: pa.Schema) -> pa.Table:
    """One Bulk API 2.0 result page (CSV bytes with a header) as a table of the snapshot's schema.

    Every cell is read as text first (an empty cell is null: Salesforce stores no empty strings), then
    numbers and checkboxes are converted column by column.
    """
    def read(types: dict[str, pa.DataType]) -> pa.Table:
        return pacsv.read_csv(
            pa.py_buffer(data), read_options=pacsv.ReadOptions(use_threads=True, block_size=1 << 22),
            convert_options=pacsv.ConvertOptions(
                column_types=types, include_columns=schema.names, include_missing_columns=True,
                strings_can_be_null=True, quoted_strings_can_be_null=True, null_values=[""],
                true_values=["true"], false_values=["false"]))

    try:  # Salesforce's own number and checkbox text parses straight into the column types
        table = read({f.name: f.type for f in schema})
    except pa.ArrowInvalid:  # a value that does not (250.0 in an int field, "n/a"): read text, convert leniently
        table = read({name: TEXT for name in schema.names})
    return pa.Table.from_arrays([_coerce(table.column(f.name), f.type) for f in schema], schema=schema)


def parse_stamp(value: str | None) -> datetime | None:
    """A Salesforce datetime ("2026-01-02T03:04:05.000+0000" or "…Z") as an aware datetime, or None."""
    if not value:
        return None
    return datetime.fromisoformat(re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", value.strip()))


class SnapshotWriter:
    """An Arrow IPC file (zstd) written batch by batch; counts rows, collects Ids and the newest SystemModstamp.

    Written under a temporary name; `commit()` moves it into place, `discard()` removes it.
    """

    def __init__(self, path: Path, schema: pa.Schema, *, keep_ids: bool = False) -> None:
        self.path = path
        self.temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
        self.schema = schema
        self.rows = 0
        self.newest: datetime | None = None
        self.ids: list[pa.Array] = []
        self._keep_ids = keep_ids
        self._closed = False
        self._sink = pa.OSFile(str(self.temporary), "wb")
        self._writer = pa.ipc.new_file(self._sink, schema, options=_IPC_OPTIONS)

    def write(self, data: pa.RecordBatch | pa.Table) -> None:
        """Append a batch (or a table's batches); empty ones are skipped."""
        if data.num_rows == 0:
            return
        if isinstance(data, pa.Table):
            self._writer.write_table(data)
        else:
            self._writer.write_batch(data)
        self.rows += data.num_rows
        if "SystemModstamp" in self.schema.names:
            newest = parse_stamp(pc.max(data.column("SystemModstamp")).as_py())
            if newest is not None and (self.newest is None or newest > self.newest):
                self.newest = newest
        if self._keep_ids:
            column = data.column("Id")
            self.ids.extend(column.chunks if isinstance(column, pa.ChunkedArray) else [column])

    def commit(self) -> Path:
        """Close the file and move it to its final name."""
        self._closed = True
        self._writer.close()
        self._sink.close()
        os.replace(self.temporary, self.path)
        return self.path

    def discard(self) -> None:
        """Close and delete the unfinished file (nothing to do once committed)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._writer.close()
        except (pa.ArrowException, OSError):
            pass
        self._sink.close()
        self.temporary.unlink(missing_ok=True)


def batches(path: Path) -> Iterator[pa.RecordBatch]:
    """The record batches of a snapshot file, one at a time (memory-mapped)."""
    with pa.memory_map(str(path)) as source:
        reader = pa.ipc.open_file(source)
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)


def copy_without(source: Path, drop: pa.Array | None, schema: pa.Schema, writer: SnapshotWriter) -> None:
    """Write the records of `source` whose Id is not in `drop` into `writer`, batch by batch.

    Columns missing from the older file are added as nulls (a field added since is pulled in full anyway).
    """
    for batch in batches(source):
        if drop is not None and len(drop):
            batch = batch.filter(pc.invert(pc.is_in(batch.column("Id"), value_set=drop)))
        columns = [batch.column(f.name) if f.name in batch.schema.names else pa.nulls(batch.num_rows, f.type)
                   for f in schema]
        writer.write(pa.RecordBatch.from_arrays(columns, schema=schema))


def id_set(parts: Iterable[pa.Array | Sequence[str]]) -> pa.Array:
    """One text array of every Id given (as Arrow arrays or lists of strings)."""
    arrays = [p.cast(TEXT) if isinstance(p, pa.Array) else pa.array(list(p), type=TEXT) for p in parts]
    return pa.concat_arrays(arrays) if arrays else pa.array([], type=TEXT)


def read_table(path: Path, columns: Sequence[str] | None = None) -> pa.Table:
    """The whole snapshot as an Arrow table (memory-mapped; only `columns` when given)."""
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
    if columns is not None:
        table = table.select([c for c in columns if c in table.column_names])
    return table


def head(path: Path, rows: int) -> pa.Table:
    """The first `rows` records, reading only the batches needed."""
    taken: list[pa.RecordBatch] = []
    count = 0
    for batch in batches(path):
        taken.append(batch.slice(0, rows - count))
        count += taken[-1].num_rows
        if count >= rows:
            break
    if not taken:
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).schema.empty_table()
    return pa.Table.from_batches(taken)


def to_frame(table: pa.Table) -> pd.DataFrame:
    """A snapshot table as pandas, indexed by Id: Arrow-backed text, nullable Int64 and boolean, float64."""
    frame = table.to_pandas(types_mapper=_PANDAS_TYPES.get, self_destruct=False)
    return frame.set_index("Id") if "Id" in frame.columns else frame
