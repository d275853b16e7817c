"""`--schema-dir` with real-world describe exports (tests/data/schema: a Person Account Account with record types, a
custom Invoice__c with lookups and record types): loaded as given, usable by the demo users, permissions.json."""
from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from localorg import soql
from localorg.data.org import ApiError, Org, UserView
from localorg.data.schema import Schema
from localorg.data.schema_load import SchemaError

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "schema"
NOW = datetime(2026, 4, 1, 12, 0, 0, tzinfo=UTC)
PERSON, STANDARD, CREDIT = "0125g000000AbceAAC", "0125g000000AbcfAAC", "0125g000000AbcgAAC"


def export(name: str) -> dict:
    data = json.loads((EXPORTS / name).read_text(encoding="utf-8"))
    return data.get("result", data)


def view(org: Org, username: str) -> UserView:
    return org.as_user(org.user_by_username(username).id)  # type: ignore[union-attr]


def rows(v: UserView, query: str) -> list[dict]:
    return soql.execute(soql.parse(query), v.catalog(), version="62.0", now=NOW).records


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    o = Org(tmp_path_factory.mktemp("schema-dir") / "org.db", schema_dir=EXPORTS, clock=lambda: NOW)
    o.seed("empty")
    return o


def test_given_two_files_for_one_object_when_loaded_then_refused_naming_both(tmp_path: Path) -> None:
    shutil.copy(EXPORTS / "Invoice__c.json", tmp_path / "Invoice__c.json")
    shutil.copy(EXPORTS / "Invoice__c.json", tmp_path / "invoices-from-prod.json")
    with pytest.raises(SchemaError) as err:
        Schema(tmp_path)
    assert "Invoice__c is described by two files, Invoice__c.json and invoices-from-prod.json" in str(err.value)


@pytest.mark.parametrize("name", ["Account.json", "Invoice__c.json"])
def test_given_an_export_when_described_by_the_admin_then_served_as_the_file_says(org: Org, name: str) -> None:
    payload = export(name)
    described = view(org, "admin@demo.test").describe(payload["name"], version="62.0")
    assert described["fields"] == payload["fields"]   # field for field, key for key, in the file's order
    for key in ("childRelationships", "recordTypeInfos", "feedEnabled", "searchable", "triggerable", "mergeable",
                "supportedScopes", "labelPlural", "keyPrefix"):
        assert described[key] == payload[key], key


def test_given_a_loaded_object_when_used_then_integration_edits_and_auditor_only_reads(org: Org) -> None:
    integration, auditor = view(org, "integration@demo.test"), view(org, "auditor@demo.test")
    account = integration.create("Account", {"Name": "Rehearsal Ltd", "Customer_Tier__c": "Gold"})
    invoice = integration.create("Invoice__c", {"Account__c": account, "Amount__c": 1200.5, "External_Ref__c": "ERP-1"})
    got = integration.get("Invoice__c", invoice)
    assert (got["Name"], got["Status__c"], got["RecordTypeId"]) == ("INV-00001", "Draft", STANDARD)
    entry = {e["name"]: e for e in auditor.describe_global()["sobjects"]}["Invoice__c"]
    assert (entry["queryable"], entry["createable"], entry["updateable"]) == (True, False, False)
    (row,) = rows(auditor, f"SELECT Name, Account__r.Name, RecordType.DeveloperName FROM Invoice__c WHERE Id = '{invoice}'")
    assert (row["Account__r"]["Name"], row["RecordType"]["DeveloperName"]) == ("Rehearsal Ltd", "Standard")
    with pytest.raises(ApiError) as err:
        auditor.update("Invoice__c", invoice, {"Amount__c": 1})
    assert err.value.error_code == "INSUFFICIENT_ACCESS_OR_READONLY"
    with pytest.raises(ApiError) as err:
        integration.update("Invoice__c", invoice, {"Status__c": "Lost in the post"})
    assert err.value.error_code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    with pytest.raises(ApiError) as err:
        integration.update("Invoice__c", invoice, {"RecordTypeId": "012000000000001AAA"})
    assert err.value.error_code == "INVALID_CROSS_REFERENCE_KEY"
    integration.update("Invoice__c", invoice, {"RecordTypeId": CREDIT})
    (parent,) = rows(integration, f"SELECT Name, (SELECT Name FROM Invoices__r) FROM Account WHERE Id = '{account}'")
    assert parent["Invoices__r"]["records"][0]["Name"] == "INV-00001"


def test_given_record_types_in_an_export_when_queried_then_rows_with_the_exports_ids(org: Org) -> None:
    found = rows(view(org, "auditor@demo.test"), "SELECT Id, Name, SobjectType, IsPersonType FROM RecordType ORDER BY Name")
    assert [(r["Id"], r["Name"], r["SobjectType"], r["IsPersonType"]) for r in found] == [
        ("0125g000000AbcdAAC", "Business Account", "Account", False), (CREDIT, "Credit Note", "Invoice__c", False),
        (PERSON, "Person Account", "Account", True), (STANDARD, "Standard", "Invoice__c", False)]


def test_given_a_person_account_when_created_then_named_after_the_person(org: Org) -> None:
    integration = view(org, "integration@demo.test")
    person = integration.create("Account", {"RecordTypeId": PERSON, "FirstName": "Grace", "LastName": "Hopper",
                                            "PersonEmail": "grace@example.org"})
    got = integration.get("Account", person)
    assert (got["Name"], got["IsPersonAccount"], got["PersonEmail"]) == ("Grace Hopper", True, "grace@example.org")


def test_given_a_permissions_file_when_loaded_then_it_overrides_the_defaults(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(EXPORTS, schema)
    (schema / "permissions.json").write_text(json.dumps({
        "objects": {"Invoice__c": {"Read Only": "none"}},
        "fields": {"Invoice__c.Amount__c": {"Integration User": "read"}}}), encoding="utf-8")
    org = Org(tmp_path / "org.db", schema_dir=schema, clock=lambda: NOW)
    org.seed("empty")
    assert view(org, "auditor@demo.test").catalog().object_name("Invoice__c") is None
    integration = view(org, "integration@demo.test")
    amount = {f["name"]: f for f in integration.describe("Invoice__c")["fields"]}["Amount__c"]
    assert (amount["createable"], amount["updateable"]) == (False, False)
    account = integration.create("Account", {"Name": "Perms Ltd"})
    with pytest.raises(ApiError) as err:
        integration.create("Invoice__c", {"Account__c": account, "Amount__c": 5})
    assert (err.value.error_code, err.value.fields) == ("INVALID_FIELD_FOR_INSERT_UPDATE", ["Amount__c"])


def test_given_a_permissions_file_naming_an_unknown_profile_when_started_then_refused(tmp_path: Path) -> None:
    schema = tmp_path / "schema"
    shutil.copytree(EXPORTS, schema)
    (schema / "permissions.json").write_text(json.dumps({"objects": {"Invoice__c": {"Finance Team": "read"}}}),
                                             encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        Org(tmp_path / "org.db", schema_dir=schema, clock=lambda: NOW).seed("empty")
    assert "Finance Team" in str(err.value) and "Integration User" in str(err.value)


def test_given_a_duplicate_when_serving_then_one_line_naming_both_files_and_exit_2(tmp_path: Path,
                                                                                   capsys: pytest.CaptureFixture) -> None:
    from localorg.__main__ import main

    for name in ("Account.json", "account-sandbox.json"):
        shutil.copy(EXPORTS / "Account.json", tmp_path / name)
    assert main(["serve", "--data", str(tmp_path / "data"), "--schema-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Account is described by two files, Account.json and account-sandbox.json" in err
