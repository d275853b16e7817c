"""Permission diagnostics against localorg over HTTPS: each demo user's findings, the call count, the generated
permission set turning the report green, one diagnosis for many viewers, and an org loaded from describe exports."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import engine
from core.errors import FixPermission, NotAllowed, Reconnect
from core.permissions import collect
from core.permissions.model import Context
from core.permissions.report import diagnose as diagnose_payload
from tests.org.test_connect_pkce import OPERATOR, adopt_as_demo

EDIT_CHECKS_RESTRICTED = {"Edit Lead.Industry", "Edit Lead.NumberOfEmployees", "Edit Account.Industry",
                          "Edit Account.NumberOfEmployees"}


@pytest.fixture()
def base(tmp_path: Path, localorg: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A console data dir whose demo org is the session's localorg (these tests change nothing org-wide)."""
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    adopt_as_demo(tmp_path, localorg)
    return tmp_path


@pytest.fixture()
def fresh_base(tmp_path: Path, fresh_localorg: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A console data dir on a private org, for tests that grant permissions, deactivate users or count calls."""
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    adopt_as_demo(tmp_path, fresh_localorg)
    return tmp_path


def connect(user: str, base: Path) -> str:
    """Connect <user>@demo.test as a connection named <user> (a user without API Enabled is kept all the same)."""
    try:
        engine.connect_password_demo(f"{user}@demo.test", name=user, actor=OPERATOR, base=base)
    except FixPermission:
        assert user == "noapi"
    return user


def fails(report: engine.Report) -> set[str]:
    return {f.title for f in report.failures()}


def api_calls(handle: Any) -> int:
    """Calls localorg counted to Salesforce's APIs (REST and OAuth), leaving out the demo org's own liveness probe."""
    return sum(n for key, n in handle.counters().items() if key.split(" ", 1)[1].startswith("/services/"))


def test_given_each_demo_user_when_diagnosed_then_each_gets_exactly_the_expected_findings(base: Path) -> None:
    for user in ("integration", "auditor", "noapi", "restricted"):
        connect(user, base)
    assert fails(engine.diagnose("integration", base=base)) == set()
    assert fails(engine.diagnose("auditor", use_case="audit", base=base)) == set()
    auditor = engine.diagnose("auditor", base=base)
    assert fails(auditor) and {f.check for f in auditor.failures()} == {"object_edit", "field_edit"}
    assert {"Edit Lead", "Edit Contact", "Edit Account", "Edit Lead.Industry"} <= fails(auditor)
    noapi = engine.diagnose("noapi", base=base)
    assert fails(noapi) == {"API Enabled"}
    assert "API Enabled to a permission set assigned to noapi@demo.test" in noapi.failures()[0].fix
    assert fails(engine.diagnose("restricted", base=base)) == EDIT_CHECKS_RESTRICTED
    assert fails(engine.diagnose("restricted", use_case="audit", base=base)) == set()


def test_given_full_diagnosis_when_localorg_counts_the_calls_then_at_most_six(fresh_base: Path,
                                                                                fresh_localorg: Any) -> None:
    connect("integration", fresh_base)
    fresh_localorg.reset_counters()
    used_before, _ = fresh_localorg.api_usage()
    report = engine.diagnose("integration", base=fresh_base)
    calls = api_calls(fresh_localorg)
    used = fresh_localorg.api_usage()[0] - used_before
    print(f"\nfull diagnosis of Lead, Contact, Account, Opportunity and User: {calls} API calls "
          f"({used} counted against DailyApiRequests; the userinfo call is not): {sorted(fresh_localorg.counters())}")
    assert calls == report.calls <= 6
    assert report.counts()["unchecked"] == 0  # full: the integration user has View Setup, so nothing was left out
    fresh_localorg.reset_counters()
    engine.diagnose("integration", use_case="audit", base=fresh_base)
    assert api_calls(fresh_localorg) == 0  # the other use case reads the same cached answers


def test_given_restricted_user_when_its_permission_set_is_granted_then_the_report_turns_green(
        fresh_base: Path, fresh_localorg: Any) -> None:
    connect("restricted", fresh_base)
    report = engine.diagnose("restricted", base=fresh_base)
    assert fails(report) == EDIT_CHECKS_RESTRICTED
    found = engine.permission_set_file(report)
    assert found is not None
    file_name, xml = found
    fresh_localorg.grant_permission_set(file_name.removesuffix(".permissionset-meta.xml"), xml,
                                        assign_to="restricted@demo.test")
    again = engine.diagnose("restricted", force=True, actor=OPERATOR, base=fresh_base)
    assert fails(again) == set() and again.checked_at >= report.checked_at
    assert engine.permission_set_file(again) is None


def test_given_noapi_user_when_api_enabled_is_granted_then_the_same_sign_in_works_and_the_report_is_green(
        fresh_base: Path, fresh_localorg: Any) -> None:
    connect("noapi", fresh_base)
    found = engine.permission_set_file(engine.diagnose("noapi", base=fresh_base))
    assert found is not None and "<name>ApiEnabled</name>" in found[1]
    fresh_localorg.grant_permission_set(found[0].split(".")[0], found[1], assign_to="noapi@demo.test")
    report = engine.diagnose("noapi", force=True, actor=OPERATOR, base=fresh_base)
    assert fails(report) == set() and report.stopped is None
    assert engine.check_health("noapi", base=fresh_base).status == "connected"


def test_given_inactive_user_when_connecting_or_diagnosing_then_cannot_connect_and_the_report_says_why(
        fresh_base: Path, fresh_localorg: Any) -> None:
    with pytest.raises(Reconnect) as refused:
        engine.connect_password_demo("inactive@demo.test", name="inactive", actor=OPERATOR, base=fresh_base)
    assert refused.value.cause == "user_inactive" and engine.connection("inactive", base=fresh_base) is None
    # The same user connected while still active, then deactivated: the connection stays, the report says why.
    fresh_localorg.set_user_active("inactive@demo.test", True)
    connect("inactive", fresh_base)
    fresh_localorg.set_user_active("inactive@demo.test", False)
    report = engine.diagnose("inactive", base=fresh_base)
    assert fails(report) == {"User is active"}
    assert report.stopped is not None and "Cannot connect as inactive@demo.test" in report.stopped["message"]
    assert "reactivate" in report.stopped["fix"]


def test_given_many_viewers_when_they_open_at_once_then_one_diagnosis_and_disconnect_evicts_it(
        fresh_base: Path, fresh_localorg: Any) -> None:
    connect("integration", fresh_base)
    fresh_localorg.reset_counters()
    reports: list[engine.Report] = []
    threads = [threading.Thread(target=lambda: reports.append(engine.diagnose("integration", base=fresh_base)))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(reports) == 8 and len({r.checked_at for r in reports}) == 1
    assert fresh_localorg.counters().get("POST /services/data/vXX.X/composite") == 2
    assert engine.last_diagnosis("integration", base=fresh_base) is not None
    engine.disconnect("integration", actor=OPERATOR, base=fresh_base)
    assert engine.last_diagnosis("integration", base=fresh_base) is None


def test_given_viewer_when_checking_again_then_refused_but_reading_is_allowed(
        base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    connect("integration", base)
    monkeypatch.setenv("CONSOLE_ROLE", "viewer")
    viewer = engine.Actor("someone")
    assert engine.diagnose("integration", actor=viewer, base=base).use_case == "enrichment"
    with pytest.raises(NotAllowed):
        engine.diagnose("integration", force=True, actor=viewer, base=base)


def _export(schema_dir: Path) -> None:
    """Describe exports as `sf sobject describe --json` writes them: a Lead without the standard Title and
    AnnualRevenue fields and with two custom fields."""
    from localorg.data.schema import Schema

    lead = Schema().get("Lead")
    assert lead is not None
    fields = [dict(f) for f in lead.fields if f["name"] not in ("Title", "AnnualRevenue")]
    fields += [{"name": "Score__c", "label": "Score", "type": "double", "precision": 5, "scale": 1, "nillable": True,
                "createable": True, "updateable": True, "custom": True, "permissionable": True},
               {"name": "Tier__c", "label": "Tier", "type": "string", "length": 40, "nillable": True,
                "createable": True, "updateable": True, "custom": True, "permissionable": True}]
    describe = {"name": "Lead", "label": "Lead", "labelPlural": "Leads", "keyPrefix": "00Q", "createable": True,
                "updateable": True, "deletable": True, "queryable": True, "fields": fields}
    (schema_dir / "Lead.json").write_text(json.dumps({"status": 0, "result": describe, "warnings": []}))


@pytest.fixture()
def exported_org(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Path]]:
    """An org whose Lead comes from a describe export (--schema-dir), registered as a console's demo org."""
    from localorg import start

    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    schema_dir = tmp_path / "schema"
    schema_dir.mkdir()
    _export(schema_dir)
    handle = start(tmp_path / "org", seed="demo", schema_dir=schema_dir)
    base = tmp_path / "console"
    base.mkdir()
    adopt_as_demo(base, handle)
    yield handle, base
    handle.stop()


def test_given_org_loaded_from_describe_exports_when_diagnosed_then_missing_and_custom_fields_are_told_apart(
        exported_org: tuple[Any, Path]) -> None:
    handle, base = exported_org
    connect("integration", base)
    report = engine.diagnose("integration", base=base)
    missing = {f"{verb} Lead.{name}" for verb in ("Read", "Edit") for name in ("Title", "AnnualRevenue")}
    assert fails(report) == missing
    title = next(f for f in report.findings if f.title == "Read Lead.Title")
    assert "is not in this org" in title.evidence and "Remove it from the Lead mapping" in title.fix
    assert engine.permission_set_file(report) is None   # nothing a permission could grant
    # A user without View Setup cannot tell a missing field from a hidden one, and the report says both.
    connect("restricted", base)
    restricted = engine.diagnose("restricted", base=base)
    assert missing <= fails(restricted)
    hidden = next(f for f in restricted.findings if f.title == "Read Lead.Title")
    assert "or the org has no such field" in hidden.evidence
    # Custom fields in a mapping are checked like standard ones (field-level security included).
    handle.org.set_field_permission("Restricted User", "Lead", "Tier__c", read=False, edit=False)
    for user, expected in (("integration", set()), ("restricted", {"Read Lead.Tier__c", "Edit Lead.Tier__c"})):
        info = engine.connection(user, base=base)
        assert info is not None
        fields = {"Lead": ("Score__c", "Tier__c")}
        payload = collect.collect(engine.open_client(user, base=base), user_id=info.user_id, org_id=info.org_id,
                                  fields=fields)
        ctx = Context(user, info.username, "enrichment", mapped=fields, matched={})
        custom = diagnose_payload(payload, ctx, checked_at="now")
        assert {f.title for f in custom.failures() if f.field} == expected, user


def test_given_required_fields_when_diagnosed_then_their_evidence_says_fls_does_not_govern_them(base: Path) -> None:
    connect("integration", base)
    report = engine.diagnose("integration", base=base)
    by_title = {f.title: f for f in report.findings}
    company = by_title["Read Lead.Company"]  # required: no profile or permission set lists it in FieldPermissions
    assert company.status == "pass" and "not governed by field-level security" in company.evidence
    assert "no profile or permission set" not in company.evidence
    industry = by_title["Read Lead.Industry"]  # an ordinary field: who grants it is named
    assert industry.status == "pass" and "granted by" in industry.evidence
