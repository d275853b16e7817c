"""localorg security: each demo user sees and writes exactly what its profile, permission sets and sharing allow."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from localorg import soql
from localorg.data.org import ApiError, Org, UserView
from localorg.data.seed_security import PRIVATE_OWNERS

NOW = datetime(2026, 5, 4, 8, 0, 0, tzinfo=UTC)
FLS_MESSAGE = ("Unable to create/update fields: Industry. Please check the security settings of this field and "
               "verify that it is read/write for your profile or permission set.")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Org:
    org = Org(tmp_path_factory.mktemp("demo") / "org.db", clock=lambda: NOW)
    org.seed("demo")
    return org


@pytest.fixture
def fresh(tmp_path: Path) -> Org:
    org = Org(tmp_path / "org.db", clock=lambda: NOW)
    org.seed("empty")
    return org


def view(org: Org, username: str) -> UserView:
    return org.as_user(org.user_by_username(username).id)  # type: ignore[union-attr]


def field_flags(v: UserView, sobject: str) -> dict[str, bool]:
    return {f["name"]: f["updateable"] for f in v.describe(sobject)["fields"]}


def test_given_integration_user_when_described_then_everything_readable_and_enrichable_fields_updateable(demo: Org) -> None:
    v = view(demo, "integration@demo.test")
    v.require_api()
    d = v.describe("Lead")
    assert (d["name"], d["keyPrefix"], d["queryable"], d["createable"], d["updateable"]) == ("Lead", "00Q", True, True, True)
    flags = field_flags(v, "Lead")
    assert all(flags[f] for f in ("Company", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue", "Phone"))
    assert not any(flags[f] for f in ("Id", "CreatedDate", "SystemModstamp", "Name", "IsDeleted"))
    assert v.user.view_setup and v.user.api_enabled


def test_given_auditor_when_described_and_writing_then_read_only(demo: Org) -> None:
    v = view(demo, "auditor@demo.test")
    v.require_api()
    d = v.describe("Account")
    assert (d["queryable"], d["createable"], d["updateable"], d["deletable"]) == (True, False, False, False)
    assert not any(field_flags(v, "Account").values())
    lead = next(iter(v.catalog().rows("Lead")))
    with pytest.raises(ApiError) as err:
        v.update("Lead", lead["Id"], {"Industry": "Energy"})
    assert err.value.error_code == "INSUFFICIENT_ACCESS_OR_READONLY"
    with pytest.raises(ApiError) as err:
        v.create("Lead", {"LastName": "A", "Company": "B"})
    assert err.value.error_code == "INSUFFICIENT_ACCESS_OR_READONLY"


def test_given_noapi_user_when_api_required_then_403_api_disabled(demo: Org) -> None:
    v = view(demo, "noapi@demo.test")
    with pytest.raises(ApiError) as err:
        v.require_api()
    assert err.value.status == 403
    assert err.value.body() == [{"message": "The REST API is not enabled for this Organization.",
                                 "errorCode": "API_DISABLED_FOR_ORG", "fields": []}]
    assert not v.user.api_enabled


def test_given_restricted_user_when_described_then_industry_and_employees_read_only(demo: Org) -> None:
    v = view(demo, "restricted@demo.test")
    v.require_api()  # API Enabled comes from the API_Access permission set, not the profile
    for sobject in ("Lead", "Account"):
        flags = field_flags(v, sobject)
        assert flags["Industry"] is False and flags["NumberOfEmployees"] is False
        assert flags["Website"] is True and flags["Phone"] is True
    assert {f["name"] for f in v.catalog().fields("Lead")} >= {"Industry", "NumberOfEmployees"}


def test_given_restricted_user_when_writing_industry_then_invalid_field_for_insert_update(demo: Org) -> None:
    v = view(demo, "restricted@demo.test")
    lead = next(iter(v.catalog().rows("Lead")))
    with pytest.raises(ApiError) as err:
        v.update("Lead", lead["Id"], {"Industry": "Energy", "Phone": "1"})
    assert err.value.body() == [{"message": FLS_MESSAGE, "errorCode": "INVALID_FIELD_FOR_INSERT_UPDATE",
                                 "fields": ["Industry"]}]
    with pytest.raises(ApiError) as err:
        v.create("Account", {"Name": "New Co", "NumberOfEmployees": 5})
    assert err.value.fields == ["NumberOfEmployees"]


def test_given_inactive_user_when_password_checked_then_user_returned_inactive(demo: Org) -> None:
    user = demo.check_password("inactive@demo.test", "demo-password")
    assert user is not None and user.active is False
    assert demo.check_password("integration@demo.test", "wrong") is None
    assert demo.check_password("nobody@demo.test", "demo-password") is None
    assert demo.check_password("INTEGRATION@demo.test", "demo-password").username == "integration@demo.test"  # type: ignore[union-attr]


def test_given_demo_org_when_passwords_stored_then_only_salted_hashes(demo: Org) -> None:
    stored = str(demo.store.meta_get("passwords"))
    assert "demo-password" not in stored and len(demo.store.meta_get("passwords")) == len(demo.users())  # type: ignore[arg-type]


def test_given_private_lead_sharing_when_integration_reads_then_private_owners_records_invisible(demo: Org) -> None:
    v = view(demo, "integration@demo.test")
    private = {demo.user_by_username(u).id for u in PRIVATE_OWNERS}  # type: ignore[union-attr]
    every = demo.store.rows("Lead")
    hidden = [r for r in every if r["OwnerId"] in private]
    seen = list(v.catalog().rows("Lead"))
    assert hidden and len(seen) == len(every) - len(hidden)
    assert not {r["OwnerId"] for r in seen} & private
    with pytest.raises(ApiError) as err:
        v.get("Lead", hidden[0]["Id"])
    assert err.value.status == 404
    assert v.catalog().row("Lead", hidden[0]["Id"]) is None
    with pytest.raises(ApiError):
        v.update("Lead", hidden[0]["Id"], {"Phone": "1"})
    # Accounts are Public Read/Write: every one is visible.
    assert len(list(v.catalog().rows("Account"))) == len(demo.store.rows("Account"))
    # The auditor has View All Records on Lead.
    assert len(list(view(demo, "auditor@demo.test").catalog().rows("Lead"))) == len(every)


def test_given_sales_user_when_reading_leads_then_only_own(demo: Org) -> None:
    v = view(demo, "fatima.khan@demo.test")
    owners = {r["OwnerId"] for r in v.catalog().rows("Lead")}
    assert owners == {v.user.id}


def test_given_view_setup_when_catalog_asked_for_setup_objects_then_only_integration_gets_them(demo: Org) -> None:
    integ, auditor = view(demo, "integration@demo.test").catalog(), view(demo, "auditor@demo.test").catalog()
    for name in ("Profile", "PermissionSet", "PermissionSetAssignment", "ObjectPermissions", "FieldPermissions"):
        assert integ.object_name(name.lower()) == name
        assert auditor.object_name(name) is None
    assert auditor.object_name("Organization") == "Organization"
    assert auditor.object_name("NoSuchThing") is None
    with pytest.raises(ApiError) as err:
        view(demo, "auditor@demo.test").describe("PermissionSet")
    assert (err.value.status, err.value.error_code) == (404, "NOT_FOUND")
    ps_names = {r["Name"] for r in integ.rows("PermissionSet")}
    assert {"Setup_Viewer", "API_Access"} <= ps_names


def test_given_each_user_when_user_permission_access_read_then_effective_permissions(demo: Org) -> None:
    got = {}
    for username in ("integration@demo.test", "auditor@demo.test", "noapi@demo.test", "restricted@demo.test",
                     "admin@demo.test"):
        (row,) = view(demo, username).catalog().rows("UserPermissionAccess")
        got[username] = (row["PermissionsApiEnabled"], row["PermissionsViewSetup"], row["PermissionsModifyAllData"])
    assert got == {"integration@demo.test": (True, True, False), "auditor@demo.test": (True, False, False),
                   "noapi@demo.test": (False, False, False), "restricted@demo.test": (True, False, False),
                   "admin@demo.test": (True, True, True)}


def test_given_hidden_field_when_described_queried_and_written_then_absent_everywhere(fresh: Org) -> None:
    fresh.set_field_permission("Integration User", "Lead", "Website", read=False, edit=False)
    v = view(fresh, "integration@demo.test")
    assert "Website" not in {f["name"] for f in v.describe("Lead")["fields"]}
    assert "Website" not in {f["name"] for f in v.catalog().fields("Lead")}
    with pytest.raises(soql.SoqlError) as err:
        soql.execute(soql.parse("SELECT Id, Website FROM Lead"), v.catalog(), version="62.0", now=NOW)
    assert err.value.error_code == "INVALID_FIELD"
    with pytest.raises(ApiError) as err2:
        v.create("Lead", {"LastName": "A", "Company": "B", "Website": "a.com"})
    assert err2.value.error_code == "INVALID_FIELD"
    lead = v.create("Lead", {"LastName": "A", "Company": "B"})
    assert "Website" not in v.get("Lead", lead)
    assert "Website" in view(fresh, "admin@demo.test").get("Lead", lead)


def test_given_permission_changes_when_applied_then_views_follow(fresh: Org) -> None:
    auditor = fresh.user_by_username("auditor@demo.test")
    fresh.set_object_permission("Read Only", "Lead", create=True, edit=True)
    fresh.set_field_permission("Read Only", "Lead", "Company", read=True, edit=True)
    fresh.set_field_permission("Read Only", "Lead", "Industry", read=True, edit=True)
    v = fresh.as_user(auditor.id)  # type: ignore[union-attr]
    lead = v.create("Lead", {"LastName": "Auditor's", "Company": "Own"})
    v.update("Lead", lead, {"Industry": "Energy"})
    with pytest.raises(ApiError) as err:
        v.update("Lead", lead, {"Phone": "1"})
    assert err.value.fields == ["Phone"]
    fresh.set_user_active(auditor.id, False)  # type: ignore[union-attr]
    assert fresh.user_by_id(auditor.id[:15]).active is False  # type: ignore[union-attr]


def test_given_organization_when_read_then_sandbox_flag_and_type(demo: Org) -> None:
    v = view(demo, "auditor@demo.test")
    (row,) = v.catalog().rows("Organization")
    assert row["Id"] == demo.org_id and demo.org_id.startswith("00D")
    assert (row["IsSandbox"], row["OrganizationType"], row["InstanceName"]) == (False, "Enterprise Edition", "LOCAL")
    assert (demo.is_sandbox, demo.organization_type, demo.name) == (False, "Enterprise Edition", "Demo Org")


def test_given_owner_relationship_when_queried_then_parent_user_resolved(demo: Org) -> None:
    v = view(demo, "integration@demo.test")
    result = soql.execute(soql.parse("SELECT Id, Owner.Name, Owner.Username FROM Lead LIMIT 3"), v.catalog(),
                          version="62.0", now=NOW)
    owners = {u.id: u for u in demo.users()}
    for rec in result.records:
        lead = v.get("Lead", rec["Id"])
        assert rec["Owner"]["Name"] == owners[lead["OwnerId"]].name


def test_given_public_read_only_sharing_when_other_user_edits_then_insufficient_access_until_shared(fresh: Org) -> None:
    fresh.set_sharing("Account", "Read")
    maria, james = view(fresh, "maria.garcia@demo.test"), view(fresh, "james.smith@demo.test")
    account = maria.create("Account", {"Name": "Maria's Account"})
    assert james.get("Account", account)["Name"] == "Maria's Account"
    with pytest.raises(ApiError) as err:
        james.update("Account", account, {"Phone": "1"})
    assert err.value.error_code == "INSUFFICIENT_ACCESS_OR_READONLY"
    fresh.share("Account", maria.user.id, james.user.id, "Edit")
    view(fresh, "james.smith@demo.test").update("Account", account, {"Phone": "1"})
    assert maria.get("Account", account)["Phone"] == "1"
