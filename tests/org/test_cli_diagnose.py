"""`python -m core diagnose` in a subprocess against localorg: exit 0 when nothing fails, 1 when something does,
2 when it could not run; --json, --use-case and --permission-set."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from core import engine
from core.errors import FixPermission
from tests.org.test_cli import cli
from tests.org.test_connect_pkce import OPERATOR, adopt_as_demo

NS = {"m": "http://soap.sforce.com/2006/04/metadata"}


@pytest.fixture()
def data_dir(tmp_path: Path, fresh_localorg: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A console data dir whose demo org is this test's localorg (the CLI subprocess reuses it: no new process)."""
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    adopt_as_demo(tmp_path, fresh_localorg)
    return tmp_path


def test_given_no_connection_or_an_unknown_one_when_diagnosing_then_exit_2_with_the_reason(data_dir: Path) -> None:
    none = cli(data_dir, "diagnose")
    assert none.returncode == 2 and "No connection to diagnose" in none.stderr and "fix: Connect one" in none.stderr
    unknown = cli(data_dir, "diagnose", "--connection", "nope", "--json")
    assert unknown.returncode == 2 and json.loads(unknown.stderr)["cause"] == "not_connected"


def test_given_integration_user_when_diagnosing_then_exit_0_and_json_report(data_dir: Path) -> None:
    engine.connect_password_demo("integration@demo.test", actor=OPERATOR, base=data_dir)
    done = cli(data_dir, "diagnose", "--json", "--permission-set", str(data_dir / "missing.xml"))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["connection"], report["use_case"], report["counts"]["fail"]) == ("demo", "enrichment", 0)
    assert report["api_calls"] <= 6 and "No permission set written" in done.stderr
    assert not (data_dir / "missing.xml").exists()


def test_given_restricted_user_when_diagnosing_then_exit_1_fixes_printed_and_permission_set_written(
        data_dir: Path) -> None:
    engine.connect_password_demo("restricted@demo.test", name="restricted", actor=OPERATOR, base=data_dir)
    engine.connect_password_demo("auditor@demo.test", name="auditor", actor=OPERATOR, base=data_dir)
    ambiguous = cli(data_dir, "diagnose")
    assert ambiguous.returncode == 2 and "Pass --connection NAME" in ambiguous.stderr
    done = cli(data_dir, "diagnose", "--connection", "restricted", "--permission-set", str(data_dir))
    assert done.returncode == 1, done.stderr
    assert "FAIL  Edit Lead.Industry" in done.stdout and "4 failed" in done.stdout
    assert "fix: Add Edit on Lead.Industry to a permission set assigned to restricted@demo.test" in done.stdout
    written = data_dir / "Enrichment_Console_restricted_enrichment.permissionset-meta.xml"
    assert written.exists() and str(written) in done.stderr
    fields = {fp.findtext("m:field", namespaces=NS) for fp in ET.parse(written).getroot().findall("m:fieldPermissions", NS)}
    assert fields == {"Lead.Industry", "Lead.NumberOfEmployees", "Account.Industry", "Account.NumberOfEmployees"}
    audit = cli(data_dir, "diagnose", "--connection", "restricted", "--use-case", "audit")
    assert audit.returncode == 0 and "0 failed" in audit.stdout


def test_given_noapi_and_a_deactivated_user_when_diagnosing_then_exit_1_saying_why(data_dir: Path,
                                                                                  fresh_localorg: Any) -> None:
    with pytest.raises(FixPermission):
        engine.connect_password_demo("noapi@demo.test", name="noapi", actor=OPERATOR, base=data_dir)
    noapi = cli(data_dir, "diagnose", "--connection", "noapi")
    assert noapi.returncode == 1 and "FAIL  API Enabled" in noapi.stdout and "1 failed" in noapi.stdout
    engine.connect_password_demo("integration@demo.test", name="gone", actor=OPERATOR, base=data_dir)
    fresh_localorg.set_user_active("integration@demo.test", False)
    gone = cli(data_dir, "diagnose", "--connection", "gone")
    assert gone.returncode == 1 and "Cannot connect as integration@demo.test" in gone.stdout
    assert "FAIL  User is active" in gone.stdout
