"""AppTest: the Overview shows the org's record totals and how full each mapped field is, counted by Salesforce
(issue 15, item 5) — from the org's own answers, without pulling a snapshot, and without a call on the next view."""
from __future__ import annotations

from typing import Any

import pytest

from core import engine
from tests.fixtures.app import shown

OPERATOR = engine.Actor("test operator")


def data_calls(handle: Any) -> dict[str, int]:
    return {key: n for key, n in handle.counters().items() if "/services/data/" in key}


def _frames(at: Any) -> list[Any]:
    return [d.value for d in at.dataframe]


def test_given_no_snapshot_when_overview_opens_then_totals_and_fill_rates_come_from_counts_alone(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console("pages/overview.py")
    at.run()
    assert not at.exception
    frames = _frames(at)
    snapshots = next(f for f in frames if "in org" in f.columns).set_index("object")
    assert snapshots["records"].eq("—").all()  # nothing pulled ...
    assert snapshots.loc["Lead", "in org"] == len(demo_org.org.store.rows("Lead")) > 0  # ... yet the org's totals
    fills = [f for f in frames if "fill rate" in f.columns]
    assert len(fills) == len(engine.SNAPSHOT_OBJECTS)
    lead = fills[list(engine.SNAPSHOT_OBJECTS).index("Lead")].set_index("field")
    counted = engine.field_fill("demo", "Lead")
    assert lead["filled"].to_dict() == counted.filled and 0 < lead.loc["Industry", "fill rate"] < 1
    assert any("Description — a textarea field, which Salesforce can neither count nor filter" in shown(c.value)
               for c in at.caption)
    assert engine.snapshot_status("demo", "Lead") is None  # no records were pulled to say this
    demo_org.reset_counters()
    at.run()
    assert not at.exception and data_calls(demo_org) == {}, "a second view is answered from the shared cache"


def test_given_an_operator_when_count_again_is_pressed_then_the_org_is_asked_anew(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console("pages/overview.py")
    at.run()
    demo_org.reset_counters()
    next(b for b in at.button if b.label == "Count again").click()
    at.run()
    assert not at.exception
    calls = data_calls(demo_org)
    assert sum(calls.get(f"{verb} /services/data/vXX.X/{path}", 0) for verb, path in
               (("GET", "query"), ("POST", "composite"))) == len(engine.SNAPSHOT_OBJECTS)  # one call per object
    assert calls.get("GET /services/data/vXX.X/limits/recordCount") == 1


def test_given_a_user_without_view_setup_when_overview_opens_then_it_says_why_totals_are_missing(
        console: Any, demo_org: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    engine.connect_password_demo("auditor@demo.test", actor=OPERATOR)
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    at = console("pages/overview.py")
    at.run()
    assert not at.exception
    snapshots = next(f for f in _frames(at) if "in org" in f.columns)
    assert snapshots["in org"].isna().all()
    assert any("Records in the org are not known" in c.value and "View Setup" in c.value for c in at.caption)
    assert next(b for b in at.button if b.label == "Count again").disabled


def test_given_the_daily_limit_reached_when_overview_counts_then_each_object_says_why_and_the_page_stands(
        console: Any, demo_org: Any) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    for verb, path in (("POST", r"/composite$"), ("GET", r"/query")):
        demo_org.faults.add(method=verb, path=path, status=403, error_code="REQUEST_LIMIT_EXCEEDED",
                            message="TotalRequests Limit exceeded.", times=100)
    at = console("pages/overview.py")
    at.run()
    assert not at.exception
    said = [shown(w.value) for w in at.warning if w.value.startswith(engine.SNAPSHOT_OBJECTS)]
    assert len(said) == len(engine.SNAPSHOT_OBJECTS) and all("daily API request limit" in s and "Fix:" in s for s in said)
    assert not [f for f in _frames(at) if "fill rate" in f.columns]


def test_given_a_health_check_when_overview_shows_it_then_its_time_reads_as_an_age_and_a_utc_clock(
        console: Any, demo_org: Any) -> None:
    import re

    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    at = console("pages/overview.py")
    at.run()
    said = [shown(c.value) for c in at.caption if c.value.startswith("Checked ")]
    assert said and re.fullmatch(r"Checked [\d\w ]+ ago \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)\.", said[0]), said
