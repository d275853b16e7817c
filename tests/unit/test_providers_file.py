"""First-party file source: good files load typed and keyed; every bad file is a clear error naming its rows."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

from core.enrich.providers import FileProvider, Provider, ProviderFileError


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _error(source: object, filename: str | None = None) -> ProviderFileError:
    with pytest.raises(ProviderFileError) as caught:
        FileProvider(source, filename=filename)  # type: ignore[arg-type]
    assert caught.value.fix, "every error carries a fix"
    return caught.value


def test_given_good_csv_when_loaded_then_keys_normalised_and_columns_typed(tmp_path: Path) -> None:
    path = _write(tmp_path, "firmo.csv", (
        b"domain,category.industry,metrics.employees,metrics.annualRevenue,metrics.employeesRange,tech\n"
        b"https://www.Acme.com/about,Software,\"1,200\",\"$5,000,000\",1K-5K,salesforce; hubspot\n"
        b"globex.co.uk,Retail,,,,\n"
    ))
    provider = FileProvider(path)
    assert isinstance(provider, Provider) and provider.key_kind == "domain"
    frame = provider.lookup(["acme.com", "globex.co.uk", "unknown.io"])
    assert list(frame.index) == ["acme.com", "globex.co.uk"]
    assert frame.loc["acme.com", "metrics.employees"] == 1200
    assert frame.loc["acme.com", "metrics.annualRevenue"] == 5_000_000
    assert str(frame["metrics.employees"].dtype) == "Int64"
    assert isinstance(frame["category.industry"].dtype, pd.StringDtype)
    assert frame.loc["acme.com", "metrics.employeesRange"] == "1K-5K", "a range band stays text"
    assert frame.loc["acme.com", "tech"] == ["salesforce", "hubspot"]
    assert pd.isna(frame.loc["globex.co.uk", "category.industry"]) is False
    assert pd.isna(frame.loc["globex.co.uk", "metrics.employees"])


def test_given_email_keyed_csv_when_loaded_then_person_data_by_email(tmp_path: Path) -> None:
    path = _write(tmp_path, "people.csv", b"Email,person.employment.title\n Jane@ACME.com ,VP Sales\n")
    provider = FileProvider(path)
    assert provider.key_kind == "email"
    assert provider.lookup(["jane@acme.com"]).loc["jane@acme.com", "person.employment.title"] == "VP Sales"


def test_given_semicolon_csv_with_bom_when_loaded_then_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "eu.csv", "\ufeffdomain;name\nacme.de;Acme GmbH\n".encode())
    assert FileProvider(path).lookup(["acme.de"]).loc["acme.de", "name"] == "Acme GmbH"


def test_given_latin1_csv_when_loaded_then_error_names_byte_offset_and_row(tmp_path: Path) -> None:
    content = "domain,name\nacme.com,Acme\nbeta.fr,Caf\u00e9 Beta\n".encode("latin-1")
    error = _error(_write(tmp_path, "latin.csv", content))
    assert content.index(b"\xe9") == 37
    assert "not UTF-8" in error.message and "byte 0xE9 at offset 37" in error.message and "row 3" in error.message
    assert "Latin-1" in error.message
    assert "UTF-8" in error.fix
    assert error.rows == [3]


def test_given_no_key_column_when_loaded_then_error_lists_columns_found(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "nokey.csv", b"website,name\nacme.com,Acme\n"))
    assert "no 'domain' or 'email' column" in error.message and "website, name" in error.message
    assert error.rows == []


def test_given_duplicate_keys_after_normalising_when_loaded_then_error_lists_rows(tmp_path: Path) -> None:
    content = b"domain,name\nacme.com,A\nbeta.com,B\nACME.COM,C\nhttps://www.acme.com/x,D\n"
    error = _error(_write(tmp_path, "dups.csv", content))
    assert "Duplicate domain" in error.message and "acme.com on rows 2, 4, 5" in error.message
    assert error.rows == [2, 4, 5]


def test_given_unparseable_numbers_when_loaded_then_error_lists_rows_and_values(tmp_path: Path) -> None:
    content = b"domain,metrics.employees,foundedYear\nacme.com,12a,1999\nbeta.com,300,nineteen\ngamma.com,1.200.000,2001\n"
    error = _error(_write(tmp_path, "nums.csv", content))
    assert "metrics.employees must hold numbers; not a number on rows 2, 4 ('12a', '1.200.000')" in error.message
    assert "foundedYear must hold numbers; not a number on row 3 ('nineteen')" in error.message
    assert error.rows == [2, 3, 4]


def test_given_blank_and_invalid_keys_when_loaded_then_both_reported_with_rows(tmp_path: Path) -> None:
    content = b"domain,name\nacme.com,A\n,B\nnot a domain,C\nlocalhost,D\n"
    error = _error(_write(tmp_path, "keys.csv", content))
    assert "No domain on row 3." in error.message
    assert "Invalid domain on rows 4, 5" in error.message
    assert error.rows == [3, 4, 5]


def test_given_empty_file_when_loaded_then_error(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "empty.csv", b""))
    assert error.message == "empty.csv is empty."


def test_given_header_only_when_loaded_then_error_says_no_data_rows(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "header.csv", b"domain,name\n"))
    assert error.message == "header.csv has a header but no data rows."


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("book.xlsx", b"PK\x03\x04\x14\x00\x06\x00rest-of-zip", "book.xlsx is a ZIP archive (an .xlsx workbook?), not CSV or Parquet."),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old.xls is an old Excel (.xls) workbook, not CSV or Parquet."),
        ("data.json", b'[{"domain": "acme.com"}]', "data.json is JSON, not CSV or Parquet."),
        ("report.pdf", b"%PDF-1.7\n...", "report.pdf is a PDF document, not CSV or Parquet."),
        ("picture.png", b"\x89PNG\r\n\x1a\n\x00\x00", "picture.png is not a CSV or Parquet file."),
        ("fake.parquet", b"domain\nacme.com\n", "fake.parquet is named like Parquet but is not a Parquet file."),
    ],
)
def test_given_not_csv_or_parquet_when_loaded_then_error(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    assert _error(_write(tmp_path, name, content)).message == expected


def test_given_damaged_parquet_when_loaded_then_error_not_crash(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "broken.parquet", b"PAR1" + b"\x00" * 40 + b"PAR1"))
    assert "not a readable Parquet file" in error.message


def test_given_malformed_csv_when_loaded_then_error_names_the_line(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, "ragged.csv", b"domain,name\nacme.com,A\nbeta.com,B,extra,more\n"))
    assert "not a well-formed CSV" in error.message and error.rows == [3]


def test_given_parquet_file_when_loaded_then_typed_and_keyed(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "domain": ["Acme.com", "beta.io"],
        "metrics.employees": [120, None],
        "category.industry": ["Software", None],
        "tech": [["stripe", "segment"], None],
    })
    path = tmp_path / "firmo.parquet"
    frame.to_parquet(path)
    loaded = FileProvider(path).lookup(["acme.com", "beta.io"])
    assert loaded.loc["acme.com", "metrics.employees"] == 120 and str(loaded["metrics.employees"].dtype) == "Int64"
    assert loaded.loc["acme.com", "tech"] == ["stripe", "segment"]
    assert pd.isna(loaded.loc["beta.io", "category.industry"])


def test_given_parquet_with_duplicate_keys_when_loaded_then_records_named(tmp_path: Path) -> None:
    path = tmp_path / "dups.parquet"
    pd.DataFrame({"domain": ["a.com", "b.com", "A.com"], "name": ["x", "y", "z"]}).to_parquet(path)
    error = _error(path)
    assert "a.com on records 1, 3" in error.message and error.rows == [1, 3]


def test_given_uploaded_file_object_when_loaded_then_same_as_path() -> None:
    upload = io.BytesIO(b"domain,name\nacme.com,Acme\n")
    upload.name = "upload.csv"
    assert FileProvider(upload).lookup(["acme.com"]).loc["acme.com", "name"] == "Acme"


def test_given_missing_path_when_loaded_then_error_not_crash(tmp_path: Path) -> None:
    assert "Cannot read" in _error(tmp_path / "nope.csv").message
