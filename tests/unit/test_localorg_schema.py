"""localorg.data.schema: standard describe metadata shaped like Salesforce's, and `--schema-dir` exports."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from localorg.data.org import ApiError, Org, UserView
from localorg.data.schema import Schema

NOW = datetime(2026, 4, 1, 12, 0, 0, tzinfo=UTC)
FIELD_KEYS = {"name", "label", "type", "length", "byteLength", "precision", "scale", "digits", "nillable",
              "updateable", "createable", "calculated", "custom", "restrictedPicklist", "picklistValues",
              "referenceTo", "relationshipName", "unique", "externalId", "soapType", "defaultedOnCreate"}


def admin(org: Org, username: str = "admin@demo.test") -> UserView:
    return org.as_user(org.user_by_username(username).id)  # type: ignore[union-attr]


@pytest.fixture
def org(tmp_path: Path) -> Org:
    o = Org(tmp_path / "org.db", clock=lambda: NOW)
    o.seed("empty")
    return o


def test_given_lead_describe_when_read_then_salesforce_shape_and_real_field_metadata(org: Org) -> None:
    d = admin(org).describe("Lead", version="62.0")
    assert {"name", "label", "labelPlural", "keyPrefix", "queryable", "retrieveable", "updateable", "createable",
            "deletable", "fields", "childRelationships", "recordTypeInfos", "urls"} <= set(d)
    assert d["urls"]["describe"] == "/services/data/v62.0/sobjects/Lead/describe"
    fields = {f["name"]: f for f in d["fields"]}
    assert all(FIELD_KEYS <= set(f) for f in fields.values())
    ind = fields["Industry"]
    assert (ind["type"], ind["length"], ind["restrictedPicklist"], ind["nillable"]) == ("picklist", 40, False, True)
    assert {"active": True, "defaultValue": False, "label": "Energy", "value": "Energy", "validFor": None} in ind["picklistValues"]
    assert (fields["Status"]["restrictedPicklist"], fields["Rating"]["restrictedPicklist"]) == (True, True)
    assert [p["value"] for p in fields["Status"]["picklistValues"] if p["defaultValue"]] == ["Open - Not Contacted"]
    assert (fields["Description"]["type"], fields["Description"]["length"]) == ("textarea", 32000)
    assert (fields["NumberOfEmployees"]["type"], fields["NumberOfEmployees"]["digits"], fields["NumberOfEmployees"]["soapType"]) == ("int", 8, "xsd:int")
    assert (fields["AnnualRevenue"]["type"], fields["AnnualRevenue"]["soapType"]) == ("currency", "xsd:double")
    assert (fields["Company"]["length"], fields["Company"]["nillable"], fields["Company"]["byteLength"]) == (255, False, 765)
    assert (fields["OwnerId"]["referenceTo"], fields["OwnerId"]["relationshipName"]) == (["User", "Group"], "Owner")
    assert (fields["Id"]["type"], fields["Id"]["soapType"], fields["Id"]["updateable"]) == ("id", "tns:ID", False)
    assert (fields["SystemModstamp"]["type"], fields["SystemModstamp"]["createable"]) == ("datetime", False)
    assert fields["DoNotCall"]["type"] == "boolean" and fields["DoNotCall"]["nillable"] is False


def test_given_contact_and_opportunity_when_described_then_account_relationship(org: Org) -> None:
    for sobject in ("Contact", "Opportunity"):
        f = {x["name"]: x for x in admin(org).describe(sobject)["fields"]}["AccountId"]
        assert (f["referenceTo"], f["relationshipName"]) == (["Account"], "Account")
    children = {c["childSObject"]: c for c in admin(org).describe("Account")["childRelationships"] if c["field"] == "AccountId"}
    assert children["Contact"]["relationshipName"] == "Contacts"
    assert children["Opportunity"]["relationshipName"] == "Opportunities"


def test_given_user_when_describe_global_then_readable_objects_with_access_flags(org: Org) -> None:
    auditor = {e["name"]: e for e in admin(org, "auditor@demo.test").describe_global()["sobjects"]}
    assert {"Lead", "Contact", "Account", "Opportunity", "User", "Organization", "UserPermissionAccess"} <= set(auditor)
    assert "PermissionSet" not in auditor
    assert (auditor["Lead"]["queryable"], auditor["Lead"]["updateable"], auditor["Lead"]["keyPrefix"]) == (True, False, "00Q")
    integ = admin(org, "integration@demo.test").describe_global()
    assert integ["encoding"] == "UTF-8" and integ["maxBatchSize"] == 200
    assert {"PermissionSet", "ObjectPermissions", "FieldPermissions", "Profile"} <= {e["name"] for e in integ["sobjects"]}
    with pytest.raises(ApiError) as err:
        admin(org).describe("Nope__c")
    assert (err.value.status, err.value.error_code) == (404, "NOT_FOUND")


def _export(schema_dir: Path) -> None:
    """Write what `sf sobject describe --json` would for a Lead with custom fields, and a custom object."""
    lead = admin_describe_lead()
    lead["fields"].append({"name": "Score__c", "label": "Score", "type": "double", "precision": 5, "scale": 1,
                           "nillable": True, "createable": True, "updateable": True, "custom": True,
                           "permissionable": True, "soapType": "xsd:double"})
    lead["fields"].append({"name": "Tier__c", "label": "Tier", "type": "picklist", "length": 255, "nillable": True,
                           "createable": True, "updateable": True, "custom": True, "permissionable": True,
                           "restrictedPicklist": True, "picklistValues": [
                               {"active": True, "defaultValue": False, "label": "Gold", "value": "Gold", "validFor": None}]})
    (schema_dir / "Lead.json").write_text(json.dumps({"status": 0, "result": lead, "warnings": []}), encoding="utf-8")
    widget = {"name": "Widget__c", "label": "Widget", "labelPlural": "Widgets", "keyPrefix": "a01", "custom": True,
              "createable": True, "updateable": True, "deletable": True, "queryable": True, "fields": [
                  {"name": "Id", "type": "id", "length": 18, "nillable": False, "createable": False, "updateable": False},
                  {"name": "Name", "type": "string", "length": 80, "nillable": False, "createable": True,
                   "updateable": True, "nameField": True},
                  {"name": "OwnerId", "type": "reference", "referenceTo": ["User"], "relationshipName": "Owner",
                   "nillable": False, "createable": True, "updateable": True, "defaultedOnCreate": True},
                  {"name": "IsDeleted", "type": "boolean", "nillable": False, "createable": False, "updateable": False},
                  {"name": "SystemModstamp", "type": "datetime", "nillable": False, "createable": False, "updateable": False},
                  {"name": "LastModifiedDate", "type": "datetime", "nillable": False, "createable": False, "updateable": False}]}
    (schema_dir / "Widget__c.json").write_text(json.dumps(widget), encoding="utf-8")


def admin_describe_lead() -> dict:
    schema = Schema()
    lead = schema.get("Lead")
    return {"name": "Lead", "label": "Lead", "labelPlural": "Leads", "keyPrefix": "00Q", "createable": True,
            "updateable": True, "deletable": True, "queryable": True, "fields": [dict(f) for f in lead.fields]}  # type: ignore[union-attr]


@pytest.mark.parametrize("seed_first", [False, True], ids=["seeded-with-schema", "schema-added-to-seeded-db"])
def test_given_schema_dir_export_when_loaded_then_custom_fields_described_queried_and_validated(
        tmp_path: Path, seed_first: bool) -> None:
    schema_dir = tmp_path / "schema"
    schema_dir.mkdir()
    _export(schema_dir)
    if seed_first:
        Org(tmp_path / "org.db", clock=lambda: NOW).seed("empty")
    org = Org(tmp_path / "org.db", schema_dir=schema_dir, clock=lambda: NOW)
    org.seed("empty")
    v = admin(org, "integration@demo.test")
    fields = {f["name"]: f for f in v.describe("Lead")["fields"]}
    assert fields["Score__c"]["custom"] is True and fields["Score__c"]["updateable"] is True
    assert "Score__c" in {f["name"] for f in v.catalog().fields("Lead")}
    lead = v.create("Lead", {"LastName": "A", "Company": "B", "Score__c": "12.34", "Tier__c": "Gold"})
    assert (v.get("Lead", lead)["Score__c"], v.get("Lead", lead)["Tier__c"]) == (12.3, "Gold")
    with pytest.raises(ApiError) as err:
        v.update("Lead", lead, {"Tier__c": "Platinum"})
    assert err.value.error_code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    with pytest.raises(ApiError) as err:
        v.update("Lead", lead, {"Score__c": 123456})
    assert err.value.error_code == "NUMBER_OUTSIDE_VALID_RANGE"
    # A custom object nobody was granted: only Modify All Data reaches it.
    assert v.catalog().object_name("Widget__c") is None
    widget = admin(org).create("Widget__c", {"Name": "Sprocket"})
    assert widget.startswith("a01") and admin(org).get("Widget__c", widget)["Name"] == "Sprocket"


def test_given_bad_export_when_loaded_then_clear_error(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text(json.dumps({"status": 0, "result": {"label": "no name"}}), encoding="utf-8")
    with pytest.raises(ValueError, match="not an sObject describe"):
        Schema(tmp_path)
