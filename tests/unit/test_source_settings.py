"""The enrichment source per connection: an HTTP API whose key is sealed and never shown again, a first-party file
checked before it is kept (row errors as a table, nothing changed), and Try it against each."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core import engine
from core.errors import BadInput
from tests.unit.test_providers_http import SECRET, EnrichmentServer

OPERATOR = engine.Actor("ops@example.com")


@pytest.fixture
def server() -> Iterator[EnrichmentServer]:
    srv = EnrichmentServer()
    srv.thread.start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def test_given_an_http_source_when_saved_and_tried_then_the_key_travels_sealed_and_is_shown_only_as_a_hint(
        tmp_path: Path, server: EnrichmentServer) -> None:
    chosen = engine.use_http_source("demo", url_template=server.url, api_key=SECRET, rate_per_minute=120,
                                    actor=OPERATOR, base=tmp_path)
    assert chosen.kind == "http" and chosen.key_hint == "••••-key" and chosen.rate_per_minute == 120
    assert SECRET not in repr(chosen) and SECRET not in repr(engine.enrichment_source("demo", base=tmp_path))
    found = engine.try_source("demo", "https://www.acme.com/pricing", base=tmp_path)
    assert dict(zip(found["attribute"], found["value"], strict=True))["name"] == "Acme" and set(found["key"]) == {"acme.com"}
    assert server.auth_headers == [f"Bearer {SECRET}"] and all(SECRET not in p for p in server.paths)
    assert SECRET.encode() not in (tmp_path / "console.sqlite3").read_bytes()
    kept = engine.use_http_source("demo", url_template=server.url, api_key=None, rate_per_minute=60, actor=OPERATOR,
                                  base=tmp_path)  # an empty key field keeps the saved key
    assert kept.key_hint == "••••-key" and kept.rate_per_minute == 60
    with pytest.raises(BadInput, match="not usable"):
        engine.use_http_source("demo", url_template="https://api.example.com/find?key=" + SECRET, api_key="x" * 12,
                               actor=OPERATOR, base=tmp_path)
    assert engine.enrichment_source("demo", base=tmp_path).rate_per_minute == 60  # nothing changed


def test_given_a_file_with_bad_rows_when_chosen_then_a_table_of_rows_and_the_previous_source_stays(
        tmp_path: Path) -> None:
    bad = b"domain,metrics.employees\nacme.com,250\n,3\nnot a domain,4\nACME.com,lots\n"
    with pytest.raises(engine.SourceFileError) as caught:
        engine.use_file_source("demo", bad, "firms.csv", actor=OPERATOR, base=tmp_path)
    problems = caught.value.problems
    assert list(problems.columns) == ["row", "problem"]
    assert list(problems["row"]) == [2, 3, 4, 5, 5]
    assert "metrics.employees: 'lots' is not a number" in set(problems["problem"])
    assert "duplicate domain acme.com" in set(problems["problem"]) and caught.value.fix
    assert engine.enrichment_source("demo", base=tmp_path).kind == "demo"
    assert not (tmp_path / "sources").exists() or not any((tmp_path / "sources").rglob("*.csv"))


def test_given_a_good_file_when_chosen_then_it_is_kept_in_the_data_dir_and_try_it_reads_it(tmp_path: Path) -> None:
    good = b"domain,name,metrics.employees\nacme.com,Acme Inc,250\nglobex.com,Globex,12\n"
    chosen = engine.use_file_source("demo", good, "firms.csv", actor=OPERATOR, base=tmp_path)
    assert (chosen.kind, chosen.file_name, chosen.file_rows, chosen.key_kind) == ("file", "firms.csv", 2, "domain")
    kept = list((tmp_path / "sources").rglob("*.csv"))
    assert len(kept) == 1 and kept[0].read_bytes() == good
    found = engine.try_source("demo", "jane@globex.com", base=tmp_path)
    assert dict(zip(found["attribute"], found["value"], strict=True))["metrics.employees"] == "12"
    assert engine.try_source("demo", "nobody.com", base=tmp_path).empty
    with pytest.raises(BadInput, match="not a usable domain"):
        engine.try_source("demo", "not a domain", base=tmp_path)
