"""localorg closer to a real org, through unmodified simple-salesforce over HTTPS: aggregates and subqueries,
columns=true, limits and recordCount, sObject Tree, upsert by Id and external id, record types, API versions."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from tests.fixtures.localorg import _start_copy, localorg_session, make_sf_client

MASTER = "012000000000000AAA"


def test_given_fill_rate_aggregate_when_queried_then_one_row_matches_counting_every_record(localorg: Any) -> None:
    sf = make_sf_client(localorg, "auditor@demo.test")
    (row,) = sf.query("SELECT COUNT(Id), COUNT(Industry), COUNT(Phone) filled FROM Lead")["records"]
    leads = sf.query_all("SELECT Industry, Phone FROM Lead")["records"]
    assert row == {"attributes": {"type": "AggregateResult"}, "expr0": len(leads),
                   "expr1": sum(1 for r in leads if r["Industry"] is not None),
                   "filled": sum(1 for r in leads if r["Phone"] is not None)}


def test_given_more_than_2000_groups_when_paged_then_first_batch_and_query_more_refused(localorg: Any) -> None:
    sf = make_sf_client(localorg, "auditor@demo.test")
    page = sf.query("SELECT Email, COUNT(Id) FROM Lead GROUP BY Email")
    assert (len(page["records"]), page["done"]) == (2000, False) and page["totalSize"] > 2000
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
    assert err.value.content[0]["errorCode"] == "MALFORMED_QUERY"
    assert "Aggregate query does not support queryMore()" in err.value.content[0]["message"]


def test_given_child_subquery_and_semi_join_when_queried_then_nested_results_match_the_children(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    accounts = sf.query("SELECT Id, Name, (SELECT Id, Email FROM Contacts ORDER BY Id) FROM Account "
                        "WHERE Id IN (SELECT AccountId FROM Contact) ORDER BY Name LIMIT 5")["records"]
    assert len(accounts) == 5
    for account in accounts:
        children = sf.query(f"SELECT Id FROM Contact WHERE AccountId = '{account['Id']}' ORDER BY Id")["records"]
        nested = account["Contacts"]
        assert (nested["totalSize"], nested["done"]) == (len(children), True) and children
        assert [c["Id"] for c in nested["records"]] == [c["Id"] for c in children]
        assert nested["records"][0]["attributes"]["type"] == "Contact"
    lonely = sf.query("SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact) LIMIT 3")
    assert lonely["records"] and all(r["Contacts"] is None for r in lonely["records"])


def test_given_billing_address_when_read_then_an_object_and_refused_as_a_write(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    (row,) = sf.query("SELECT Id, BillingCity, BillingAddress FROM Account WHERE BillingCity != null LIMIT 1")["records"]
    assert row["BillingAddress"]["city"] == row["BillingCity"] and "geocodeAccuracy" in row["BillingAddress"]
    assert sf.Account.get(row["Id"])["BillingAddress"] == row["BillingAddress"]
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.Account.update(row["Id"], {"BillingAddress": {"city": "Elsewhere"}})
    assert err.value.content[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_given_columns_true_when_queried_then_column_metadata_and_no_records(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    meta = sf.restful("query", params={"q": "SELECT Id, Email, Owner.Name FROM Lead", "columns": "true"})
    assert (meta["entityName"], meta["keyPrefix"], meta["idSelected"], meta["groupBy"]) == ("Lead", "00Q", True, False)
    assert "records" not in meta
    assert [(c["columnName"], c["apexType"]) for c in meta["columnMetadata"]] == [("Id", "Id"), ("Email", "String"), ("Owner", None)]
    assert meta["columnMetadata"][2]["joinColumns"][0]["columnName"] == "Name"
    grouped = sf.restful("query", params={"q": "SELECT Industry, COUNT(Id) FROM Lead GROUP BY Industry", "columns": "true"})
    assert grouped["groupBy"] is True and [c["columnName"] for c in grouped["columnMetadata"]] == ["Industry", "expr0"]


def test_given_limits_when_read_then_every_current_entry_and_record_counts(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    limits = sf.limits()
    assert len(limits) >= 45 and list(limits) == sorted(limits)
    assert {"DailyApiRequests", "DailyBulkV2QueryJobs", "DataStorageMB", "FileStorageMB", "HourlyODataCallout",
            "DailyAsyncApexExecutions", "SingleEmail", "MassEmail", "HourlyPublishedPlatformEvents"} <= set(limits)
    assert limits["DataStorageMB"]["Remaining"] < limits["DataStorageMB"]["Max"]   # the demo records take space
    counts = sf.restful("limits/recordCount", params={"sObjects": "Lead,Account,NoSuchThing"})
    admin = make_sf_client(localorg, "admin@demo.test")   # record counts are org-wide, whatever the caller sees
    assert counts == {"sObjects": [{"count": admin.query("SELECT COUNT() FROM Lead")["totalSize"], "name": "Lead"},
                                   {"count": admin.query("SELECT COUNT() FROM Account")["totalSize"], "name": "Account"}]}
    every = {o["name"] for o in sf.restful("limits/recordCount")["sObjects"]}
    assert {"Lead", "Account", "Contact", "Opportunity", "User"} <= every


def _tree(account: str, contact_email: str) -> dict:
    return {"records": [{"attributes": {"type": "Account", "referenceId": "acc1"}, "Name": account,
                         "Contacts": {"records": [
                             {"attributes": {"type": "Contact", "referenceId": "con1"}, "LastName": "Tree One",
                              "Email": "one@tree.example"},
                             {"attributes": {"type": "Contact", "referenceId": "con2"}, "LastName": "Tree Two",
                              "Email": contact_email}]},
                         "Opportunities": {"records": [
                             {"attributes": {"type": "Opportunity", "referenceId": "opp1"}, "Name": "Tree deal",
                              "StageName": "Prospecting", "CloseDate": "2026-12-01"}]}},
                        {"attributes": {"type": "Account", "referenceId": "acc2"}, "Name": account + " Two"}]}


def test_given_sobject_tree_when_posted_then_created_level_by_level_or_not_at_all(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    done = sf.restful("composite/tree/Account", method="POST", json=_tree("Tree Co", "two@tree.example"))
    assert done["hasErrors"] is False
    assert [r["referenceId"] for r in done["results"]] == ["acc1", "acc2", "con1", "con2", "opp1"]
    ids = {r["referenceId"]: r["id"] for r in done["results"]}
    contacts = sf.query(f"SELECT Id FROM Contact WHERE AccountId = '{ids['acc1']}' ORDER BY LastName")["records"]
    assert [c["Id"] for c in contacts] == [ids["con1"], ids["con2"]]
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.restful("composite/tree/Account", method="POST", json=_tree("Broken Tree Co", "not-an-email"))
    assert err.value.content == {"hasErrors": True, "results": [{"referenceId": "con2", "errors": [{
        "statusCode": "INVALID_EMAIL_ADDRESS", "message": "Email: invalid email address: not-an-email",
        "fields": ["Email"]}]}]}
    assert sf.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Broken Tree Co%'")["totalSize"] == 0


@pytest.fixture
def rehearsal(localorg_template: Path, tmp_path: Path) -> Iterator[Any]:
    """The demo org started with a --schema-dir whose Lead export adds an external id field."""
    from localorg.data.schema import Schema

    lead = Schema().get("Lead")
    fields = [dict(f) for f in lead.fields] + [{  # type: ignore[union-attr]
        "name": "Legacy_Id__c", "label": "Legacy Id", "type": "string", "length": 40, "externalId": True,
        "unique": False, "nillable": True, "createable": True, "updateable": True, "custom": True, "idLookup": True}]
    schema = tmp_path / "schema"
    schema.mkdir()
    (schema / "Lead.json").write_text(json.dumps({"name": "Lead", "label": "Lead", "labelPlural": "Leads",
                                                  "keyPrefix": "00Q", "fields": fields}), encoding="utf-8")
    handle = _start_copy(localorg_template, tmp_path / "org", schema_dir=schema)
    yield handle
    handle.stop()


def test_given_external_id_when_upserted_then_201_created_200_updated_204_before_v46(rehearsal: Any) -> None:
    sf = make_sf_client(rehearsal, "integration@demo.test")
    assert sf.Lead.upsert("Legacy_Id__c/L-0001", {"LastName": "Upsert", "Company": "Upsert Co"}) == 201
    (row,) = sf.query("SELECT Id, Company FROM Lead WHERE Legacy_Id__c = 'L-0001'")["records"]
    answer = sf.Lead.upsert("Legacy_Id__c/l-0001", {"Company": "Upserted Co"}, raw_response=True)
    assert (answer.status_code, answer.json()) == (200, {"id": row["Id"], "success": True, "errors": [], "created": False})
    assert sf.Lead.get_by_custom_id("Legacy_Id__c", "L-0001")["Company"] == "Upserted Co"
    old = make_sf_client(rehearsal, "integration@demo.test", version="45.0")
    assert old.Lead.upsert("Legacy_Id__c/L-0001", {"Company": "Old API Co"}) == 204
    assert sf.Lead.upsert(f"Id/{row['Id']}", {"Title": "By Id"}) == 200
    assert sf.Lead.get(row["Id"])["Title"] == "By Id"
    with pytest.raises(SalesforceResourceNotFound) as err:
        sf.Lead.upsert("Company/Upserted Co", {"Title": "x"})
    assert err.value.content[0]["message"] == "Provided external ID field does not exist or is not accessible: Company"
    with pytest.raises(SalesforceResourceNotFound):
        sf.Lead.upsert("Id/00Q000000000000AAA", {"Title": "x"})
    sf.Lead.create({"LastName": "Twin", "Company": "Twin Co", "Legacy_Id__c": "L-0001"})
    twice = localorg_session(rehearsal).patch(f"{sf.base_url}sobjects/Lead/Legacy_Id__c/L-0001",
                                              headers={"Authorization": f"Bearer {sf.session_id}"}, json={"Title": "x"})
    assert twice.status_code == 300 and len(twice.json()) == 2


def test_given_record_types_when_described_and_queried_then_master_always_listed(localorg: Any) -> None:
    sf = make_sf_client(localorg, "auditor@demo.test")
    infos = sf.Lead.describe()["recordTypeInfos"]
    assert infos == [{"active": True, "available": True, "defaultRecordTypeMapping": True, "developerName": "Master",
                      "master": True, "name": "Master", "recordTypeId": MASTER,
                      "urls": {"layout": f"/services/data/v62.0/sobjects/Lead/describe/layouts/{MASTER}"}}]
    assert sf.User.describe()["recordTypeInfos"] == []
    assert sf.query("SELECT Id, Name, DeveloperName, SobjectType FROM RecordType")["totalSize"] == 0
    assert {f["name"] for f in sf.RecordType.describe()["fields"]} >= {"Id", "Name", "DeveloperName", "SobjectType", "IsActive"}


def test_given_api_versions_when_listed_then_31_to_66_served_and_older_not_found(localorg: Any) -> None:
    session = localorg_session(localorg)
    versions = session.get(f"{localorg.instance_url}/services/data/").json()
    assert versions[0] == {"label": "Summer '14", "url": "/services/data/v31.0", "version": "31.0"}
    assert versions[-1]["version"] == "66.0" and len(versions) == 36
    old = make_sf_client(localorg, "auditor@demo.test", version="31.0")
    assert old.query("SELECT COUNT() FROM Lead")["totalSize"] > 0
    assert session.get(f"{localorg.instance_url}/services/data/v30.0/").status_code == 404


EXPORTS = Path(__file__).resolve().parents[1] / "data" / "schema"


@pytest.fixture
def real_schema(localorg_template: Path, tmp_path: Path) -> Iterator[Any]:
    """The demo org rehearsing on tests/data/schema (Person Account Account, Invoice__c with record types)."""
    handle = _start_copy(localorg_template, tmp_path / "org", schema_dir=EXPORTS)
    yield handle
    handle.stop()


def test_given_real_exports_when_rehearsing_then_seeded_described_queried_and_written_over_https(real_schema: Any) -> None:
    sf = make_sf_client(real_schema, "integration@demo.test")
    invoice_export = json.loads((EXPORTS / "Invoice__c.json").read_text(encoding="utf-8"))
    assert make_sf_client(real_schema, "admin@demo.test").Invoice__c.describe()["fields"] == invoice_export["fields"]
    seeded = sf.query_all("SELECT Name, Status__c, Amount__c, Due_Date__c, Account__r.Name, RecordType.Name "
                          "FROM Invoice__c ORDER BY Name")["records"]
    assert len(seeded) == 120 and seeded[0]["Name"] == "INV-00001"
    assert {r["Status__c"] for r in seeded} <= {"Draft", "Sent", "Paid", "Overdue", "Void"}
    assert all(r["Account__r"]["Name"] for r in seeded) and {r["RecordType"]["Name"] for r in seeded} == {"Standard"}
    amounts = [r["Amount__c"] for r in seeded]
    assert 0 < amounts.count(None) < len(amounts)   # gaps left for an enrichment to fill
    (tiers,) = sf.query("SELECT COUNT(Id), COUNT(Customer_Tier__c) FROM Account")["records"]
    assert 0 < tiers["expr1"] < tiers["expr0"]
    account = sf.query("SELECT Id FROM Account WHERE Id IN (SELECT Account__c FROM Invoice__c) LIMIT 1")["records"][0]["Id"]
    created = sf.Invoice__c.create({"Account__c": account, "Amount__c": 99.5, "External_Ref__c": "ERP-77"})
    assert sf.Invoice__c.get(created["id"])["Name"] == "INV-00121"
    assert sf.Invoice__c.upsert("External_Ref__c/ERP-77", {"Status__c": "Paid"}) == 200
    (parent,) = sf.query(f"SELECT (SELECT Name, Status__c FROM Invoices__r WHERE External_Ref__c = 'ERP-77') "
                         f"FROM Account WHERE Id = '{account}'")["records"]
    assert parent["Invoices__r"]["records"][0]["Status__c"] == "Paid"


def test_given_a_fiscal_year_from_july_when_filtering_then_fiscal_literals_follow_the_org(fresh_localorg: Any) -> None:
    from datetime import UTC, date, datetime

    sf = make_sf_client(fresh_localorg, "admin@demo.test")
    closes = [date.fromisoformat(r["CloseDate"]) for r in sf.query_all("SELECT CloseDate FROM Opportunity")["records"]]
    today = datetime.now(UTC).date()
    start = date(today.year if today.month >= 7 else today.year - 1, 7, 1)
    expected = sum(1 for d in closes if start <= d < date(start.year + 1, 7, 1))
    calendar = sum(1 for d in closes if d.year == today.year)
    assert sf.query("SELECT COUNT() FROM Opportunity WHERE CloseDate = THIS_FISCAL_YEAR")["totalSize"] == calendar
    fresh_localorg.set_organization(FiscalYearStartMonth=7)
    assert sf.query("SELECT FiscalYearStartMonth FROM Organization")["records"][0]["FiscalYearStartMonth"] == 7
    assert sf.query("SELECT COUNT() FROM Opportunity WHERE CloseDate = THIS_FISCAL_YEAR")["totalSize"] == expected
