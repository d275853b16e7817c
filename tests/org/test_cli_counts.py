"""`python -m core counts CONNECTION` in subprocesses against localorg: the org's record totals and how full each
mapped field is, counted by Salesforce without a snapshot, checked against localorg's own records; a user without
View Setup gets the fill counts and the reason the totals are missing."""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from core import engine
from tests.org.test_cli_output import cli
from tests.org.test_org_counts import OPERATOR, data_calls


@pytest.fixture
def connected(demo_org: Any, console_data_dir: Path) -> Any:
    """The demo org connected as `demo` (the integration user: private Lead sharing, View Setup granted)."""
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    demo_org.reset_counters()
    return demo_org


def test_given_the_integration_user_when_counted_then_totals_and_fill_per_object_in_four_calls(
        connected: Any, console_data_dir: Path) -> None:
    done = cli(console_data_dir, "counts", "demo", "--json")

    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    store = connected.org.store
    assert shown["totals"] == {o: len(store.rows(o)) for o in engine.SNAPSHOT_OBJECTS} and shown["totals_error"] is None
    assert list(shown["objects"]) == list(engine.SNAPSHOT_OBJECTS)
    calls = data_calls(connected)
    assert calls.pop("GET /services/data/vXX.X/limits/recordCount") == 1
    assert sum(n for key, n in calls.items() if "/describe" not in key) == 3  # one count per object
    lead = shown["objects"]["Lead"]
    frame = engine.snapshot_frame(engine.snapshot("demo", "Lead"))
    assert lead["visible"] == len(frame) < lead["in_org"] == len(store.rows("Lead"))  # sharing hides some Leads
    industry = next(f for f in lead["fields"] if f["field"] == "Industry")
    assert industry["filled"] == int(frame["Industry"].notna().sum())
    assert industry["filled"] + industry["blank"] == len(frame)
    assert industry["fill_rate"] == pytest.approx(industry["filled"] / len(frame))
    assert "can neither count nor filter" in lead["skipped"]["Description"]

    text = cli(console_data_dir, "counts", "demo", "--object", "Lead")

    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    totals = shown["totals"]
    assert lines[0] == ("Records in the org (every record, whatever the sharing): "
                        f"Account {totals['Account']:,} · Lead {totals['Lead']:,} · Contact {totals['Contact']:,}")
    assert re.fullmatch(rf"Lead: {len(frame):,} of the org's {totals['Lead']:,} records visible to "
                        r"integration@demo\.test, counted \d+ s ago; mapped fields filled:", lines[2])
    assert re.fullmatch(r"  field +filled +blank +filled %", lines[3]) and set(lines[4].strip()) <= {"-", " "}
    assert re.fullmatch(rf"  Industry +{industry['filled']:,} +{industry['blank']:,} +"
                        rf"{industry['fill_rate']:.1%}", next(line for line in lines if "Industry" in line))
    assert lines[-1].startswith("  not counted: Description — a textarea field")
    assert "Account:" not in text.stdout and "Contact:" not in text.stdout


def test_given_a_user_without_view_setup_when_counted_then_why_the_totals_are_missing_and_the_fill_counts(
        demo_org: Any, console_data_dir: Path) -> None:
    engine.connect_password_demo("auditor@demo.test", name="audit", actor=OPERATOR)

    done = cli(console_data_dir, "counts", "audit")

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("Records in the org: not counted — ") and "View Setup" in lines[0]
    assert lines[1].startswith("  fix: ")
    for sobject in engine.SNAPSHOT_OBJECTS:
        assert re.search(rf"^{sobject}: [\d,]+ records? visible to auditor@demo\.test, counted ", done.stdout, re.M)
    shown = json.loads(cli(console_data_dir, "counts", "audit", "--json").stdout)
    assert shown["totals"] is None and shown["totals_error"]["error"] == "FixPermission"
    assert shown["objects"]["Account"]["in_org"] is None and shown["objects"]["Account"]["visible"] > 0


def test_given_no_such_connection_when_counted_then_exit_1_with_the_fix(console_data_dir: Path) -> None:
    done = cli(console_data_dir, "counts", "nope")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == ("error: There is no connection named 'nope'.\n"
                           "fix: List them with: python -m core connections\n")
