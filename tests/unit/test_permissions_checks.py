"""The pure permission checks fed with payloads recorded from the demo org (tests/fixtures/permissions/*.json)."""
from __future__ import annotations

from typing import Any

import pytest

from core.enrich import mapping
from core.permissions.model import Grant, error, ok, skipped
from core.permissions.report import Report, diagnose, to_json, to_markdown
from tests.fixtures.permissions.payloads import context, load

WHEN = "2026-11-29T12:00:00+00:00"
EDIT_FIELDS = {obj: mapping.default_mapping(obj).field_names() for obj in ("Lead", "Contact", "Account")}


def run(user: str, use_case: str = "enrichment", payload: dict[str, Any] | None = None, **ctx: Any) -> Report:
    return diagnose(payload if payload is not None else load(user), context(user, use_case, **ctx), checked_at=WHEN)


def fails(report: Report) -> set[str]:
    return {f.title for f in report.failures()}


def find(report: Report, title: str) -> Any:
    (found,) = [f for f in report.findings if f.title == title]
    return found


def test_given_integration_user_when_enrichment_checked_then_nothing_fails_and_sources_are_named() -> None:
    report = run("integration")
    assert fails(report) == set()
    warnings = [f.title for f in report.findings if f.status == "warn"]
    assert warnings == ["Lead records visible"]          # Lead sharing is Private: two owners' Leads are hidden
    assert "4,316 of 5,000 Leads visible: sharing hides 684" in find(report, "Lead records visible").evidence
    assert "granted by profile 'Integration User'" in find(report, "Edit Lead.Industry").evidence
    assert "granted by profile 'Integration User'" in find(report, "API Enabled").evidence
    assert "permission set 'Setup Viewer'" in find(report, "View Setup and Configuration").evidence
    edits = {f.title for f in report.findings if f.check == "field_edit"}
    assert edits == {f"Edit {obj}.{name}" for obj, names in EDIT_FIELDS.items() for name in names}
    assert find(report, "Read Lead.Email").evidence.startswith("describe lists it (used to match records)")
    assert report.counts()["unchecked"] == 0 and report.stopped is None and report.calls == 5


def test_given_auditor_when_checked_then_passes_audit_and_fails_exactly_enrichments_edit_checks() -> None:
    assert fails(run("auditor", "audit")) == set()
    report = run("auditor")
    expected = {f"Edit {obj}" for obj in EDIT_FIELDS} | {f"Edit {obj}.{name}" for obj, names in EDIT_FIELDS.items()
                                                        for name in names}
    assert fails(report) == expected
    assert all(f.check in ("object_edit", "field_edit") for f in report.failures())
    # A required field has no field-level security: only the object's Edit is missing for it.
    company = find(report, "Edit Lead.Company")
    assert company.grants == () and "Add Edit on Lead" in company.fix
    assert find(report, "Edit Lead.Industry").grants == (Grant("field", "Lead.Industry", read=True, edit=True),)


def test_given_noapi_user_when_checked_then_fails_api_enabled_with_its_fix_and_says_what_it_could_not_check() -> None:
    for use_case in ("enrichment", "audit"):
        report = run("noapi", use_case)
        assert fails(report) == {"API Enabled"}
        api = find(report, "API Enabled")
        assert "API_DISABLED_FOR_ORG" in api.evidence and "The REST API is not enabled for this Organization" in api.evidence
        assert "API Enabled to a permission set assigned to noapi@demo.test" in api.fix
        assert api.grants == (Grant("user", "ApiEnabled"),)
        unchecked = [f for f in report.findings if not f.checked]
        assert unchecked and all(f.status == "warn" and "Could not check" in f.evidence for f in unchecked)
        assert report.stopped and "refuses it the API" in report.stopped["message"]


def test_given_api_disabled_for_user_answer_when_checked_then_evidence_says_which() -> None:
    payload = load("noapi")
    payload["api"] = error(403, "API_DISABLED_FOR_USER", "API is disabled for this User")
    api = find(run("noapi", payload=payload), "API Enabled")
    assert "API_DISABLED_FOR_USER" in api.evidence and "Salesforce says the user lacks API Enabled" in api.evidence


def test_given_restricted_user_when_checked_then_fails_exactly_the_edit_checks_on_industry_and_employees() -> None:
    report = run("restricted")
    assert fails(report) == {"Edit Lead.Industry", "Edit Lead.NumberOfEmployees", "Edit Account.Industry",
                             "Edit Account.NumberOfEmployees"}
    industry = find(report, "Edit Lead.Industry")
    assert "read-only for the user" in industry.evidence
    assert "Add Edit on Lead.Industry to a permission set assigned to restricted@demo.test" in industry.fix
    assert fails(run("restricted", "audit")) == set()


@pytest.mark.parametrize("user", ["auditor", "restricted"])
def test_given_user_without_view_setup_when_checked_then_report_says_what_it_could_not_check(user: str) -> None:
    report = run(user, "audit")
    view_setup = find(report, "View Setup and Configuration")
    assert view_setup.status == "warn" and view_setup.checked
    for words in ("PermissionSetAssignment", "ObjectPermissions", "FieldPermissions", "/limits/recordCount",
                  "describe alone"):
        assert words in view_setup.evidence
    unchecked = {f.title for f in report.findings if not f.checked}
    assert unchecked == {f"{obj} records visible" for obj in ("Lead", "Contact", "Account", "Opportunity", "User")} | {
        "Bulk API 2.0 available"}
    assert "could not be read (needs View Setup and Configuration)" in find(report, "Lead records visible").evidence
    # API headroom falls back to the Sforce-Limit-Info header instead of /limits.
    assert "from the Sforce-Limit-Info header" in find(report, "API requests left today").evidence
    assert "granted by" not in find(report, "Read Lead").evidence


def test_given_field_hidden_by_fls_when_org_grants_it_elsewhere_then_read_and_edit_fail_with_grant() -> None:
    payload = load("integration")
    lead = payload["describe"]["Lead"]["ok"]
    lead["fields"] = [f for f in lead["fields"] if f["name"] != "Industry"]
    payload["fields_in_org"] = ok({"fields": ["Lead.Industry"], "complete": True})
    report = run("integration", payload=payload)
    assert fails(report) == {"Read Lead.Industry", "Edit Lead.Industry"}
    read = find(report, "Read Lead.Industry")
    assert "Field-level security hides Lead.Industry" in read.evidence and read.grants == (
        Grant("field", "Lead.Industry", read=True),)
    assert "Add Read and Edit on Lead.Industry" in read.fix and "remove it from the mapping" not in read.fix


def test_given_mapped_field_missing_from_org_when_checked_then_fix_is_the_mapping_and_nothing_is_granted() -> None:
    payload = load("integration")
    lead = payload["describe"]["Lead"]["ok"]
    lead["fields"] = [f for f in lead["fields"] if f["name"] != "AnnualRevenue"]
    payload["fields_in_org"] = ok({"fields": [], "complete": True})
    report = run("integration", payload=payload)
    read = find(report, "Read Lead.AnnualRevenue")
    assert read.status == "fail" and "is not in this org" in read.evidence and read.grants == ()
    assert "Remove it from the Lead mapping" in read.fix
    assert find(report, "Edit Lead.AnnualRevenue").grants == ()


def test_given_absent_field_without_view_setup_when_checked_then_both_causes_are_named() -> None:
    payload = load("restricted")
    lead = payload["describe"]["Lead"]["ok"]
    lead["fields"] = [f for f in lead["fields"] if f["name"] != "Title"]
    read = find(run("restricted", payload=payload), "Read Lead.Title")
    assert "field-level security hides it from the user, or the org has no such field" in read.evidence
    assert "If the field does not exist in this org, remove it from the mapping instead." in read.fix


def test_given_formula_field_in_mapping_when_checked_then_read_only_for_everyone_and_no_grant() -> None:
    payload = load("integration")
    for f in payload["describe"]["Lead"]["ok"]["fields"]:
        if f["name"] == "Title":
            f.update(calculated=True, updateable=False)
    title = find(run("integration", payload=payload), "Edit Lead.Title")
    assert title.status == "fail" and "read-only for everyone" in title.evidence and title.grants == ()


def test_given_object_the_user_cannot_read_when_checked_then_read_fails_with_grant_and_its_fields_are_one_line() -> None:
    payload = load("integration")
    payload["describe"]["Contact"] = error(404, "NOT_FOUND", "The requested resource does not exist")
    report = run("integration", payload=payload)
    assert {"Read Contact", "Edit Contact"} <= fails(report)
    assert find(report, "Read Contact").grants == (Grant("object", "Contact", read=True),)
    fields = find(report, "Contact fields")
    assert not fields.checked and "cannot read Contact" in fields.evidence


@pytest.mark.parametrize("use_case, status", [("enrichment", "fail"), ("audit", "warn")])
def test_given_sandbox_chosen_for_a_production_org_when_checked_then_environment_flags_it(use_case: str,
                                                                                         status: str) -> None:
    env = find(run("integration", use_case, environment_label="Sandbox", expects_sandbox=True),
               "Environment matches the org")
    assert env.status == status and "IsSandbox = false" in env.evidence and "writes would go to a production org" in env.evidence


@pytest.mark.parametrize("remaining, status", [(14000, "pass"), (100, "warn"), (40, "fail")])
def test_given_daily_requests_left_when_checked_then_headroom_against_a_full_pull_and_write(remaining: int,
                                                                                          status: str) -> None:
    payload = load("integration")
    payload["limits"]["ok"]["DailyApiRequests"] = {"Max": 15000, "Remaining": remaining}
    headroom = find(run("integration", payload=payload), "API requests left today")
    assert headroom.status == status and f"{remaining:,} of 15,000" in headroom.evidence
    assert "a full write about" in headroom.evidence


def test_given_inactive_user_when_sign_in_refused_then_user_active_fails_and_report_says_why() -> None:
    payload = load("noapi")
    payload["session"] = {"cause": "user_inactive", "message": "The Salesforce user of this connection is inactive.",
                          "fix": "Ask a Salesforce admin to reactivate the user."}
    payload["identity"] = payload["api"] = skipped("the sign-in was refused")
    report = run("noapi", payload=payload)
    assert fails(report) == {"User is active"}
    assert report.stopped and report.stopped["message"].startswith("Cannot connect as noapi@demo.test")
    assert "reactivate" in report.stopped["fix"]


def test_given_report_when_exported_then_markdown_tables_and_json_carry_every_finding() -> None:
    payload = load("restricted")
    payload["assignments"] = ok([{"PermissionSetId": "0PS1", "PermissionSet": {"Label": "a | b\nc",
                                                                              "PermissionsViewSetup": True}}])
    payload["user_permissions"]["ok"]["PermissionsViewSetup"] = True
    report = run("restricted", payload=payload)
    text = to_markdown(report)
    assert "# Permission diagnosis — restricted" in text and "| Fail | Edit Lead.Industry |" in text
    assert "a \\| b c" in text                             # a pipe or line break from the org cannot break the table
    exported = __import__("json").loads(to_json(report))
    assert exported["counts"] == report.counts() and len(exported["findings"]) == len(report.findings)
    assert exported["what_will_sync"][0]["object"] == "Lead"
