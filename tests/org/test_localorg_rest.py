"""localorg REST through unmodified simple-salesforce over HTTPS: paging, describe, limits, rows, composite, errors."""
from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from simple_salesforce.exceptions import (
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from tests.fixtures.localorg import localorg_session, make_sf_client, password_token

QUERY_MORE = "GET /services/data/vXX.X/query/{locator}"


def http_date(sf_datetime: str) -> str:
    """Salesforce's '2025-01-12T01:59:31.000+0000' as an If-Unmodified-Since value."""
    return format_datetime(datetime.strptime(sf_datetime, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC), usegmt=True)


def test_given_5000_leads_when_query_all_then_pages_of_2000_are_followed(localorg: Any) -> None:
    sf = make_sf_client(localorg, "auditor@demo.test")
    expected = sf.query("SELECT COUNT() FROM Lead")["totalSize"]
    before = localorg.counters().get(QUERY_MORE, 0)
    result = sf.query_all("SELECT Id, Company, Email, Owner.Name FROM Lead")
    assert expected == 5000 and result["totalSize"] == 5000
    ids = [r["Id"] for r in result["records"]]
    assert len(set(ids)) == 5000 and all(i.startswith("00Q") and len(i) == 18 for i in ids)
    assert localorg.counters()[QUERY_MORE] - before == math.ceil(5000 / 2000) - 1
    assert result["records"][0]["attributes"]["type"] == "Lead"


def test_given_batch_size_header_when_querying_then_page_size_follows_within_200_to_2000(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    page = sf.query("SELECT Id FROM Lead", headers={"Sforce-Query-Options": "batchSize=500"})
    assert len(page["records"]) == 500 and page["done"] is False
    assert page["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g") and page["nextRecordsUrl"].endswith("-500")
    nxt = sf.query_more(page["nextRecordsUrl"], identifier_is_url=True)
    assert len(nxt["records"]) == 500 and nxt["nextRecordsUrl"].endswith("-1000")   # the cursor keeps its size
    tiny = sf.query("SELECT Id FROM Lead", headers={"Sforce-Query-Options": "batchSize=10"})
    assert len(tiny["records"]) == 200


def test_given_describe_calls_when_made_then_salesforce_shapes(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert {"Lead", "Contact", "Account", "Opportunity", "User", "Organization"} <= names
    fields = {f["name"]: f for f in sf.Lead.describe()["fields"]}
    assert fields["Industry"]["type"] == "picklist" and fields["Industry"]["length"] == 40
    assert sf.Lead.metadata()["objectDescribe"]["name"] == "Lead"
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful("sobjects/NoSuchThing/describe")


def test_given_limits_when_called_twice_then_daily_api_requests_remaining_falls_by_one(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    first = sf.limits()["DailyApiRequests"]
    second = sf.limits()["DailyApiRequests"]
    assert first["Max"] == 15000 and second["Remaining"] == first["Remaining"] - 1
    usage = sf.api_usage["api-usage"]
    assert usage.total == 15000 and usage.used == 15000 - second["Remaining"]


def test_given_user_without_view_setup_when_limits_then_refused(localorg: Any) -> None:
    sf = make_sf_client(localorg, "auditor@demo.test")
    with pytest.raises(SalesforceRefusedRequest):
        sf.limits()


def test_given_record_changed_since_read_when_update_with_if_unmodified_since_then_412(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    lead = sf.query("SELECT Id, LastModifiedDate FROM Lead WHERE Industry = null LIMIT 1")["records"][0]
    header = {"If-Unmodified-Since": http_date(lead["LastModifiedDate"]), "Sforce-Auto-Assign": "FALSE"}
    fresh_localorg.edit_as("admin@demo.test", "Lead", lead["Id"], {"Title": "Changed meanwhile"})
    with pytest.raises(SalesforceGeneralError) as err:
        sf.Lead.update(lead["Id"], {"Industry": "Banking"}, headers=header)
    assert err.value.status == 412
    assert sf.Lead.get(lead["Id"])["Industry"] is None
    later = format_datetime(datetime.now(UTC) + timedelta(minutes=5), usegmt=True)
    assert sf.Lead.update(lead["Id"], {"Industry": "Banking"}, headers={"If-Unmodified-Since": later}) == 204
    assert sf.Lead.get(lead["Id"])["Industry"] == "Banking"


def test_given_bad_if_unmodified_since_when_update_then_400(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    lead_id = sf.query("SELECT Id FROM Lead LIMIT 1")["records"][0]["Id"]
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.update(lead_id, {"Title": "x"}, headers={"If-Unmodified-Since": "yesterday-ish"})


def test_given_new_lead_when_created_read_and_deleted_then_rows_resource_round_trips(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    created = sf.Lead.create({"LastName": "Roundtrip", "Company": "Localorg Tests Ltd"})
    assert created["success"] is True and created["id"].startswith("00Q")
    got = sf.Lead.get(created["id"])
    assert got["Company"] == "Localorg Tests Ltd" and got["attributes"]["type"] == "Lead"
    assert sf.Lead.delete(created["id"]) == 204
    with pytest.raises(SalesforceResourceNotFound):
        sf.Lead.get(created["id"])


def test_given_collection_update_when_one_record_invalid_then_per_record_results(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    ids = [r["Id"] for r in sf.query("SELECT Id FROM Lead WHERE Industry = null LIMIT 2")["records"]]
    body = {"allOrNone": False, "records": [
        {"attributes": {"type": "Lead"}, "id": ids[0], "Industry": "Banking"},
        {"attributes": {"type": "Lead"}, "id": ids[1], "Title": "x" * 300}]}
    results = sf.restful("composite/sobjects", method="PATCH", json=body)
    assert results[0] == {"id": ids[0], "success": True, "errors": []}
    assert results[1]["success"] is False
    assert results[1]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert sf.Lead.get(ids[0])["Industry"] == "Banking"


def test_given_all_or_none_when_one_record_invalid_then_everything_rolled_back(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    ids = [r["Id"] for r in sf.query("SELECT Id FROM Lead WHERE Industry = null LIMIT 2")["records"]]
    body = {"allOrNone": True, "records": [
        {"attributes": {"type": "Lead"}, "id": ids[0], "Industry": "Banking"},
        {"attributes": {"type": "Lead"}, "id": ids[1], "Title": "x" * 300}]}
    results = sf.restful("composite/sobjects", method="PATCH", json=body)
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert results[1]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert sf.Lead.get(ids[0])["Industry"] is None


def test_given_201_records_when_collection_update_then_400_exceeded_id_limit(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    records = [{"attributes": {"type": "Lead"}, "id": "00Q000000000000AAA", "Title": "x"}] * 201
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.restful("composite/sobjects", method="PATCH", json={"records": records})
    assert err.value.content[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


def test_given_composite_with_reference_and_headers_when_posted_then_subrequests_chain(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    stale = "Wed, 01 Jan 2020 00:00:00 GMT"
    body = {"allOrNone": False, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Account", "referenceId": "acct",
         "body": {"Name": "Composite Co"}},
        {"method": "PATCH", "url": "/services/data/v62.0/sobjects/Account/@{acct.id}", "referenceId": "upd",
         "body": {"Website": "composite.example"}, "httpHeaders": {"Sforce-Auto-Assign": "FALSE"}},
        {"method": "PATCH", "url": "/services/data/v62.0/sobjects/Account/@{acct.id}", "referenceId": "stale",
         "body": {"Website": "late.example"}, "httpHeaders": {"If-Unmodified-Since": stale}},
        {"method": "GET", "url": "/services/data/v62.0/sobjects/Account/@{acct.id}?fields=Website", "referenceId": "read"}]}
    out = {r["referenceId"]: r for r in sf.restful("composite", method="POST", json=body)["compositeResponse"]}
    assert out["acct"]["httpStatusCode"] == 201 and out["upd"]["httpStatusCode"] == 204
    assert out["stale"]["httpStatusCode"] == 412
    assert out["read"]["body"]["Website"] == "composite.example"


def test_given_all_or_none_composite_when_a_subrequest_fails_then_processing_halted_and_rolled_back(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    body = {"allOrNone": True, "compositeRequest": [
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Account", "referenceId": "ok", "body": {"Name": "Halt Co"}},
        {"method": "POST", "url": "/services/data/v62.0/sobjects/Account", "referenceId": "bad", "body": {"Nope__c": 1}},
        {"method": "GET", "url": "/services/data/v62.0/sobjects/Account/@{ok.id}", "referenceId": "after"}]}
    out = {r["referenceId"]: r for r in sf.restful("composite", method="POST", json=body)["compositeResponse"]}
    assert out["bad"]["httpStatusCode"] == 400
    assert out["ok"]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert out["after"]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert sf.query("SELECT COUNT() FROM Account WHERE Name = 'Halt Co'")["totalSize"] == 0


def test_given_26_subrequests_when_composite_then_400(localorg: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    subs = [{"method": "GET", "url": "/services/data/v62.0/limits", "referenceId": f"r{i}"} for i in range(26)]
    with pytest.raises(SalesforceMalformedRequest):
        sf.restful("composite", method="POST", json={"compositeRequest": subs})


@pytest.mark.parametrize("soql, code", [
    ("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY"),
    ("SELECT Nope FROM Lead", "INVALID_FIELD"),
    ("SELECT Id FROM Nope", "INVALID_TYPE"),
])
def test_given_bad_soql_when_queried_then_salesforce_malformed_request_with_code(localorg: Any, soql: Any, code: Any) -> None:
    sf = make_sf_client(localorg, "integration@demo.test")
    with pytest.raises(SalesforceMalformedRequest) as err:
        sf.query(soql)
    assert err.value.status == 400 and err.value.content[0]["errorCode"] == code


def test_given_no_api_user_when_calling_then_refused_with_api_disabled(localorg: Any) -> None:
    sf = make_sf_client(localorg, "noapi@demo.test")
    with pytest.raises(SalesforceRefusedRequest) as err:
        sf.query("SELECT Id FROM Lead LIMIT 1")
    assert err.value.content[0]["errorCode"] == "API_DISABLED_FOR_ORG"


def test_given_unknown_paths_versions_and_methods_when_called_then_salesforce_errors(localorg: Any) -> None:
    session = localorg_session(localorg)
    auth = {"Authorization": f"Bearer {password_token(localorg, 'integration@demo.test')['access_token']}"}
    base = localorg.instance_url
    versions = session.get(f"{base}/services/data/").json()
    assert [v["version"] for v in versions][0] == "50.0" and versions[-1] == {
        "label": "Spring '26", "url": "/services/data/v66.0", "version": "66.0"}
    for path in ("/services/data/v49.0/limits", "/services/data/v67.0/sobjects", "/services/data/v62.0/nope", "/nope"):
        resp = session.get(base + path, headers=auth)
        assert resp.status_code == 404 and resp.json() == [
            {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}], path
    wrong = session.delete(f"{base}/services/data/v62.0/limits", headers=auth)
    assert wrong.status_code == 405 and wrong.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"
    ok = session.get(f"{base}/services/data/v62.0/sobjects/Lead/describe", headers=auth)
    assert ok.headers["Sforce-Limit-Info"].startswith("api-usage=")
    missing = session.get(f"{base}/services/data/v62.0/sobjects", headers={})
    assert missing.status_code == 401 and missing.json() == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_given_plain_http_port_when_data_api_called_then_not_served(localorg: Any) -> None:
    session = localorg_session(localorg)
    auth = {"Authorization": f"Bearer {password_token(localorg, 'integration@demo.test')['access_token']}"}
    assert session.get(f"{localorg.login_url}/services/data/v62.0/limits", headers=auth).status_code == 404


def test_given_created_and_deleted_leads_when_get_updated_and_deleted_then_listed(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    start = datetime.now(UTC) - timedelta(minutes=1)
    kept = sf.Lead.create({"LastName": "Kept", "Company": "Replication Ltd"})["id"]
    gone = sf.Lead.create({"LastName": "Gone", "Company": "Replication Ltd"})["id"]
    sf.Lead.delete(gone)
    end = datetime.now(UTC) + timedelta(minutes=2)
    assert kept in sf.Lead.updated(start, end)["ids"] and gone not in sf.Lead.updated(start, end)["ids"]
    assert [d["id"] for d in sf.Lead.deleted(start, end)["deletedRecords"]] == [gone]
    with pytest.raises(SalesforceMalformedRequest):
        sf.Lead.updated(start - timedelta(days=31), end)


def test_given_no_api_user_when_refused_then_usage_header_still_sent(localorg: Any) -> None:
    session = localorg_session(localorg)
    auth = {"Authorization": f"Bearer {password_token(localorg, 'noapi@demo.test')['access_token']}"}
    resp = session.get(f"{localorg.instance_url}/services/data/v62.0/sobjects", headers=auth)
    assert resp.status_code == 403 and resp.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_given_assignment_rule_when_lead_written_then_owner_moves_unless_auto_assign_false(fresh_localorg: Any) -> None:
    sf = make_sf_client(fresh_localorg, "integration@demo.test")
    admin = make_sf_client(fresh_localorg, "admin@demo.test")
    me = sf.query("SELECT Id FROM User WHERE Username = 'integration@demo.test'")["records"][0]["Id"]
    queue = admin.query("SELECT Id FROM User WHERE Username = 'fatima.khan@demo.test'")["records"][0]["Id"]
    kept = sf.Lead.create({"LastName": "Kept", "Company": "Kept Co"}, headers={"Sforce-Auto-Assign": "FALSE"})["id"]
    moved = sf.Lead.create({"LastName": "Moved", "Company": "Moved Co"}, headers={"Sforce-Auto-Assign": "FALSE"})["id"]
    fresh_localorg.set_assignment_rule("Lead", "fatima.khan@demo.test")

    sf.Lead.update(kept, {"Phone": "+1 555 0100"}, headers={"Sforce-Auto-Assign": "FALSE"})
    sf.Lead.update(moved, {"Phone": "+1 555 0101"})  # no header: Salesforce runs the assignment rule
    collection = sf.restful("composite/sobjects", method="PATCH", headers={"Sforce-Auto-Assign": "FALSE"}, json={
        "allOrNone": True, "records": [{"attributes": {"type": "Lead"}, "id": kept, "Title": "CTO"}]})

    assert collection[0]["success"] is True
    assert admin.Lead.get(kept)["OwnerId"] == me
    assert admin.Lead.get(moved)["OwnerId"] == queue
    with pytest.raises(SalesforceResourceNotFound):
        sf.Lead.get(moved)  # private Lead sharing: the rule moved the lead out of the integration user's sight
