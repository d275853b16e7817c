"""Counts the org answers itself (issue 15, item 5): the fill rate of every mapped field from one aggregate query and
the record totals from /limits/recordCount — checked against localorg's own records over HTTPS, calls counted."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from core import engine
from core.errors import ConsoleError
from core.sync import org_counts

OPERATOR = engine.Actor("test operator")


def data_calls(handle: Any) -> dict[str, int]:
    return {key: n for key, n in handle.counters().items() if "/services/data/" in key}


@pytest.fixture
def connected(demo_org: Any, console_data_dir: Path) -> Any:
    """The demo org connected as `demo` (integration user: Lead sharing is private to it, View Setup granted)."""
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    engine.describe("demo", "Lead")
    demo_org.reset_counters()
    return demo_org


def test_given_a_mapping_when_fill_is_counted_then_one_query_answers_what_the_snapshot_holds(connected: Any) -> None:
    counts = engine.field_fill("demo", "Lead")
    assert data_calls(connected) == {"POST /services/data/vXX.X/composite": 1}  # Street needs a filter: one batch
    frame = engine.snapshot_frame(engine.snapshot("demo", "Lead"))
    assert counts.visible == len(frame)
    expected = {field: int(frame[field].notna().sum()) for field in counts.filled}
    assert counts.filled == expected
    assert 0 < min(expected.values()) and min(expected.values()) < max(expected.values()) <= len(frame)
    # Street (a 255-character text area) is counted by a filter; Description (32,000) can be neither: said so.
    assert "Street" in counts.filled and list(counts.skipped) == ["Description"]
    assert "can neither count nor filter" in counts.skipped["Description"]
    table = counts.frame()
    assert list(table["field"]) == list(counts.filled)
    row = table.set_index("field").loc["Industry"]
    assert row["filled"] + row["blank"] == counts.visible
    assert row["fill rate"] == pytest.approx(expected["Industry"] / len(frame))


def test_given_fill_counted_when_asked_again_then_the_cache_answers_until_a_write(connected: Any) -> None:
    first = engine.field_fill("demo", "Lead")
    connected.reset_counters()
    assert engine.field_fill("demo", "Lead") == first and data_calls(connected) == {}
    frame = engine.snapshot_frame(engine.snapshot("demo", "Lead"), columns=["Industry"])
    blank = frame.index[frame["Industry"].isna()][0]
    engine.open_client("demo").update_record("Lead", blank, {"Industry": "Banking"})
    engine.after_write("demo", "Lead", actor=OPERATOR)
    connected.reset_counters()
    after = engine.field_fill("demo", "Lead")
    assert data_calls(connected) == {"POST /services/data/vXX.X/composite": 1}
    assert after.filled["Industry"] == first.filled["Industry"] + 1


def test_given_a_changed_mapping_when_fill_is_asked_then_it_counts_the_new_fields(connected: Any) -> None:
    engine.field_fill("demo", "Lead")
    plan = engine.parse_mapping('{"version": 1, "sobject": "Lead", "fields": '
                                '[{"field": "Industry", "attribute": "industry"}]}', "Lead")
    engine.save_mapping("demo", "Lead", plan, actor=OPERATOR)
    connected.reset_counters()
    assert list(engine.field_fill("demo", "Lead").filled) == ["Industry"]
    assert data_calls(connected) == {"GET /services/data/vXX.X/query": 1}


def test_given_view_setup_when_totals_are_read_then_one_call_gives_every_record_whatever_the_sharing(
        connected: Any) -> None:
    totals = engine.record_totals("demo")
    assert data_calls(connected) == {"GET /services/data/vXX.X/limits/recordCount": 1}
    assert set(totals) == set(engine.SNAPSHOT_OBJECTS)
    client = engine.open_client("demo")  # the integration user sees fewer Leads than the org holds (private sharing)
    assert totals["Lead"] == len(connected.org.store.rows("Lead")) > engine.field_fill("demo", "Lead").visible
    assert totals["Account"] == len(connected.org.store.rows("Account")) > 0
    connected.reset_counters()
    assert engine.record_totals("demo") == totals and data_calls(connected) == {}
    assert client.record_counts(["Lead"]) == {"Lead": totals["Lead"]}


def test_given_no_view_setup_when_totals_are_read_then_the_refusal_says_what_to_grant(
        demo_org: Any, console_data_dir: Path) -> None:
    engine.connect_password_demo("auditor@demo.test", actor=OPERATOR)
    name = engine.connections()[0].name
    demo_org.reset_counters()
    with pytest.raises(ConsoleError) as refused:
        engine.record_totals(name)
    assert "View Setup" in refused.value.message + refused.value.fix
    assert data_calls(demo_org) == {"GET /services/data/vXX.X/limits/recordCount": 1}
    with pytest.raises(ConsoleError) as again:  # the refusal is kept a while: no call spent on every view
        engine.record_totals(name)
    assert (again.value.message, again.value.fix) == (refused.value.message, refused.value.fix)
    assert data_calls(demo_org) == {"GET /services/data/vXX.X/limits/recordCount": 1}


def test_given_unknown_and_text_area_fields_when_chosen_then_only_countable_ones_reach_the_query() -> None:
    streets = [{"name": f"Street{i}", "type": "textarea", "aggregatable": False, "filterable": True} for i in range(5)]
    describe = {"fields": [{"name": "Industry", "type": "picklist", "aggregatable": True},
                          {"name": "Description", "type": "textarea", "aggregatable": False, "filterable": False},
                          *streets]}
    kept, filtered, skipped = org_counts.countable(
        describe, ("Industry", "Description", "Secret__c", "Industry", *(f["name"] for f in streets)))
    assert kept == ["Industry"] and filtered == ["Street0", "Street1", "Street2", "Street3"]
    assert set(skipped) == {"Description", "Secret__c", "Street4"} and "one API call" in skipped["Street4"]
    assert org_counts.fill_query("Lead", kept) == "SELECT COUNT(Id), COUNT(Industry) FROM Lead"
    empty = org_counts.FillCounts("Lead", 0, {"Industry": 0}).frame()
    assert empty["fill rate"].tolist() == [0.0] and empty["blank"].tolist() == [0]
    pd.testing.assert_series_equal(empty["filled"], pd.Series([0], name="filled"))
