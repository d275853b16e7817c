"""The shared snapshot against localorg: API calls counted by the org, REST and Bulk 2.0, incremental refresh,
a refresh that fails half way, Bulk unavailable, fields that change, and viewers refused in core."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core import engine, settings
from core.errors import NotAllowed
from core.sync import snapshot as snapshots
from core.sync.snapshot_pull import PullOptions

OPERATOR = engine.Actor("test operator")
VIEWER = engine.Actor("test viewer")  # a viewer where CONSOLE_OPERATORS names others


def api_calls(handle: Any) -> int:
    """Data API calls localorg counted (the demo org's liveness probe on the login URL is not one)."""
    return sum(n for key, n in handle.counters().items() if "/services/data/" in key)


@pytest.fixture
def connected(demo_org: Any, console_data_dir: Path) -> Any:
    """The demo org connected as `demo` (integration user), its Lead and Account describes already cached."""
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    engine.describe("demo", "Lead")
    engine.describe("demo", "Account")
    demo_org.reset_counters()
    return demo_org


def test_given_an_object_under_the_threshold_when_pulled_then_one_count_and_rest_pages_and_localorg_agrees(
        connected: Any) -> None:
    snap = engine.snapshot("demo", "Lead")
    assert snap.kind == "full" and snap.method == "REST" and snap.available
    assert snap.api_calls == math.ceil(snap.records / 2000) + 1 == api_calls(connected)
    frame = engine.snapshot_frame(snap)
    assert len(frame) == snap.records and frame.index.is_unique and frame.index.name == "Id"
    assert {"Company", "Email", "Website", "OwnerId", "CreatedDate", "SystemModstamp", "Industry"} <= set(frame.columns)
    connected.reset_counters()
    again = engine.snapshot("demo", "Lead")
    assert api_calls(connected) == 0 and again.fetched_at == snap.fetched_at  # a read within 4 h costs nothing


def test_given_an_object_over_the_threshold_when_pulled_then_bulk_pages_hold_the_same_records_as_rest(
        connected: Any, monkeypatch: pytest.MonkeyPatch, console_data_dir: Path) -> None:
    rest = engine.snapshot("demo", "Lead")
    client = engine.open_client("demo")
    fields = dict(rest.fields)
    connected.reset_counters()
    policy = snapshots.Policy(pull=PullOptions(bulk_threshold=1000, bulk_page=1500, bulk_first_poll=0.05))
    bulk = snapshots.get(console_data_dir, "bulk", "Lead", list(fields), lambda: client, lambda: fields, policy=policy)
    pages = math.ceil(bulk.records / 1500)
    counted = connected.counters()
    assert bulk.method == "Bulk" and bulk.records == rest.records
    assert counted["POST /services/data/vXX.X/jobs/query"] == 1
    assert counted["GET /services/data/vXX.X/jobs/query/{id}/results"] == pages
    polls = counted["GET /services/data/vXX.X/jobs/query/{id}"]
    assert bulk.api_calls == api_calls(connected) == 1 + 1 + polls + pages  # COUNT + create + polls + pages
    by_bulk = snapshots.frame(console_data_dir, bulk).sort_index()
    by_rest = engine.snapshot_frame(rest).sort_index()
    pd.testing.assert_frame_equal(by_bulk, by_rest)


def test_given_bulk_refused_for_the_user_when_pulled_then_it_reads_over_rest_and_says_so(
        connected: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_SNAPSHOT_BULK_THRESHOLD", "1000")
    connected.faults.add(method="POST", path=r"/jobs/query$", status=400, error_code="FEATURENOTENABLED",
                         message="Bulk API is not enabled for this organization")
    snap = engine.snapshot("demo", "Account")
    assert snap.method == "REST" and snap.failure is None and snap.records > 1000
    assert any("Bulk API 2.0 is not available" in note and "FEATURENOTENABLED" in note for note in snap.notes)
    assert snap.api_calls == api_calls(connected) == 1 + 1 + math.ceil(snap.records / 2000)


def test_given_changes_and_a_deletion_when_refreshed_then_only_changed_records_are_read_and_the_deleted_one_goes(
        connected: Any, monkeypatch: pytest.MonkeyPatch, sf_client: Any) -> None:
    first = engine.snapshot("demo", "Lead")
    before = engine.snapshot_frame(first)
    changed, gone = list(before.index[10:13]), str(before.index[20])
    for record_id in changed:
        connected.edit_as("integration@demo.test", "Lead", record_id, {"Title": "Chief Snapshot Officer"})
    sf_client(connected, "integration@demo.test").Lead.delete(gone)
    connected.reset_counters()
    monkeypatch.setenv("CONSOLE_SNAPSHOT_HOURS", "0")  # every read is due
    second = engine.snapshot("demo", "Lead")
    assert second.kind == "incremental" and second.pulls == 2
    assert second.changed >= 3 and second.changed < 20 and second.deleted == 1
    assert second.api_calls == api_calls(connected) == math.ceil(second.changed / 2000) + 2
    after = engine.snapshot_frame(second)
    assert gone not in after.index and len(after) == len(before) - 1
    assert (after.loc[changed, "Title"] == "Chief Snapshot Officer").all()
    untouched = before.index[30:40]
    pd.testing.assert_frame_equal(after.loc[untouched], before.loc[untouched])


def test_given_a_newly_mapped_field_when_read_then_a_full_pull_brings_it_in(connected: Any) -> None:
    first = engine.snapshot("demo", "Lead")
    assert "Rating" not in first.field_names
    plan = engine.mapping("demo", "Lead")[0]
    doc = engine.parse_mapping(plan.to_json().replace('"fields": [', '"fields": [\n{"attribute": "type", "field": "Rating"},'))
    engine.save_mapping("demo", "Lead", doc, actor=OPERATOR)
    second = engine.snapshot("demo", "Lead")
    assert second.pulls == 2 and second.kind == "full" and "Rating" in second.field_names
    assert engine.snapshot_frame(second)["Rating"].notna().any()


def test_given_a_refresh_failing_half_way_then_the_previous_snapshot_stays_with_why_and_the_next_one_succeeds(
        connected: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_SNAPSHOT_FULL_HOURS", "0")  # every refresh is a full pull (three pages of Leads)
    good = engine.snapshot("demo", "Lead")
    assert good.records > 4000
    connected.faults.add(method="GET", path=r"/query/.", status=503, error_code="SERVER_UNAVAILABLE",
                         message="Service temporarily unavailable (injected fault)")
    failed = engine.snapshot("demo", "Lead", actor=OPERATOR, refresh=True)
    assert failed.failure is not None and "temporarily unavailable" in failed.failure.message
    assert failed.failure.fix and failed.failure.retry_at > failed.failure.at
    assert (failed.file, failed.fetched_at, failed.records) == (good.file, good.fetched_at, good.records)
    assert len(engine.snapshot_frame(failed)) == good.records  # the previous records are still read
    assert engine.snapshot_status("demo", "Lead").failure == failed.failure
    assert engine.snapshot("demo", "Lead").failure == failed.failure  # no retry before its time
    fixed = engine.snapshot("demo", "Lead", actor=OPERATOR, refresh=True)
    assert fixed.failure is None and fixed.pulls == good.pulls + 1 and fixed.records == good.records
    assert fixed.kind == "full"  # CONSOLE_SNAPSHOT_FULL_HOURS=0: the daily full pull is due every time
    folder = snapshots.directory(settings.data_dir(), "demo", "Lead")
    assert not list(folder.glob(".*part")) and not list(folder.glob("*.delta"))


def test_given_a_viewer_when_refreshing_or_changing_the_source_in_core_then_refused_and_nothing_changes(
        connected: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_OPERATORS", "test operator,ops@example.com")
    engine.snapshot("demo", "Account")
    connected.reset_counters()
    with pytest.raises(NotAllowed):
        engine.snapshot("demo", "Account", actor=VIEWER, refresh=True)
    with pytest.raises(NotAllowed):
        engine.snapshot("demo", "Account", refresh=True)  # no actor is no operator
    with pytest.raises(NotAllowed):
        engine.use_file_source("demo", b"domain,name\nacme.com,Acme\n", "acme.csv", actor=VIEWER)
    with pytest.raises(NotAllowed):
        engine.use_http_source("demo", url_template="https://api.example.com/c?domain={domain}", api_key="k" * 20,
                               actor=VIEWER)
    with pytest.raises(NotAllowed):
        engine.use_demo_source("demo", actor=VIEWER)
    assert api_calls(connected) == 0
    assert engine.enrichment_source("demo").kind == "demo" and engine.enrichment_source("demo").updated_by is None
