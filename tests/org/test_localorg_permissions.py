"""localorg answers what permission diagnostics ask, as Salesforce does: setup objects behind View Setup, Profile
readable, record counts, describes batched through /composite (at most five queries), and permission set deploys."""
from __future__ import annotations

from typing import Any

import pytest
import requests
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceRefusedRequest

from localorg.permset_deploy import DeployError
from tests.fixtures.localorg import localorg_session, make_sf_client

SETUP_QUERIES = ["SELECT Id, Name FROM PermissionSet", "SELECT Id, AssigneeId FROM PermissionSetAssignment",
                 "SELECT Id, SobjectType FROM ObjectPermissions", "SELECT Id, Field FROM FieldPermissions"]
V = "/services/data/v62.0"


@pytest.mark.parametrize("soql", SETUP_QUERIES)
def test_given_setup_object_query_when_user_lacks_view_setup_then_refused_and_with_it_answered(localorg: Any,
                                                                                            soql: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as refused:
        make_sf_client(localorg, "auditor@demo.test").query(soql)
    assert refused.value.content[0]["errorCode"] == "INVALID_TYPE"
    assert make_sf_client(localorg, "integration@demo.test").query(soql)["totalSize"] > 0


def test_given_any_internal_user_when_querying_profile_and_user_permission_access_then_answered(localorg: Any) -> None:
    auditor = make_sf_client(localorg, "auditor@demo.test")
    me = auditor.query("SELECT Profile.Name FROM User WHERE Username = 'auditor@demo.test'")["records"][0]
    assert me["Profile"]["Name"] == "Read Only"
    assert {r["Name"] for r in auditor.query("SELECT Name FROM Profile")["records"]} >= {"Read Only"}
    (upa,) = auditor.query("SELECT PermissionsApiEnabled, PermissionsViewSetup FROM UserPermissionAccess")["records"]
    assert (upa["PermissionsApiEnabled"], upa["PermissionsViewSetup"]) == (True, False)


def test_given_record_count_when_asked_then_org_totals_whatever_the_sharing_and_view_setup_required(
        localorg: Any) -> None:
    integration = make_sf_client(localorg, "integration@demo.test")
    counts = integration.restful("limits/recordCount", params={"sObjects": "Lead,Account,NoSuchThing__c"})
    assert counts == {"sObjects": [{"count": 5000, "name": "Lead"}, {"count": 2000, "name": "Account"}]}
    assert integration.query("SELECT COUNT() FROM Lead")["totalSize"] < 5000   # sharing hides some from the user
    with pytest.raises(SalesforceRefusedRequest):
        make_sf_client(localorg, "auditor@demo.test").restful("limits/recordCount", params={"sObjects": "Lead"})


def _composite(handle: Any, username: str, subrequests: list[dict]) -> requests.Response:
    from tests.fixtures.localorg import password_token

    token = password_token(handle, username)["access_token"]
    return localorg_session(handle).post(f"{handle.instance_url}{V}/composite", timeout=30,
                                         headers={"Authorization": f"Bearer {token}"},
                                         json={"allOrNone": False, "compositeRequest": subrequests})


def test_given_composite_when_describes_and_five_queries_then_one_call_answers_all_and_a_sixth_query_is_refused(
        localorg: Any) -> None:
    describes = [{"method": "GET", "url": f"{V}/sobjects/{o}/describe", "referenceId": f"d{o}"}
                 for o in ("Lead", "Contact", "Account", "Opportunity", "User")]
    queries = [{"method": "GET", "url": f"{V}/query/?q=SELECT+COUNT()+FROM+Lead", "referenceId": f"q{i}"}
               for i in range(6)]
    localorg.reset_counters()
    answer = _composite(localorg, "auditor@demo.test", describes + queries[:5])
    assert answer.status_code == 200
    statuses = {r["referenceId"]: r["httpStatusCode"] for r in answer.json()["compositeResponse"]}
    assert set(statuses.values()) == {200} and len(statuses) == 10
    assert localorg.counters()["POST /services/data/vXX.X/composite"] == 1
    too_many = _composite(localorg, "auditor@demo.test", describes + queries)
    assert too_many.status_code == 400 and too_many.json()[0]["errorCode"] == "LIMIT_EXCEEDED"


def test_given_setup_query_in_composite_without_view_setup_then_only_that_subrequest_fails(localorg: Any) -> None:
    answer = _composite(localorg, "auditor@demo.test", [
        {"method": "GET", "url": f"{V}/sobjects/Lead/describe", "referenceId": "lead"},
        {"method": "GET", "url": f"{V}/query/?q=SELECT+Id+FROM+ObjectPermissions", "referenceId": "perms"}])
    by_ref = {r["referenceId"]: r for r in answer.json()["compositeResponse"]}
    assert by_ref["lead"]["httpStatusCode"] == 200
    assert by_ref["perms"]["httpStatusCode"] == 400 and by_ref["perms"]["body"][0]["errorCode"] == "INVALID_TYPE"


PS = """<?xml version="1.0" encoding="UTF-8"?>
<PermissionSet xmlns="http://soap.sforce.com/2006/04/metadata">
    <fieldPermissions><editable>true</editable><field>{field}</field><readable>true</readable></fieldPermissions>
    <label>Test grant</label>
    <objectPermissions><allowCreate>false</allowCreate><allowDelete>false</allowDelete><allowEdit>{edit}</allowEdit>
        <allowRead>{read}</allowRead><modifyAllRecords>false</modifyAllRecords><object>Lead</object>
        <viewAllRecords>false</viewAllRecords></objectPermissions>
</PermissionSet>"""


@pytest.mark.parametrize("field, read, edit, words", [
    ("Lead.NoSuch__c", "true", "true", "no CustomField named Lead.NoSuch__c"),
    ("Lead.Company", "true", "true", "required field"),
    ("Lead.Industry", "false", "true", "depends on permission(s): Read"),
])
def test_given_permission_set_a_deploy_would_refuse_when_granted_then_refused_and_nothing_changes(
        fresh_localorg: Any, field: str, read: str, edit: str, words: str) -> None:
    before = len(fresh_localorg.org.store.rows("PermissionSet"))
    with pytest.raises(DeployError, match=words.replace("(", r"\(").replace(")", r"\)")):
        fresh_localorg.grant_permission_set("Bad_Set", PS.format(field=field, read=read, edit=edit),
                                            assign_to="restricted@demo.test")
    assert len(fresh_localorg.org.store.rows("PermissionSet")) == before


def test_given_permission_set_when_granted_over_the_admin_path_then_the_user_can_edit(fresh_localorg: Any) -> None:
    restricted = make_sf_client(fresh_localorg, "restricted@demo.test")
    assert not {f["name"]: f for f in restricted.Lead.describe()["fields"]}["Industry"]["updateable"]
    resp = localorg_session(fresh_localorg).post(f"{fresh_localorg.instance_url}/__localorg__/permission-sets",
                                                 timeout=30, json={
        "name": "Industry_Edit", "xml": PS.format(field="Lead.Industry", read="true", edit="true"),
        "assign_to": "restricted@demo.test"})
    assert resp.status_code == 201 and resp.json()["id"].startswith("0PS")
    assert {f["name"]: f for f in restricted.Lead.describe()["fields"]}["Industry"]["updateable"] is True
    bad = localorg_session(fresh_localorg).post(f"{fresh_localorg.instance_url}/__localorg__/permission-sets",
                                                timeout=30, json={"name": "x__y", "xml": "<nope/>"})
    assert bad.status_code == 400 and bad.json()[0]["errorCode"] == "DEPLOY_FAILED"
