"""`python -m core snapshot | mapping | source` in subprocesses against the demo org, and the mapping linter against
the demo org's describe and against a schema loaded with --schema-dir (by the CLI, and by localorg itself)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from core import engine
from core.connect import demo
from tests.unit.test_localorg_schema import admin_describe_lead

ROOT = Path(__file__).resolve().parents[2]
OPERATOR = engine.Actor("test operator")
MAPPING = {"sobject": "Lead", "fields": [
    {"attribute": "category.industry", "field": "Tier__c", "transform": "picklist"},
    {"attribute": "metrics.employees", "field": "Score__c", "transform": "number"},
    {"attribute": "tech", "field": "Nope__c", "transform": "join"},
]}


def cli(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m core ARGS` with CONSOLE_DATA_DIR set (the demo org registered there is reused)."""
    env = {k: v for k, v in os.environ.items() if k != "CONSOLE_SECRET_KEY"}
    env["CONSOLE_DATA_DIR"] = str(data_dir)
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, input=stdin)


def _schema_dir(tmp_path: Path) -> Path:
    """A Lead describe exported as `sf sobject describe --json` writes it, with two custom fields."""
    lead = admin_describe_lead()
    lead["fields"].append({"name": "Score__c", "label": "Score", "type": "double", "precision": 7, "scale": 0,
                           "nillable": True, "createable": True, "updateable": True, "custom": True})
    lead["fields"].append({"name": "Tier__c", "label": "Tier", "type": "picklist", "length": 255, "nillable": True,
                           "createable": True, "updateable": True, "custom": True, "restrictedPicklist": True,
                           "picklistValues": [{"active": True, "label": "Gold", "value": "Gold"}]})
    folder = tmp_path / "schema"
    folder.mkdir()
    (folder / "Lead.json").write_text(json.dumps({"status": 0, "result": lead, "warnings": []}), encoding="utf-8")
    return folder


def _found(findings: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(f["level"], f["field"]) for f in findings}


@pytest.fixture
def connected(demo_org: Any, console_data_dir: Path) -> Any:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
    return demo_org


def test_given_the_cli_when_a_snapshot_is_asked_twice_then_one_pull_progress_on_stderr_and_a_summary_on_stdout(
        connected: Any, console_data_dir: Path) -> None:
    first = cli(console_data_dir, "snapshot", "--connection", "demo", "--object", "Lead")
    assert first.returncode == 0, first.stderr
    assert "Lead snapshot of 'demo':" in first.stdout and "full pull over REST" in first.stdout
    assert "of 4," in first.stderr and "records" in first.stderr  # "Lead: 2,000 of 4,316 records"
    connected.reset_counters()
    second = cli(console_data_dir, "snapshot", "--connection", "demo", "--object", "Lead", "--json")
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary["pulls"] == 1 and summary["records"] > 4000 and summary["failure"] is None
    assert summary["version"] and "Company" in summary["fields"] and second.stderr == ""
    assert not any("/services/data/" in key for key in connected.counters())


def test_given_a_refresh_failing_half_way_from_the_cli_then_exit_1_with_why_and_the_old_records_kept(
        connected: Any, console_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_SNAPSHOT_FULL_HOURS", "0")  # every refresh is a full pull, three pages of Leads
    assert engine.snapshot("demo", "Lead").available
    connected.faults.add(method="GET", path=r"/query/.", status=503, error_code="SERVER_UNAVAILABLE")
    failed = cli(console_data_dir, "snapshot", "--connection", "demo", "--object", "Lead", "--refresh")
    assert failed.returncode == 1
    assert "error: the last refresh failed" in failed.stderr and "fix:" in failed.stderr
    assert "the previous records are kept" in failed.stderr and "next try in" in failed.stderr
    assert "Lead snapshot of 'demo'" in failed.stdout  # the records still there are summarised
    again = cli(console_data_dir, "snapshot", "--connection", "demo", "--object", "Lead", "--refresh")
    assert again.returncode == 0, again.stderr


def test_given_mapping_json_when_exported_imported_and_a_broken_file_imported_then_round_trip_and_nothing_changed(
        connected: Any, console_data_dir: Path, tmp_path: Path) -> None:
    exported = cli(console_data_dir, "mapping", "export", "--connection", "demo", "--object", "Account")
    assert exported.returncode == 0 and json.loads(exported.stdout)["sobject"] == "Account"
    broken = tmp_path / "broken.json"
    broken.write_text(exported.stdout.replace('"fields": [', '"fields": [ {"attribute": "phone"},'), encoding="utf-8")
    refused = cli(console_data_dir, "mapping", "import", str(broken), "--connection", "demo", "--object", "Account")
    assert refused.returncode == 1 and "error: The mapping cannot be read: fields[0]" in refused.stderr
    assert "fix:" in refused.stderr and engine.mapping_history("demo", "Account") == []
    good = tmp_path / "good.json"
    good.write_text(exported.stdout.replace('"Phone"', '"Fax"'), encoding="utf-8")
    done = cli(console_data_dir, "mapping", "import", str(good), "--connection", "demo", "--object", "Account")
    assert done.returncode == 0, done.stderr
    assert "version 1" in done.stdout and "added Fax" in done.stdout and "removed Phone" in done.stdout
    assert [v.version for v in engine.mapping_history("demo", "Account")] == [1]


def test_given_a_schema_dir_when_linted_by_the_cli_then_errors_and_warnings_and_exit_1(tmp_path: Path) -> None:
    mapping = tmp_path / "lead.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    schema = str(_schema_dir(tmp_path))
    linted = cli(tmp_path / "data", "mapping", "lint", "--object", "Lead", "--schema-dir", schema, "--file", str(mapping),
                 "--json")
    assert linted.returncode == 1, linted.stderr
    assert _found(json.loads(linted.stdout)) == {("error", "Nope__c"), ("warning", "Tier__c")}


def test_given_localorg_started_with_the_schema_dir_when_linted_against_it_then_the_same_findings(
        tmp_path: Path, console_data_dir: Path) -> None:
    from localorg import start

    handle = start(tmp_path / "org", seed="empty", schema_dir=_schema_dir(tmp_path))
    try:
        address = demo.DemoAddress(handle.instance_url, handle.login_url, handle.ca_file, handle.client_id, os.getpid())
        demo.address_path(console_data_dir).parent.mkdir(parents=True, exist_ok=True)
        demo.address_path(console_data_dir).write_text(json.dumps(asdict(address)))
        engine.connect_password_demo("integration@demo.test", actor=OPERATOR)
        findings = engine.lint_mapping(engine.parse_mapping(json.dumps(MAPPING)), engine.describe("demo", "Lead"))
        assert _found([asdict(f) for f in findings]) == {("error", "Nope__c"), ("warning", "Tier__c")}
    finally:
        handle.stop()


def test_given_the_demo_org_when_linted_then_the_defaults_pass_and_a_restricted_user_gets_errors(
        connected: Any, console_data_dir: Path) -> None:
    ok = cli(console_data_dir, "mapping", "lint", "--object", "Lead", "--connection", "demo", "--json")
    assert ok.returncode == 0, ok.stderr
    assert all(f["level"] == "warning" for f in json.loads(ok.stdout))
    engine.connect_password_demo("restricted@demo.test", name="restricted", actor=OPERATOR)
    refused = engine.lint_mapping(engine.default_mapping("Lead"), engine.describe("restricted", "Lead"))
    assert {("error", "Industry"), ("error", "NumberOfEmployees")} <= _found([asdict(f) for f in refused])


def test_given_a_bad_source_file_from_the_cli_then_its_rows_are_listed_and_the_source_is_unchanged(
        connected: Any, console_data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "firms.csv"
    bad.write_text("domain,metrics.employees\nacme.com,ten\n,3\n", encoding="utf-8")
    refused = cli(console_data_dir, "source", "file", str(bad), "--connection", "demo")
    assert refused.returncode == 1 and "firms.csv cannot be used" in refused.stderr
    assert "metrics.employees: 'ten' is not a number" in refused.stderr and "no domain" in refused.stderr
    assert engine.enrichment_source("demo").kind == "demo"
    env_key = {"ENRICH_KEY": "sk_live_0123456789abcdef"}
    os.environ.update(env_key)
    try:
        http = cli(console_data_dir, "source", "http", "--connection", "demo", "--url-template",
                   "https://api.example.com/v2/companies/find?domain={domain}", "--api-key-env", "ENRICH_KEY")
    finally:
        os.environ.pop("ENRICH_KEY")
    assert http.returncode == 0 and "••••cdef" in http.stdout and "sk_live" not in http.stdout
    shown = cli(console_data_dir, "source", "show", "--connection", "demo")
    assert "HTTP API api.example.com" in shown.stdout and "0123456789" not in shown.stdout
    assert b"sk_live_0123456789abcdef" not in (console_data_dir / "console.sqlite3").read_bytes()
