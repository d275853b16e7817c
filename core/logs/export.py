"""Export the filtered log as CSV, Parquet or JSON lines, streamed from SQLite in chunks (never one big frame).

Columns are the log's own (codes, not labels: an audit joins on them) plus each row's connection and
environment. CSV is UTF-8 with a header; Parquet has one row group per chunk; JSON is one array.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq

from core.logs import queries

FORMATS: tuple[str, ...] = ("csv", "parquet", "json")
COLUMNS: tuple[str, ...] = queries.PAGE_COLUMNS
SCHEMA = pa.schema([("id", pa.int64()), ("time", pa.string()), ("run_id", pa.string()), ("cell", pa.int64()),
                    *[(c, pa.string()) for c in COLUMNS[4:]]])


def write(base: Path | None, f: queries.Filter, fmt: str, out: IO[bytes], *, chunk: int = 50_000) -> int:
    """Write every row that passes `f` to the binary stream `out` as `fmt`; returns how many rows."""
    if fmt == "csv":
        return _csv(base, f, out, chunk)
    if fmt == "parquet":
        return _parquet(base, f, out, chunk)
    if fmt == "json":
        return _json(base, f, out, chunk)
    raise ValueError(f"unknown export format {fmt!r}")


def to_bytes(base: Path | None, f: queries.Filter, fmt: str, *, chunk: int = 50_000) -> bytes:
    """The export as bytes (for a download button; the CLI writes files with `write`)."""
    buffer = io.BytesIO()
    write(base, f, fmt, buffer, chunk=chunk)
    return buffer.getvalue()


def _csv(base: Path | None, f: queries.Filter, out: IO[bytes], chunk: int) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    total = 0
    for rows in queries.chunks(base, f, chunk):
        writer.writerows(rows)
        total += len(rows)
    text.flush()
    text.detach()  # leave `out` open for the caller
    return total


def _parquet(base: Path | None, f: queries.Filter, out: IO[bytes], chunk: int) -> int:
    total = 0
    with pq.ParquetWriter(out, SCHEMA, compression="zstd") as writer:
        for rows in queries.chunks(base, f, chunk):
            columns = list(zip(*rows, strict=True))
            writer.write_batch(pa.RecordBatch.from_arrays(
                [pa.array(col, type=field.type) for col, field in zip(columns, SCHEMA, strict=True)], schema=SCHEMA))
            total += len(rows)
        if total == 0:
            writer.write_table(SCHEMA.empty_table())
    return total


def _json(base: Path | None, f: queries.Filter, out: IO[bytes], chunk: int) -> int:
    total = 0
    out.write(b"[")
    for rows in queries.chunks(base, f, chunk):
        for row in rows:
            record: dict[str, Any] = dict(zip(COLUMNS, row, strict=True))
            out.write((b",\n" if total else b"\n") + json.dumps(record, ensure_ascii=False).encode())
            total += 1
    out.write(b"\n]\n" if total else b"]\n")
    return total
