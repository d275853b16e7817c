"""`python -m core sync` and `python -m core schedule --once` in subprocesses against localorg: a dry run writes
nothing and agrees with the preview, `--trigger new` writes only the Leads created since the last run, the schedule
writes only where automatic apply is on, and a viewer is refused."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from core import engine
from tests.fixtures.writer import WRITER, SaveLog

ROOT = Path(__file__).resolve().parents[2]
PATCH = "PATCH /services/data/vXX.X/composite/sobjects"


def cli(base: Path, *args: str, operators: str = "olivia") -> subprocess.CompletedProcess[str]:
    """`python -m core ARGS` as the login user "olivia", with CONSOLE_OPERATORS naming `operators`."""
    env = {k: v for k, v in os.environ.items() if k not in ("CONSOLE_SECRET_KEY", "CONSOLE_ROLE")}
    env.update(CONSOLE_DATA_DIR=str(base), USER="olivia", CONSOLE_OPERATORS=operators)
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)


def _patches(org: Any) -> int:
    return sum(n for k, n in org.counters().items() if k.startswith(PATCH))


def _a_manual_run(base: Path) -> None:
    """One cell written from the preview (as the Preview page would): the `last run` new Leads count from."""
    cells = engine.approved_cells(engine.preview("demo", "Lead", base=base).preview)
    run = engine.apply("demo", "Lead", cells.iloc[:1], actor=WRITER, base=base)
    assert run.state == "done" and run.counts["written"] == 1


def _new_leads(base: Path, org: Any, count: int) -> list[str]:
    """Leads created now by the integration user, with the Website of a Lead the source has data for."""
    result = engine.preview("demo", "Lead", base=base).preview
    matched = result.records[result.records["match"] == "matched"]
    record = org.org.store.get("Lead", str(matched.index[0]))
    user = org.org.as_user(org.org.user_by_username("integration@demo.test").id)
    return [user.create("Lead", {"LastName": f"Newcomer {i}", "Company": record["Company"],
                                 "Website": record["Website"]}) for i in range(count)]


def test_given_the_demo_org_when_a_dry_run_syncs_then_nothing_is_written_and_counts_match_the_preview(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    expected = engine.preview("demo", "Lead", base=base).preview
    org.reset_counters()

    done = cli(base, "sync", "--connection", "demo", "--object", "Lead", "--trigger", "backfill", "--json")

    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["verdicts"] == expected.verdict_counts() and shown["records"] == len(expected.records)
    fills = engine.approved_cells(expected)
    assert (shown["cost"]["records"], shown["cost"]["write_calls"]) == engine.write_cost(fills)[:2]
    assert _patches(org) == 0
    [run] = engine.runs(connection="demo", base=base)
    assert run.dry_run and run.state == "done" and run.trigger == "backfill" and run.cells == 0
    text = cli(base, "sync", "--connection", "demo", "--object", "Lead", "--trigger", "backfill")
    assert text.returncode == 0 and f"fill {expected.verdict_counts()['fill']:,}" in text.stdout
    assert "API calls" in text.stdout and _patches(org) == 0


def test_given_new_leads_after_a_run_when_sync_new_applies_then_only_those_are_written(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    _a_manual_run(base)
    fresh = _new_leads(base, org, 3)
    saves = SaveLog(org, ["Industry"])

    done = cli(base, "sync", "--connection", "demo", "--object", "Lead", "--trigger", "new", "--apply", "--json")

    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["records"] == 3 and shown["run"]["trigger"] == "new" and shown["run"]["state"] == "done"
    rows = engine.log_rows(run_id=shown["run"]["id"], base=base)
    final = rows[rows["outcome"] != "pending"]
    assert set(final["record_id"]) == set(fresh) and set(final["outcome"]) == {"written"}
    assert {rid for rid, _ in saves.saves} == set(fresh)
    again = cli(base, "sync", "--connection", "demo", "--object", "Lead", "--trigger", "new", "--apply", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["verdicts"]["fill"] == 0 and json.loads(again.stdout)["run"] is None
    assert len(saves.saves) == len(fresh)  # one save per new record: nothing is written twice


def test_given_auto_apply_off_then_on_when_the_schedule_runs_once_then_it_writes_only_when_on(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    _a_manual_run(base)
    fresh = _new_leads(base, org, 2)
    org.reset_counters()

    off = cli(base, "schedule", "--once", "--connection", "demo", "--object", "Lead")

    assert off.returncode == 0, off.stderr
    assert "demo/Lead (auto-apply off): previewed" in off.stdout and _patches(org) == 0
    assert engine.runs(connection="demo", base=base)[0].dry_run
    switched = cli(base, "schedule", "--auto-apply", "demo", "Lead", "on")
    assert switched.returncode == 0, switched.stderr
    assert engine.auto_apply_settings(base=base) == {("demo", "Lead"): True}

    on = cli(base, "schedule", "--once", "--connection", "demo", "--object", "Lead", "--json")

    assert on.returncode == 0, on.stderr
    [item] = json.loads(on.stdout)
    assert (item["action"], item["result"]["run"]["trigger"]) == ("applied", "scheduled")
    assert _patches(org) >= 1
    written = engine.log_rows(run_id=item["result"]["run"]["id"], outcome="written", base=base)
    assert set(written["record_id"]) == set(fresh)
    later = cli(base, "schedule", "--once", "--connection", "demo", "--object", "Lead", "--json")
    assert json.loads(later.stdout)[0]["action"] == "not_due"  # the next round is 4 hours away


def test_given_a_viewer_when_sync_applies_or_switches_auto_apply_then_refused_with_77_and_nothing_written(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    engine.preview("demo", "Lead", base=base)
    org.reset_counters()

    refused = cli(base, "sync", "--connection", "demo", "--object", "Lead", "--trigger", "backfill", "--apply",
                  operators="someone.else")
    switch = cli(base, "schedule", "--auto-apply", "demo", "Lead", "on", operators="someone.else")

    assert refused.returncode == 77 and "operator" in refused.stderr and "fix:" in refused.stderr
    assert switch.returncode == 77 and engine.auto_apply_settings(base=base) == {}
    assert _patches(org) == 0
    bad = cli(base, "sync", "--connection", "nope", "--object", "Lead")
    assert bad.returncode == 2 and "error:" in bad.stderr and "fix:" in bad.stderr


def test_given_keys_recorded_by_an_applied_sync_when_a_website_and_an_email_change_then_changed_covers_only_them(
        writer_org: tuple[Path, Any]) -> None:
    base, org = writer_org
    _a_manual_run(base)
    first = engine.sync("demo", "Lead", trigger="new", apply=True, actor=WRITER, base=base)
    assert first.records == 0 and first.run is None  # nothing new since the manual run: keys recorded, nothing sent
    records = engine.preview("demo", "Lead", base=base).preview.records
    with_key = [str(i) for i in records.index[records["key"].notna()][:2]]
    org.edit_as("admin@demo.test", "Lead", with_key[0], {"Website": "https://www.moved-elsewhere.example"})
    org.edit_as("admin@demo.test", "Lead", with_key[1], {"Email": "someone@new-employer.example"})
    org.edit_as("admin@demo.test", "Lead", str(records.index[5]), {"Title": "Not a key change"})
    engine.snapshot("demo", "Lead", actor=WRITER, refresh=True, base=base)

    changed = engine.sync("demo", "Lead", trigger="changed", base=base)

    assert changed.dry_run and changed.records == 2 and changed.run is not None and changed.run.dry_run
    refresh = engine.sync("demo", "Lead", trigger="refresh", base=base)
    assert refresh.records == 0  # the only write is minutes old
