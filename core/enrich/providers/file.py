"""First-party enrichment file (CSV or Parquet keyed by domain or email): read, check, report rows, never crash."""
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from core.enrich.matching import normalise_domain, normalise_email
from core.enrich.providers.base import (
    KNOWN_PATHS,
    LIST_PATHS,
    STRING,
    ProviderError,
    is_numeric_path,
    type_frame,
    unique_keys,
)

_NUMBER = re.compile(r"^[-+]?[$€£]?\s?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")
_NOT_TABULAR = {  # magic bytes -> what the file really is
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel (.xls) workbook",
    b"%PDF": "a PDF document",
    b"{": "JSON",
    b"[": "JSON",
}
_SAVE_AS_CSV = "Export it as CSV (UTF-8) or Parquet, with a 'domain' or 'email' column, then upload again."


class ProviderFileError(ProviderError):
    """A first-party file that cannot be used as it is: what is wrong, how to fix it, and the rows concerned.

    rows are spreadsheet row numbers for CSV (row 1 is the header) and 1-based record numbers for Parquet;
    details holds (row, what is wrong with it) for each row concerned, for a table of row errors.
    """

    def __init__(self, message: str, fix: str, rows: list[int] | None = None,
                 details: list[tuple[int, str]] | None = None) -> None:
        super().__init__(message, fix)
        self.rows = list(rows or [])
        self.details = sorted(details or [(r, message) for r in self.rows])


def _list_rows(rows: Sequence[int], limit: int = 20) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def _rows(unit: str, rows: Sequence[int]) -> str:
    """'row 4' or 'rows 2, 5' (unit is 'row' or 'record')."""
    return f"{unit} {rows[0]}" if len(rows) == 1 else f"{unit}s {_list_rows(rows)}"


def _read_source(source: str | Path | bytes | BinaryIO, filename: str | None) -> tuple[bytes, str]:
    """The file's bytes and a display name, from a path, raw bytes or an uploaded file object."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            return path.read_bytes(), filename or path.name
        except OSError as error:
            raise ProviderFileError(f"Cannot read {path.name}: {error.strerror}.", "Check the path and permissions.") from None
    if isinstance(source, (bytes, bytearray)):
        return bytes(source), filename or "upload"
    return source.read(), filename or getattr(source, "name", "upload")


def _decode_utf8(data: bytes, name: str) -> str:
    """UTF-8 text (a BOM is allowed); anything else is reported with its byte offset and row."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ProviderFileError(f"{name} is UTF-16 text, not UTF-8.", "Save it as 'CSV UTF-8' and upload again.", [1])
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        offset = error.start + (len(data) - len(body))
        row = data[:offset].count(b"\n") + 1
        bad = data[offset:offset + 1].hex().upper()
        hint = " It looks like Latin-1 / Windows-1252." if _looks_latin1(body) else ""
        raise ProviderFileError(
            f"{name} is not UTF-8: byte 0x{bad} at offset {offset} (row {row}) is not valid UTF-8.{hint}",
            "Save the file as UTF-8 (Excel: File > Save As > 'CSV UTF-8 (Comma delimited)'), then upload again.",
            [row],
        ) from None


def _looks_latin1(body: bytes) -> bool:
    return any(0xC0 <= b <= 0xFF or b in (0xA0, 0xE9) for b in body[:100_000])


def _parse_csv(text: str, name: str) -> pd.DataFrame:
    """Every cell as text; the delimiter (comma, semicolon or tab) taken from the header line."""
    header = text.split("\n", 1)[0]
    sep = max([",", ";", "\t"], key=header.count)
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True)
    except pd.errors.EmptyDataError:
        raise ProviderFileError(f"{name} is empty.", _SAVE_AS_CSV) from None
    except pd.errors.ParserError as error:
        found = re.search(r"line (\d+)", str(error))
        rows = [int(found.group(1))] if found else []
        raise ProviderFileError(
            f"{name} is not a well-formed CSV file: {str(error).replace('Error tokenizing data. C error: ', '')}".rstrip(),
            "Check that row for an extra delimiter or an unclosed quote, or export the file again.",
            rows,
        ) from None


def _parse_parquet(data: bytes, name: str) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as error:  # pyarrow raises several types for a damaged file
        raise ProviderFileError(f"{name} is not a readable Parquet file ({type(error).__name__}).", _SAVE_AS_CSV) from None
    frame.columns = [str(c) for c in frame.columns]
    return frame.reset_index(drop=True)


def read_table(data: bytes, name: str) -> tuple[pd.DataFrame, int, str]:
    """Parse the bytes as Parquet or CSV: (frame, number of the first data row, 'row' or 'record')."""
    if not data.strip():
        raise ProviderFileError(f"{name} is empty.", _SAVE_AS_CSV)
    suffix = Path(name).suffix.lower()
    if data[:4] == b"PAR1":
        return _parse_parquet(data, name), 1, "record"
    if suffix in (".parquet", ".pq"):
        raise ProviderFileError(f"{name} is named like Parquet but is not a Parquet file.", _SAVE_AS_CSV)
    for magic, what in _NOT_TABULAR.items():
        if data.lstrip()[: len(magic)] == magic:
            raise ProviderFileError(f"{name} is {what}, not CSV or Parquet.", _SAVE_AS_CSV)
    if suffix not in ("", ".csv", ".txt", ".tsv") or b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ProviderFileError(f"{name} is not a CSV or Parquet file.", _SAVE_AS_CSV)
    frame = _parse_csv(_decode_utf8(data, name), name)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, 2, "row"


def _key_column(frame: pd.DataFrame, name: str) -> tuple[str, str]:
    """(column name as written, 'domain' | 'email'); 'domain' wins when both are present."""
    lowered = {c.lower(): c for c in frame.columns}
    for kind in ("domain", "email"):
        if kind in lowered:
            return lowered[kind], kind
    raise ProviderFileError(
        f"{name} has no 'domain' or 'email' column (columns found: {', '.join(map(str, frame.columns)) or 'none'}).",
        "Add a column named 'domain' (company data) or 'email' (person data) holding the match key.",
    )


def _text(values: pd.Series) -> pd.Series:
    """A column as stripped strings with blanks as <NA>."""
    text = values.astype(STRING).str.strip()
    return text.mask(text.eq(""))


def _normalise_keys(keys: pd.Series, kind: str) -> tuple[pd.Series, pd.Series]:
    """(normalised key per row, problem per row) computed once per unique value."""
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    if kind == "email":
        results = [normalise_email(u) for u in uniques]
        norm, problems = [r[0] for r in results], [r[2] for r in results]
    else:
        results = [normalise_domain(u) for u in uniques]
        norm, problems = [r[0] for r in results], [r[1] for r in results]
    norm_arr = np.array(norm + [None], dtype=object)[codes]
    prob_arr = np.array(problems + ["blank"], dtype=object)[codes]
    return pd.Series(norm_arr, index=keys.index, dtype=STRING), pd.Series(prob_arr, index=keys.index, dtype=STRING)


def _parse_numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(numbers, mask of unparseable cells): plain numbers, '1,200', '$5,000,000.50'; blanks are missing."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("Float64"), pd.Series(False, index=values.index)
    text = _text(values)
    ok = text.str.match(_NUMBER.pattern).fillna(True).astype(bool)
    cleaned = text.where(ok).str.replace(r"[$€£,\s]", "", regex=True)
    return pd.to_numeric(cleaned, errors="coerce"), ~ok


def load_first_party(source: str | Path | bytes | BinaryIO, filename: str | None = None) -> tuple[pd.DataFrame, str]:
    """Read and check an operator's file: (attributes indexed by normalised key, 'domain' | 'email').

    Raises ProviderFileError naming the rows concerned for a wrong encoding, a missing key column,
    blank, invalid or duplicate keys, unparseable numbers, an empty file, or a file that is not CSV
    or Parquet. Several data problems are reported together in one error.
    """
    data, name = _read_source(source, filename)
    frame, first_row, unit = read_table(data, name)
    if frame.empty and len(frame.columns):
        raise ProviderFileError(f"{name} has a header but no data rows.", "Add one row per company or person.")
    if frame.empty:
        raise ProviderFileError(f"{name} is empty.", _SAVE_AS_CSV)
    key_col, kind = _key_column(frame, name)
    row_of = pd.Series(np.arange(len(frame)) + first_row, index=frame.index)
    keys, problems = _normalise_keys(_text(frame[key_col]), kind)
    found: list[tuple[str, str, list[int]]] = []
    details: list[tuple[int, str]] = []

    blank = keys.isna() & problems.eq("blank").fillna(False)
    if blank.any():
        rows = row_of[blank].tolist()
        found.append((f"No {key_col} on {_rows(unit, rows)}.",
                      f"Fill in the {key_col} or delete those {unit}s.", rows))
        details += [(r, f"no {key_col}") for r in rows]
    invalid = keys.isna() & ~blank
    if invalid.any():
        rows = row_of[invalid].tolist()
        examples = "; ".join(f"{unit} {r}: {p}" for r, p in zip(rows[:5], problems[invalid].tolist()[:5], strict=False))
        found.append((f"Invalid {key_col} on {_rows(unit, rows)}: {examples}.",
                      f"Correct the {key_col} values (a domain like acme.com, or an address like jane@acme.com).", rows))
        details += [(r, f"invalid {key_col}: {p}") for r, p in zip(rows, problems[invalid].tolist(), strict=True)]
    dup = keys.notna() & keys.duplicated(keep=False)
    if dup.any():
        groups = row_of[dup].groupby(keys[dup], sort=True).apply(list)
        listing = "; ".join(f"{k} on {_rows(unit, v)}" for k, v in list(groups.items())[:10])
        rows = sorted(row_of[dup].tolist())
        found.append((f"Duplicate {key_col} (after normalising): {listing}.",
                      "Keep one row per key: merge or delete the duplicates.", rows))
        details += [(r, f"duplicate {key_col} {k}") for r, k in zip(row_of[dup].tolist(), keys[dup].tolist(), strict=True)]

    attributes: dict[str, pd.Series] = {}
    for column in frame.columns:
        if column == key_col:
            continue
        if is_numeric_path(column):
            numbers, bad = _parse_numbers(frame[column])
            if bad.any():
                rows = row_of[bad].tolist()
                samples = ", ".join(repr(v) for v in frame[column][bad].head(3).tolist())
                found.append((f"Column {column} must hold numbers; not a number on {_rows(unit, rows)} ({samples}).",
                              f"Write plain numbers in {column} (for example 1200 or 1,200), or leave the cell empty.", rows))
                details += [(r, f"{column}: {v!r} is not a number") for r, v in zip(rows, frame[column][bad].tolist(), strict=True)]
            attributes[column] = numbers
        elif column in LIST_PATHS and not frame[column].map(lambda v: isinstance(v, (list, np.ndarray))).any():
            attributes[column] = _text(frame[column]).str.split(r"\s*[;,|]\s*", regex=True)
        elif frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, (list, np.ndarray))).any():
            attributes[column] = frame[column]
        else:
            attributes[column] = _text(frame[column]) if not pd.api.types.is_numeric_dtype(frame[column].dtype) else frame[column]

    if found:
        message = "\n".join(f[0] for f in found) if len(found) > 1 else found[0][0]
        raise ProviderFileError(message, "\n".join(dict.fromkeys(f[1] for f in found)),
                                sorted(set(sum((f[2] for f in found), []))), details)
    if kind == "domain":
        attributes["domain"] = keys
    out = pd.DataFrame(attributes, index=frame.index)
    out.index = pd.Index(keys.tolist(), dtype=STRING, name="key")
    return type_frame(out), kind


class FileProvider:
    """The operator's first-party data: checked once on load, then looked up by normalised key in memory."""

    def __init__(self, source: str | Path | bytes | BinaryIO, filename: str | None = None, name: str = "file") -> None:
        """Load and check the file now, so a bad file is reported at upload time (ProviderFileError)."""
        self.name = name
        self.frame, self.key_kind = load_first_party(source, filename)
        self.unknown_columns = sorted(c for c in self.frame.columns if c not in KNOWN_PATHS)

    def lookup(self, keys: Sequence[str]) -> pd.DataFrame:
        """The rows for the given keys that the file holds (keys it lacks are absent)."""
        wanted = pd.Index(unique_keys(keys), dtype=STRING)
        return self.frame.loc[self.frame.index.intersection(wanted, sort=False)]
